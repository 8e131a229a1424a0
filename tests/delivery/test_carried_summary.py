"""The LA summary of a round opened with carry-forward says what changed since the round
before, wherever it goes: the queued summary's message and files through the outbox to the
fake Bot API, /summary in Telegram, and `auditbot summary --send`; one place decides
(`load_la_summary`)."""

from __future__ import annotations

import io
import sqlite3
from contextlib import closing
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from telegram import Bot

from bot import scheduler
from bot.channels.telegram import app as tg
from bot.channels.telegram.deliver import TelegramDeliverer
from bot.commands.reports import send_summary
from bot.config import Settings
from bot.flows import events
from bot.outbox import OutboxWorker
from bot.questionnaire import load_questionnaire
from bot.round_setup import close_round, open_round
from bot.summary.load import NoRoundError, SameRoundError, load_la_summary
from bot.summary.schedule import queue_summary
from tests.conftest import TELEGRAM, Seeded
from tests.delivery.conftest import ADMIN, LA_CHAT
from tests.fake_bot_api import BotMessage, FakeBotApi
from tests.reports.conftest import answer, fill

HEADING = "Changes since round 1"


@pytest.fixture
async def carried(seeded: Seeded) -> Seeded:
    """Round 1 answered (tests.reports.conftest.fill); round 2, on the same questionnaire,
    opened with carry-forward, where North changes one answer from Yes to No."""
    await fill(seeded)
    seeded.clock.advance(days=2)
    await close_round(seeded.db, seeded.clock(), force=True)
    seeded.clock.advance(days=300)
    deadline = seeded.clock().date() + timedelta(days=28)
    questionnaire, source = load_questionnaire()
    await open_round(seeded.db, questionnaire, source, deadline, seeded.clock(), carry_forward=True)
    seeded.clock.advance(hours=1)
    await answer(seeded, "alice", events.BatchEntry("s1.telephone", "no", "Not <any> more & so"))
    return seeded


def drain(seeded: Seeded, telegram_bot: Bot) -> OutboxWorker:
    return OutboxWorker(
        seeded.db, {TELEGRAM: TelegramDeliverer(telegram_bot)}, seeded.clock, chat_interval=0
    )


def message_and_files(received: list[BotMessage]) -> tuple[str, str, dict[str, bytes]]:
    texts = [m for m in received if m.document is None]
    files = {m.filename or "": m.document for m in received if m.document is not None}
    return (
        "\n".join(m.text for m in texts),
        "\n".join(m.html for m in texts),
        {name: data for name, data in files.items() if data is not None},
    )


async def test_the_queued_summary_says_what_changed(
    carried: Seeded, settings: Settings, api: FakeBotApi, telegram_bot: Bot
) -> None:
    assert await queue_summary(carried.db, settings, carried.clock(), "deadline@x") == 1
    assert (await drain(carried, telegram_bot).run_once()).sent == 1

    text, html, files = message_and_files(api.messages[LA_CHAT])
    assert HEADING in text
    assert "North Partnership · 2. Telephone numbers (section 1): Yes → No" in text
    assert "Not &lt;any&gt; more &amp; so" in html  # the note, escaped as it is shown
    assert "Section 1" in text and "1 answer in 1 partnership" in text
    page = files["audit-summary-round-2.html"].decode("utf-8")
    assert '<h2 id="compare">Changes since round 1</h2>' in page
    book = load_workbook(io.BytesIO(files["audit-summary-round-2.xlsx"]))
    assert "Since round 1" in book.sheetnames and book["Since round 1"].max_row == 2


async def test_a_round_without_carry_forward_has_no_comparison(
    carried: Seeded, settings: Settings, api: FakeBotApi, telegram_bot: Bot
) -> None:
    await queue_summary(carried.db, settings, carried.clock(), "demand-1", round_id=1)
    await drain(carried, telegram_bot).run_once()
    text, _, files = message_and_files(api.messages[LA_CHAT])
    assert "Changes since" not in text
    assert b'id="compare"' not in files["audit-summary-round-1.html"]


async def test_admin_summary_in_telegram_says_what_changed(
    carried: Seeded, process: tg.TelegramApp, api: FakeBotApi
) -> None:
    olivia = api.user(ADMIN, "Olivia")
    await olivia.send("/summary", settle=False)
    await api.wait_until(lambda: sum(1 for m in olivia.messages if m.document) == 7, 60)
    text, _, files = message_and_files(olivia.messages)
    assert HEADING in text
    assert b'<h2 id="compare">' in files["audit-summary-round-2.html"]


async def test_summary_send_says_what_changed(
    carried: Seeded, settings: Settings, api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = scheduler.build_worker

    def quick(db: object, deliverers: object, clock: object = None) -> OutboxWorker:
        return build(db, deliverers, chat_interval=0)  # type: ignore[arg-type]

    monkeypatch.setattr(scheduler, "build_worker", quick)
    said = await send_summary(settings, carried.db, None)  # now, as the outbox sends
    assert "1 sent" in said
    text, _, files = message_and_files(api.messages[LA_CHAT])
    assert HEADING in text
    book = load_workbook(io.BytesIO(files["audit-summary-round-2.xlsx"]))
    assert "Since round 1" in book.sheetnames


async def test_load_la_summary_decides_the_comparison(carried: Seeded) -> None:
    now = carried.clock()
    found = (await load_la_summary(carried.db, now)).comparison
    assert found is not None and found.previous.id == 1
    assert (await load_la_summary(carried.db, now, round_id=1)).comparison is None
    asked = await load_la_summary(carried.db, now, round_id=1, compare_with=2)
    assert asked.comparison is not None and asked.comparison.previous.id == 2
    with pytest.raises(SameRoundError):
        await load_la_summary(carried.db, now, compare_with=2)
    with pytest.raises(NoRoundError) as missing:
        await load_la_summary(carried.db, now, compare_with=9)
    assert missing.value.round_id == 9

    # the round it carried from, gone (the file edited by hand): the summary goes without
    with closing(sqlite3.connect(carried.db.path)) as conn:
        conn.execute("UPDATE rounds SET carries_from = 99 WHERE id = 2")
        conn.commit()
    summary = await load_la_summary(carried.db, now)
    assert summary.round.id == 2 and summary.comparison is None
