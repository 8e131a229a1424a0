"""The LA summary through the outbox to a real PTB Bot and the fake Bot API: messages and
four files that open, each slot at most once; and the scheduler's summary tick."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import timedelta

import pytest
from docx import Document
from openpyxl import load_workbook
from pydantic import ValidationError
from telegram import Bot

from bot.channels.telegram.deliver import TelegramDeliverer
from bot.config import Settings
from bot.outbox import OutboxWorker
from bot.summary.load import load_summary
from bot.summary.model import Reason
from bot.summary.render_text import render_text
from bot.summary.schedule import FILE_KINDS, queue_summary, summary_tick
from storage import Database, outbox, partnerships
from storage import reminders as reminder_store
from tests.conftest import TELEGRAM, Seeded
from tests.delivery.conftest import LA_CHAT
from tests.fake_bot_api import FakeBotApi
from tests.scheduling.conftest import submit
from tests.scheduling.test_round import at


def drain(db: Database, telegram_bot: Bot, seeded: Seeded) -> OutboxWorker:
    return OutboxWorker(
        db, {TELEGRAM: TelegramDeliverer(telegram_bot)}, seeded.clock, chat_interval=0
    )


async def test_summary_arrives_once_with_files_that_open(
    seeded: Seeded, settings: Settings, api: FakeBotApi, telegram_bot: Bot
) -> None:
    now = seeded.clock()
    queued = await queue_summary(seeded.db, settings, now, "deadline@2026-11-30")
    assert queued == 1  # one notice for the one LA chat
    result = await drain(seeded.db, telegram_bot, seeded).run_once()
    assert (result.sent, result.failed, result.retried) == (1, 0, 0)

    received = api.messages[LA_CHAT]
    texts = [m for m in received if m.document is None]
    files = {m.filename: m.document for m in received if m.document is not None}
    assert len(files) == len(FILE_KINDS) and texts and all(len(m.html) <= 4096 for m in texts)
    assert "Progress" in texts[0].text and "East Partnership" in texts[0].text
    assert received.index(texts[-1]) < len(texts)  # the messages come before the files
    n = seeded.round.id
    assert set(files) == {
        f"audit-summary-round-{n}.html",
        f"audit-summary-round-{n}.csv",
        f"audit-summary-round-{n}.xlsx",
        f"audit-forms-round-{n}.zip",
        f"audit-charts-round-{n}.png",
        f"audit-summary-round-{n}.pdf",
        f"audit-forms-round-{n}.pdf",
    }
    page = files[f"audit-summary-round-{n}.html"]
    assert page is not None and b"<html" in page and b"Dan &lt;Dee&gt; &amp; Co" in page
    table = files[f"audit-summary-round-{n}.csv"]
    assert table is not None
    rows = list(csv.reader(io.StringIO(table.decode("utf-8-sig"))))
    assert rows[0][0] == "Partnership" and len(rows) > 3
    book = files[f"audit-summary-round-{n}.xlsx"]
    assert book is not None
    sheets = load_workbook(io.BytesIO(book)).sheetnames
    assert sheets[0] == "Progress"
    forms = files[f"audit-forms-round-{n}.zip"]
    assert forms is not None
    with zipfile.ZipFile(io.BytesIO(forms)) as archive:
        names = sorted(archive.namelist())
        assert names == [
            "east-partnership.docx",
            "north-partnership.docx",
            "south-partnership.docx",
        ]
        doc = Document(io.BytesIO(archive.read("north-partnership.docx")))
        assert any("North Partnership" in p.text for p in doc.paragraphs)

    seeded.clock.advance(minutes=15)
    assert await queue_summary(seeded.db, settings, seeded.clock(), "deadline@2026-11-30") == 0
    assert (await drain(seeded.db, telegram_bot, seeded).run_once()).claimed == 0
    assert len(api.messages[LA_CHAT]) == len(received)


async def test_every_la_chat_gets_it_and_no_chats_means_no_work(
    seeded: Seeded, settings: Settings
) -> None:
    two = settings.model_copy(update={"la_chat_ids": (1, 2)})
    queued = await queue_summary(seeded.db, two, seeded.clock(), "demand-x")
    async with seeded.db.read() as conn:
        rows = await outbox.all_rows(conn)
    assert {r.recipient for r in rows} == {"1", "2"} and len(rows) == queued
    assert {r.slot for r in rows} == {"demand-x"} and {r.kind for r in rows} == {"summary"}
    none = settings.model_copy(update={"la_chat_ids": ()})
    assert await queue_summary(seeded.db, none, seeded.clock(), "demand-y") == 0


async def test_the_tick_queues_each_scheduled_slot_once(seeded: Seeded, settings: Settings) -> None:
    clock = seeded.clock
    assert await summary_tick(seeded.db, settings, clock) == []  # opened after Monday 9:00
    clock.now = at(11, 9, 9, 5)
    assert await summary_tick(seeded.db, settings, clock) == ["weekly-2026-W46"]
    clock.advance(minutes=15)
    assert await summary_tick(seeded.db, settings, clock) == []
    for who in ("alice", "carol", "dan"):
        await submit(seeded.db, seeded, seeded.contacts[who], clock())
    clock.advance(minutes=15)
    assert await summary_tick(seeded.db, settings, clock) == ["all-submitted"]
    clock.now = at(11, 30, 9)
    assert await summary_tick(seeded.db, settings, clock) == []
    async with seeded.db.read() as conn:
        slots = {r.slot for r in await outbox.all_rows(conn)}
    assert slots == {"weekly-2026-W46", "all-submitted"}
    off = settings.model_copy(update={"la_chat_ids": ()})
    clock.now = at(11, 16, 9)
    assert await summary_tick(seeded.db, off, clock) == []


async def test_flags_and_unreachable_contacts_are_points_to_look_at(
    seeded: Seeded, settings: Settings
) -> None:
    db, clock = seeded.db, seeded.clock
    async with db.transaction() as conn:
        await reminder_store.add_flag(
            conn, seeded.round.id, seeded.contacts["dan"].partnership_id, 4, clock()
        )
        carol = seeded.contacts["carol"].id
        await partnerships.link_address(conn, carol, "telegram", "1003", "1003", clock())
        await partnerships.mark_unreachable(conn, "telegram", "1003", clock() + timedelta(hours=1))
    summary = await load_summary(db, clock(), zone=settings.zone)
    points = [(a.reason, a.partnership, a.contact) for a in summary.attention]
    assert points == [
        (Reason.NO_PROGRESS, "East Partnership", None),
        (Reason.UNREACHABLE, "South Partnership", "Carol Cole"),
    ]
    text = render_text(summary)
    assert "Reminders stopped on 02 Nov 2026 10:00 after 4 without any progress." in text
    assert "Carol Cole cannot be reached any more" in text
    # progress after the flag, or a submission, makes it history
    await submit(db, seeded, seeded.contacts["carol"], clock())
    later = await load_summary(db, clock(), zone=settings.zone)
    assert [(a.reason, a.partnership) for a in later.attention] == [
        (Reason.NO_PROGRESS, "East Partnership")
    ]


@pytest.mark.parametrize(("day", "weekday"), [("", None), ("off", None), ("Friday", 4)])
def test_weekly_day_setting(day: str, weekday: int | None) -> None:
    assert Settings(summary_weekly_day=day).summary_weekday == weekday


@pytest.mark.parametrize("day", ["sat", "sunday", "someday"])
def test_weekly_day_must_be_a_working_day(day: str) -> None:
    with pytest.raises(ValidationError):
        Settings(summary_weekly_day=day)
