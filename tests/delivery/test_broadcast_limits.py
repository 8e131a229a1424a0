"""Broadcasts under Telegram's flood limits: the fake Bot API answers 429 beyond 30
messages a second overall and one a second per chat, as Telegram does, and every reminder
still arrives exactly once, none failed; a flood wait is never a reason to give up."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from telegram import Bot

from bot.channels.telegram.bots import make_bot
from bot.channels.telegram.deliver import TelegramDeliverer
from bot.channels.telegram.rate_limiter import BroadcastLimiter
from bot.config import Settings, TelegramSettings
from bot.directory import import_directory
from bot.outbox import OutboxWorker, RetryPolicy
from bot.questionnaire import load_questionnaire
from bot.reminders import tick
from bot.round_setup import open_round
from storage import Database, open_database, outbox, partnerships
from storage.outbox import NewMessage
from tests.conftest import NOW, Clock
from tests.fake_bot_api import ApiError, FakeBotApi
from tests.legacy_payloads import message_payload

PEOPLE = 1000
FIRST_CHAT = 50_000


@pytest.fixture
async def crowd(tmp_path: Path) -> AsyncIterator[Database]:
    """PEOPLE partnerships, one lead each with a linked Telegram chat, and an open round
    due in a week: at NOW, everyone is due the seven-day reminder."""
    lines = ["partnership,contact_name,email"] + [
        f"Partnership {n:04d},Lead {n},lead{n}@p{n}.example" for n in range(PEOPLE)
    ]
    csv = tmp_path / "crowd.csv"
    csv.write_text("\n".join(lines) + "\n", "utf-8")
    db = await open_database(tmp_path / "audit.db")
    opened = NOW - timedelta(hours=2)
    await import_directory(db, csv, opened)
    questionnaire, source = load_questionnaire()
    await open_round(db, questionnaire, source, date(2026, 11, 9), opened)
    async with db.transaction() as conn:
        for contact in await partnerships.list_contacts(conn):
            chat = str(FIRST_CHAT + int(contact.email.removeprefix("lead").split("@")[0]))
            await partnerships.link_address(conn, contact.id, "telegram", chat, chat, opened)
    yield db
    await db.close()


@pytest.fixture
async def limited_api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi()
    server.rate_limit(per_chat_per_second=1, global_per_second=30)
    await server.start()
    yield server
    await server.stop()


async def test_a_thousand_reminders_all_arrive_once_within_telegrams_limits(
    crowd: Database, limited_api: FakeBotApi, tmp_path: Path
) -> None:
    api = limited_api
    clock = Clock(NOW)
    settings = Settings(
        telegram=TelegramSettings(bot_token=api.token, api_url=api.url),
        db=tmp_path / "audit.db",
        timezone="Europe/London",
    )
    assert (await tick(crowd, settings, clock)).reminders == PEOPLE
    async with make_bot(settings) as bot:
        # `auditbot remind --now`'s Bot: no PTB rate limiter in front of it
        worker = OutboxWorker(crowd, {"telegram": TelegramDeliverer(bot)}, clock)
        result = await worker.run_once()
    assert (result.sent, result.failed, result.retried) == (PEOPLE, 0, 0)
    per_chat = Counter(int(c.params["chat_id"]) for c in api.requests("sendMessage"))
    assert set(per_chat) == {FIRST_CHAT + n for n in range(PEOPLE)}  # none lost
    assert set(per_chat.values()) == {1}  # none twice, and never a 429 to try again
    assert api.throttled == []
    async with crowd.read() as conn:
        assert {r.status for r in await outbox.all_rows(conn)} == {"sent"}


async def test_a_short_flood_wait_is_waited_out_and_a_long_one_never_fails_the_message(
    db: Database, clock: Clock, api: FakeBotApi
) -> None:
    async with db.transaction() as conn:
        for key, chat in (("short", 1), ("long", 2)):
            message = NewMessage(key, "telegram", str(chat), "test", message_payload("<b>hi</b>"))
            await outbox.enqueue(conn, message, clock())
    async with Bot(api.token, base_url=f"{api.url}/bot") as bot:
        worker = OutboxWorker(
            db,
            {"telegram": TelegramDeliverer(bot)},
            clock,
            retry=RetryPolicy(max_attempts=2),
            chat_interval=0,
            concurrency=1,
        )
        api.fail_next = [ApiError(429, "Too Many Requests: retry after 1", retry_after=1)]
        began = time.monotonic()
        assert (await worker.run_once()).sent == 2  # waited a second, then sent both
        assert time.monotonic() - began >= 1
        async with db.transaction() as conn:
            message = NewMessage("later", "telegram", "3", "test", message_payload("<b>hi</b>"))
            await outbox.enqueue(conn, message, clock())
        for _ in range(4):  # more 429s than max_attempts allows failures
            api.fail_next = [ApiError(429, "Too Many Requests: retry after 600", retry_after=600)]
            assert (await worker.run_once()).retried == 1
            clock.advance(seconds=600)
        assert (await worker.run_once()).sent == 1
    async with db.read() as conn:
        rows = {r.dedupe_key: r for r in await outbox.all_rows(conn)}
    assert {r.status for r in rows.values()} == {"sent"}
    assert rows["later"].attempts == 5
    assert [int(c.params["chat_id"]) for c in api.requests("sendMessage")].count(3) == 5


async def test_the_limiter_never_lets_more_than_its_rate_into_any_window() -> None:
    """Slots come back a period after each answer: any max_rate + 1 sends span a period."""
    limiter = BroadcastLimiter(max_rate=5, period=0.2)
    arrived: list[float] = []

    async def send() -> None:
        async with limiter.slot():
            await asyncio.sleep(0.001)  # the request on its way
            arrived.append(time.monotonic())
            await asyncio.sleep(0.001)  # and its answer

    await asyncio.gather(*(send() for _ in range(23)))
    arrived.sort()
    assert all(later - earlier >= 0.2 for earlier, later in zip(arrived, arrived[5:], strict=False))
