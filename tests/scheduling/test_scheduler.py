"""The APScheduler wiring: deterministic jobs, a tick at start, delivery through the outbox."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.channels.telegram.deliver import TelegramDeliverer
from bot.config import Recipient, Settings
from bot.outbox import enqueue_la
from bot.scheduler import DRAIN_JOB, PRUNE_JOB, TICK_JOB, build_scheduler
from storage import Database, invites, outbox, updates
from tests.conftest import TELEGRAM, Seeded
from tests.fake_bot_api import FakeBotApi
from tests.legacy_payloads import message_payload
from tests.scheduling.conftest import LA_CHAT, FlakyBotApi
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
    assert {job.id for job in scheduler.get_jobs()} == {TICK_JOB, DRAIN_JOB, PRUNE_JOB}
    scheduler.start()
    try:
        for job in scheduler.get_jobs():
            assert job.coalesce and job.misfire_grace_time >= 600 and job.max_instances == 1
        for _ in range(100):
            if len(api.received) == 4:
                break
            await asyncio.sleep(0.05)
    finally:
        await scheduler.stop()
    assert sorted(r.chat_id for r in api.received) == [1001, 1002, 1003, 1004]


async def test_without_deliverers_only_the_tick_runs(linked: Seeded, settings: Settings) -> None:
    scheduler = build_scheduler(settings, linked.db, None, linked.clock)
    assert [job.id for job in scheduler.get_jobs()] == [TICK_JOB, PRUNE_JOB]


async def test_pruning_runs_at_start_and_daily(
    seeded: Seeded, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    now = seeded.clock()
    async with seeded.db.transaction() as conn:
        await updates.mark_processed(conn, "telegram", "old", now - timedelta(days=31))
        await updates.mark_processed(conn, "telegram", "new", now - timedelta(days=1))
        await invites.record_bad_attempt(conn, "telegram", "42", now - timedelta(hours=2))
        await invites.record_bad_attempt(conn, "telegram", "42", now - timedelta(minutes=5))
    schedule = build_scheduler(settings, seeded.db, None, seeded.clock)
    [job] = [job for job in schedule.get_jobs() if job.id == PRUNE_JOB]
    assert job.trigger.interval == timedelta(days=1)
    schedule.start()
    try:
        for _ in range(100):
            if any(m.startswith("pruned") for m in caplog.messages):
                break
            await asyncio.sleep(0.02)
    finally:
        await schedule.stop()
    pruned = "pruned 1 processed update(s) older than 30 days and 1 expired bad invite attempt(s)"
    assert pruned in caplog.messages
    async with seeded.db.transaction() as conn:
        assert not await updates.mark_processed(conn, "telegram", "new", now)
        day_before = now - timedelta(days=1)
        assert await invites.bad_attempts_since(conn, "telegram", "42", day_before) == 1


class HangingBotApi(FakeBotApi):
    """Takes sends and answers none of them until released: a send that outlasts a stop."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    async def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        await self._notify()
        await self.release.wait()
        return await super()._m_sendMessage(params)


async def test_a_stop_abandons_a_hanging_send_quietly(
    db: Database, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api = HangingBotApi()
    await api.start()
    request = HTTPXRequest(read_timeout=60, write_timeout=60)
    bot = Bot(api.token, base_url=f"{api.url}/bot", request=request)
    payloads = [message_payload(f"part {n}") for n in range(3)]
    await enqueue_la(
        db, [Recipient("telegram", str(LA_CHAT))], "la_summary", "hang", payloads, datetime.now(UTC)
    )
    try:
        async with bot:
            schedule = build_scheduler(settings, db, {TELEGRAM: TelegramDeliverer(bot)})
            schedule.start()
            await api.wait_until(lambda: bool(api.requests("sendMessage")), 5)
            assert await schedule.stop(grace=0.2) == 3
    finally:
        api.release.set()
        await api.stop()

    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert "stopping: 3 message(s) left in the outbox for the next start" in caplog.messages
    async with db.read() as conn:
        rows = await outbox.all_rows(conn)
    assert [(r.status, r.lease_until, r.attempts) for r in rows] == [("pending", None, 0)] * 3
