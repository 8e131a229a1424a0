"""Admin chat commands and the snooze button, end to end: the real PTB Application against
the fake Bot API, users typing and tapping."""

from __future__ import annotations

import asyncio
import io
import zipfile

from openpyxl import load_workbook
from telegram import Bot

from bot.channels.telegram import app as tg
from bot.channels.telegram.deliver import TelegramDeliverer
from bot.config import Settings
from bot.outbox import OutboxWorker
from bot.reminders import tick
from storage import outbox
from storage import reminders as reminder_store
from tests.conftest import TELEGRAM, Seeded
from tests.delivery.conftest import ADMIN
from tests.fake_bot_api import BotMessage, FakeBotApi
from tests.plugins.telegram import Harness, join
from tests.scheduling.test_round import at

REFUSAL = "only for the local authority's audit team"


async def test_admin_status_lists_every_partnership(
    bot: tg.TelegramApp, api: FakeBotApi, seeded: Seeded
) -> None:
    olivia = api.user(ADMIN, "Olivia")  # not a partnership contact
    await olivia.send("/status")
    [status] = olivia.messages
    for name in ("North Partnership", "South Partnership", "East Partnership"):
        assert name in status.text
    assert "0 submitted · 0 in progress · 3 not started (of 3)" in status.text
    assert "Dan <Dee> & Co" not in status.text  # progress only, no contact details
    assert len(status.html) <= 4096


async def test_admin_summary_arrives_in_the_admins_chat(
    process: tg.TelegramApp, api: FakeBotApi, seeded: Seeded
) -> None:
    olivia = api.user(ADMIN, "Olivia")
    await olivia.send("/summary")
    # the command queues it and wakes the process's outbox worker, which sends it
    await api.wait_until(lambda: sum(1 for m in olivia.messages if m.document) == 7, 30)
    received = olivia.messages
    assert "on its way" in received[0].text
    files = {m.filename: m.document for m in received if m.document is not None}
    assert len(files) == 7  # chart picture, PDF, HTML, CSV, XLSX, DOCX forms, PDF forms
    assert any("Points to look at" in m.text for m in received if m.document is None)
    xlsx = next(data for name, data in files.items() if name and name.endswith(".xlsx"))
    assert xlsx is not None and load_workbook(io.BytesIO(xlsx)).sheetnames[0] == "Progress"
    forms = next(data for name, data in files.items() if name and name.endswith(".zip"))
    assert forms is not None and len(zipfile.ZipFile(io.BytesIO(forms)).namelist()) == 3
    assert 9001 not in api.messages  # only the admin's chat, not the LA chats
    for _ in range(100):  # the row is marked sent just after its last part
        async with seeded.db.read() as conn:
            rows = await outbox.all_rows(conn)
        if {r.status for r in rows} == {"sent"}:
            break
        await asyncio.sleep(0.05)
    assert {r.recipient for r in rows} == {str(ADMIN)} and {r.status for r in rows} == {"sent"}


async def test_admin_remind_runs_a_tick_and_says_how_many(
    process: tg.TelegramApp, api: FakeBotApi, harness: Harness, seeded: Seeded
) -> None:
    alice = await join(harness, api, "alice", 501)
    carol = await join(harness, api, "carol", 503)
    olivia = api.user(ADMIN, "Olivia")
    await olivia.send("/remind")
    assert "no reminders were due" in olivia.messages[-1].text  # opening day: nothing due
    seeded.clock.now = at(11, 23, 10)  # a week before the deadline, Monday morning
    before = (len(alice.messages), len(carol.messages))
    await olivia.send("/remind")
    assert "2 reminders queued" in olivia.messages[-1].text
    await api.wait_until(
        lambda: (len(alice.messages), len(carol.messages)) == (before[0] + 1, before[1] + 1)
    )
    assert "North Partnership is due" in alice.messages[-1].text
    assert ("Remind me tomorrow", "z1|d|1") in carol.messages[-1].buttons
    await olivia.send("/remind")
    assert "no reminders were due" in olivia.messages[-1].text  # one a day


async def test_others_are_refused_and_see_no_data(
    bot: tg.TelegramApp, api: FakeBotApi, harness: Harness, seeded: Seeded
) -> None:
    alice = await join(harness, api, "alice", 501)
    for command in ("/summary", "/remind", "/actions"):
        await alice.send(command)
        assert REFUSAL in alice.messages[-1].text
    await alice.send("/status")  # a contact's /status: their own progress
    assert "North Partnership" in alice.messages[-1].text
    assert "South Partnership" not in alice.messages[-1].text
    stranger = api.user(666, "Mallory")
    for command in ("/summary", "/remind"):
        await stranger.send(command)
        assert REFUSAL in stranger.messages[-1].text
    await stranger.send("/status")
    assert "personal invite link" in stranger.messages[-1].text  # only "not linked"
    everything = " ".join(m.text for m in stranger.messages)
    assert not any(f"{name} Partnership" in everything for name in ("North", "South", "East"))
    assert all(m.document is None for m in stranger.messages)
    async with seeded.db.read() as conn:
        assert await outbox.all_rows(conn) == []


async def test_admin_help_and_menu(bot: tg.TelegramApp, api: FakeBotApi) -> None:
    olivia = api.user(ADMIN, "Olivia")
    await olivia.send("/help")
    for command in ("/summary", "/remind", "/query", "/actions"):
        assert command in olivia.messages[-1].text
    menus = [c.params for c in api.requests("setMyCommands")]
    scoped = [m for m in menus if m.get("scope")]
    assert len(scoped) == 1 and str(ADMIN) in str(scoped[0]["scope"])
    assert "summary" in str(scoped[0]["commands"]) and "summary" not in str(menus[0])
    assert "actions" in str(scoped[0]["commands"]) and "actions" not in str(menus[0])


async def test_snooze_button_end_to_end(
    bot: tg.TelegramApp,
    api: FakeBotApi,
    harness: Harness,
    seeded: Seeded,
    settings: Settings,
    telegram_bot: Bot,
) -> None:
    alice = await join(harness, api, "alice", 501)
    seeded.clock.now = at(11, 23, 10)
    assert (await tick(seeded.db, settings, seeded.clock)).reminders == 1
    worker = OutboxWorker(
        seeded.db, {TELEGRAM: TelegramDeliverer(telegram_bot)}, seeded.clock, chat_interval=0
    )
    assert (await worker.run_once()).sent == 1
    reminder = alice.messages[-1]
    assert [label for label, _ in reminder.buttons][1:] == [
        "Remind me tomorrow",
        "Remind me next week",
    ]
    await alice.click("Remind me next week", reminder)
    assert "Fine, I'll remind you Monday 30 November" in alice.messages[-1].text
    assert [label for label, _ in reminder.buttons] == ["Start the audit"]
    async with seeded.db.read() as conn:
        snoozes = await reminder_store.snoozes(conn, seeded.round.id)
    assert snoozes[seeded.contacts["alice"].id] == at(11, 30, 9)
    assert list(api.callback_answers.values())[-1] is None  # answered first, at once


async def test_snooze_from_someone_not_linked(
    bot: tg.TelegramApp, api: FakeBotApi, seeded: Seeded
) -> None:
    stranger = api.user(666, "Mallory")
    fake = BotMessage(666, 1, "a reminder", None)
    await stranger.click_data(f"z1|d|{seeded.round.id}", fake)
    assert "personal invite link" in stranger.messages[-1].text
    async with seeded.db.read() as conn:
        assert await reminder_store.snoozes(conn, seeded.round.id) == {}
