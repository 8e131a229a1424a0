"""The APScheduler wiring: deterministic jobs, a tick at start, delivery through the outbox."""

from __future__ import annotations

import asyncio

from telegram import Bot

from bot.channels.telegram.deliver import TelegramDeliverer
from bot.config import Settings
from bot.outbox import TELEGRAM
from bot.scheduler import DRAIN_JOB, TICK_JOB, build_scheduler
from tests.conftest import Seeded
from tests.scheduling.conftest import FlakyBotApi
from tests.scheduling.test_round import at


async def test_the_scheduler_ticks_at_start_and_delivers(
    linked: Seeded, settings: Settings, api: FlakyBotApi, telegram_bot: Bot
) -> None:
    linked.clock.now = at(11, 23, 10)
    # no weekly LA digest on this Monday: only the four reminders can go out
    settings = settings.model_copy(update={"summary_weekly_day": ""})
    scheduler = build_scheduler(
        settings, linked.db, {TELEGRAM: TelegramDeliverer(telegram_bot)}, linked.clock
    )
    assert {job.id for job in scheduler.get_jobs()} == {TICK_JOB, DRAIN_JOB}
    scheduler.start()
    try:
        for job in scheduler.get_jobs():
            assert job.coalesce and job.misfire_grace_time >= 600 and job.max_instances == 1
        for _ in range(100):
            if len(api.received) == 4:
                break
            await asyncio.sleep(0.05)
    finally:
        scheduler.shutdown(wait=False)
    assert sorted(r.chat_id for r in api.received) == [1001, 1002, 1003, 1004]


async def test_without_deliverers_only_the_tick_runs(linked: Seeded, settings: Settings) -> None:
    scheduler = build_scheduler(settings, linked.db, None, linked.clock)
    assert [job.id for job in scheduler.get_jobs()] == [TICK_JOB]
