"""Delivery over real HTTP: a real PTB Bot against the fake Bot API, failures scripted."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from telegram import Bot

from bot.channels.telegram.deliver import TelegramDeliverer
from bot.config import Settings
from bot.notices import Attachment, Notice
from bot.outbox import OutboxWorker
from bot.reminders import tick
from storage import Database, open_database, outbox, partnerships
from storage.outbox import NewMessage, OutboxRow
from tests.conftest import TELEGRAM, Clock, Seeded
from tests.legacy_payloads import document_payload, message_payload
from tests.scheduling.conftest import FlakyBotApi
from tests.scheduling.test_round import at


def worker(db: Database, bot: Bot, clock: Clock, interval: float = 0.0) -> OutboxWorker:
    return OutboxWorker(db, {TELEGRAM: TelegramDeliverer(bot)}, clock, chat_interval=interval)


async def queue(db: Database, clock: Clock, chat: int, key: str, text: str = "hi") -> None:
    async with db.transaction() as conn:
        await outbox.enqueue(
            conn,
            NewMessage(key, TELEGRAM, str(chat), "test", message_payload(f"<b>{text}</b>")),
            clock(),
        )


async def row(db: Database, key: str) -> OutboxRow:
    async with db.read() as conn:
        return next(r for r in await outbox.all_rows(conn) if r.dedupe_key == key)


async def test_reminders_arrive_with_their_buttons(
    linked: Seeded, settings: Settings, api: FlakyBotApi, telegram_bot: Bot
) -> None:
    clock = linked.clock
    clock.now = at(11, 23, 10)
    await tick(linked.db, settings, clock)
    result = await worker(linked.db, telegram_bot, clock).run_once()
    assert result.sent == 4
    [message] = api.messages[1004]
    assert "East Partnership" in message.text
    assert "Dan <Dee> & Co" in message.text  # escaped in HTML, intact for the reader
    assert message.buttons == [
        ("Start the audit", "a1|g"),
        ("Remind me tomorrow", f"z1|d|{linked.round.id}"),
        ("Remind me next week", f"z1|w|{linked.round.id}"),
    ]
    assert await worker(linked.db, telegram_bot, clock).run_once() == type(result)()
    assert len(api.received) == 4


async def test_timeouts_5xx_and_429_are_retried_until_sent_once(
    db: Database, clock: Clock, api: FlakyBotApi, telegram_bot: Bot
) -> None:
    api.hang = 0.6  # longer than the bot's read timeout
    api.script[7] = ["timeout", "500", ("429", 7)]
    await queue(db, clock, 7, "k1")
    w = worker(db, telegram_bot, clock)
    assert (await w.run_once()).retried == 1  # timed out
    first = await row(db, "k1")
    assert first.status == "pending" and "timed out" in (first.last_error or "")
    assert first.next_attempt_at == clock() + timedelta(seconds=30)
    assert (await w.run_once()).claimed == 0  # not due yet
    clock.advance(seconds=30)
    assert (await w.run_once()).retried == 1  # 500
    assert (await row(db, "k1")).next_attempt_at == clock() + timedelta(seconds=60)
    clock.advance(seconds=60)
    assert (await w.run_once()).retried == 1  # 429: retry_after is honoured
    assert (await row(db, "k1")).next_attempt_at == clock() + timedelta(seconds=7)
    clock.advance(seconds=7)
    assert (await w.run_once()).sent == 1
    done = await row(db, "k1")
    assert (done.status, done.attempts, done.sent_at) == ("sent", 4, clock())
    await asyncio.sleep(api.hang)  # let the hung request finish: it delivered nothing
    assert [r.chat_id for r in api.received] == [7]


async def test_after_the_last_retry_it_stays_visible_as_failed(
    db: Database, clock: Clock, api: FlakyBotApi, telegram_bot: Bot
) -> None:
    api.script[8] = ["500"] * 6
    await queue(db, clock, 8, "k2")
    w = worker(db, telegram_bot, clock)
    for _ in range(6):
        await w.run_once()
        clock.advance(hours=3)
    failed = await row(db, "k2")
    assert (failed.status, failed.attempts) == ("failed", 6)
    assert "gave up after 6 attempts" in (failed.last_error or "")
    async with db.read() as conn:
        assert [r.id for r in await outbox.list_rows(conn)] == [failed.id]
    async with db.transaction() as conn:
        assert await outbox.requeue_failed(conn, clock()) == 1
    assert (await w.run_once()).sent == 1
    assert len(api.sent_to(8)) == 1


async def test_a_bad_request_is_not_retried(
    db: Database, clock: Clock, api: FlakyBotApi, telegram_bot: Bot
) -> None:
    api.script[9] = ["400"]
    await queue(db, clock, 9, "k3")
    assert (await worker(db, telegram_bot, clock).run_once()).failed == 1
    failed = await row(db, "k3")
    assert failed.status == "failed" and "chat not found" in (failed.last_error or "").lower()


async def test_a_contact_who_blocked_the_bot_is_marked_unreachable(
    linked: Seeded, settings: Settings, api: FlakyBotApi, telegram_bot: Bot
) -> None:
    clock, db = linked.clock, linked.db
    api.script[1004] = ["403"]
    clock.now = at(11, 23, 10)
    await tick(db, settings, clock)
    result = await worker(db, telegram_bot, clock).run_once()
    assert (result.sent, result.blocked) == (3, 1)
    async with db.read() as conn:
        dan = await partnerships.contact_by_id(conn, linked.contacts["dan"].id)
        blocked = [r for r in await outbox.all_rows(conn) if r.recipient == "1004"]
    assert dan is not None and dan.unreachable_at == clock()
    assert [(r.status, r.attempts) for r in blocked] == [("failed", 1)]
    clock.now = at(11, 27, 10)  # d-3: nothing more for dan
    await tick(db, settings, clock)
    assert (await worker(db, telegram_bot, clock).run_once()).sent == 3
    assert api.sent_to(1004) == []


async def test_two_workers_at_once_send_each_message_once(
    db: Database, clock: Clock, api: FlakyBotApi, telegram_bot: Bot
) -> None:
    for i in range(12):
        await queue(db, clock, 100 + i % 4, f"p{i}")
    second_db = await open_database(db.path)  # as another process would
    try:
        a = worker(db, telegram_bot, clock)
        b = worker(second_db, telegram_bot, clock)
        results = await asyncio.gather(a.run_once(), b.run_once(), a.run_once())
    finally:
        await second_db.close()
    assert sum(r.sent for r in results) == 12
    assert len(api.received) == 12


async def test_messages_to_one_chat_are_a_second_apart(
    db: Database, clock: Clock, api: FlakyBotApi, telegram_bot: Bot
) -> None:
    for i in range(2):
        await queue(db, clock, 21, f"a{i}")
        await queue(db, clock, 22, f"b{i}")
    await worker(db, telegram_bot, clock, interval=1.0).run_once()
    a = [r.at for r in api.sent_to(21)]
    b = [r.at for r in api.sent_to(22)]
    assert len(a) == len(b) == 2
    assert a[1] - a[0] >= 0.99
    assert b[1] - b[0] >= 0.99
    assert b[0] < a[1]  # other chats are not held up by this one


async def test_documents_are_sent_from_bytes(
    db: Database, clock: Clock, api: FlakyBotApi, telegram_bot: Bot
) -> None:
    async with db.transaction() as conn:
        for key, payload in (
            (
                "d1",
                document_payload("summary.xlsx", content=b"PK\x03\x04", caption_html="<b>S</b>"),
            ),
            ("d2", document_payload("summary.csv", content=b"a,b\n1,2\n")),
        ):
            await outbox.enqueue(conn, NewMessage(key, TELEGRAM, "31", "summary", payload), clock())
    assert (await worker(db, telegram_bot, clock).run_once()).sent == 2
    documents = api.messages[31]
    assert [(d.filename, d.document) for d in documents] == [
        ("summary.xlsx", b"PK\x03\x04"),
        ("summary.csv", b"a,b\n1,2\n"),
    ]


async def test_a_notice_in_parts_carries_on_after_the_parts_already_sent(
    db: Database, clock: Clock, api: FlakyBotApi, telegram_bot: Bot
) -> None:
    files = [Attachment(f"{name}.csv", name.encode()) for name in ("a", "b", "c")]
    notice = Notice("summary.la", {"round_id": 1, "body_html": "<b>Summary</b>"}, (), files)
    async with db.transaction() as conn:
        await outbox.enqueue(
            conn, NewMessage("n1", TELEGRAM, "41", "summary", notice.to_payload()), clock()
        )
    api.script[41] = ["ok", "ok", "500"]  # the second file fails
    assert (await worker(db, telegram_bot, clock).run_once()).retried == 1
    clock.advance(minutes=5)
    assert (await worker(db, telegram_bot, clock).run_once()).sent == 1
    sent = [m.filename or m.text for m in api.messages[41]]
    assert sent == ["Summary", "a.csv", "b.csv", "c.csv"]  # each part once, in order


async def test_rows_queued_before_notices_still_deliver(
    db: Database, clock: Clock, api: FlakyBotApi, telegram_bot: Bot
) -> None:
    buttons = [[{"label": "reminders.button.continue", "data": "a1|g"}]]
    async with db.transaction() as conn:
        for key, payload in (
            ("old1", message_payload("<b>Reminder</b>", "Reminder", buttons)),
            ("old2", document_payload("old.csv", b"x,y\n")),
        ):
            await outbox.enqueue(conn, NewMessage(key, TELEGRAM, "42", "summary", payload), clock())
    assert (await worker(db, telegram_bot, clock).run_once()).sent == 2
    first, second = api.messages[42]
    assert first.text == "Reminder" and first.buttons == [("Continue", "a1|g")]
    assert (second.filename, second.document) == ("old.csv", b"x,y\n")
