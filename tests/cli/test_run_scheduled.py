"""What `auditbot run` puts together (the bot, the scheduler, the outbox), on the morning of
the deadline with partnerships in different states: the right reminders to the right people
and the LA summary with its files, once."""

from __future__ import annotations

import asyncio
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import docx
import openpyxl

from bot.channels.telegram import CHANNEL as TELEGRAM
from bot.config import Settings, TelegramSettings
from bot.flows import events as ev
from bot.runner import serve
from storage import partnerships
from tests.conftest import NOW, Seeded
from tests.fake_bot_api import FakeBotApi

LA_CHAT = 9000
CHATS = {"alice": 1001, "bob": 1002, "carol": 1003, "dan": 1004}
DEADLINE_MORNING = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # Monday, 10:00 in London


async def prepare(seeded: Seeded) -> None:
    """North submitted, South in progress, East not started; everyone on Telegram."""
    async with seeded.db.transaction() as conn:
        for name, chat in CHATS.items():
            await partnerships.link_address(
                conn, seeded.contacts[name].id, "telegram", str(chat), str(chat), NOW
            )
    service, items = seeded.service, seeded.questionnaire.items
    alice, carol = seeded.contacts["alice"].id, seeded.contacts["carol"].id
    everything = tuple(
        ev.BatchEntry(i.id, "nothing" if i.kind.is_free_text else i.kind.choices[0]) for i in items
    )
    await service.handle(alice, "console", ev.Batch(everything))
    await service.handle(alice, "console", ev.Submit())
    await service.handle(alice, "console", ev.Confirm(role="Head of inclusion"))
    await service.handle(carol, "console", ev.Batch(everything[:5]))


async def test_deadline_morning(api: FakeBotApi, seeded: Seeded) -> None:
    await prepare(seeded)
    seeded.clock.now = DEADLINE_MORNING
    settings = Settings(
        AUDITBOT_DB=Path(seeded.db.path),
        telegram=TelegramSettings(bot_token=api.token, api_url=api.url),
        LA_CHAT_IDS="9000",
    )
    stop = asyncio.Event()
    running = asyncio.create_task(serve(settings, seeded.db, stop, [TELEGRAM], seeded.clock))
    try:

        def delivered() -> bool:
            documents = [m for m in api.messages.get(LA_CHAT, []) if m.filename]
            reminded = all(api.messages.get(CHATS[who]) for who in ("carol", "dan"))
            return len(documents) == 4 and reminded

        await api.wait_until(delivered, 30)
        await asyncio.sleep(1.5)  # anything else would have arrived by now
    finally:
        stop.set()
        await running

    # reminders: the two partnerships that have not submitted, nobody from North (who
    # had only the word of their own submission: Alice her receipt, Bob that she submitted)
    north = [m for who in ("alice", "bob") for m in api.messages.get(CHATS[who], [])]
    assert [m.filename or m.text.split("\n")[0] for m in north] == [
        "🧾 Your receipt",
        "north-partnership.docx",
        "Hello Bob Baker,",
    ]
    assert len(api.messages[CHATS["carol"]]) == 1 and len(api.messages[CHATS["dan"]]) == 1
    carol = api.messages[CHATS["carol"]][0]
    assert "39" in carol.text  # questions left: 44 - 5
    # on the deadline itself there is no "remind me later", only a way back in
    assert [label for label, _ in carol.buttons] == ["Continue"]

    # the LA summary: messages first, then its seven files, each once
    la = api.messages[LA_CHAT]
    texts = "\n".join(m.text for m in la if not m.filename)
    assert "1 submitted · 1 in progress · 1 not started (of 3)" in texts
    assert "East Partnership" in texts.split("Points to look at")[1].split("Answers")[0]
    documents = [m for m in la if m.filename]
    assert len(documents) == 7
    files = {m.filename: m.document for m in documents}
    by_suffix = {Path(name or "").suffix: data for name, data in files.items()}
    assert set(by_suffix) == {".png", ".pdf", ".html", ".csv", ".xlsx", ".zip"}
    workbook = openpyxl.load_workbook(io.BytesIO(by_suffix[".xlsx"]))
    progress = workbook.worksheets[0]
    statuses = {row[0].value: row[1].value for row in progress.iter_rows(min_row=2)}
    assert statuses["North Partnership"] == "Submitted"
    assert statuses["South Partnership"] == "In progress"
    assert statuses["East Partnership"] == "Not started"
    with zipfile.ZipFile(io.BytesIO(by_suffix[".zip"])) as forms:
        assert len(forms.namelist()) == 3
        north = "north-partnership.docx"
        assert north in forms.namelist()
        document = docx.Document(io.BytesIO(forms.read(north)))
        assert any(
            "Address" in cell.text for t in document.tables for r in t.rows for cell in r.cells
        )
