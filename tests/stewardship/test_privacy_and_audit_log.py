"""What an LA data-protection officer asks first: `auditbot privacy` describes every table
with the retention set here; `auditbot audit-log` shows who ran which command and when,
without the email addresses they were given."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from bot.config import load_settings
from bot.privacy import record_of_processing
from storage import integrity, open_database
from tests.stewardship.conftest import ALICE, World, auditbot


async def test_the_record_of_processing_describes_every_table(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "schema.db")
    try:
        async with db.read() as conn:
            tables = await integrity.tables(conn)
    finally:
        await db.close()
    text = record_of_processing(load_settings(AUDITBOT_DB=tmp_path / "schema.db"))
    described = set(re.findall(r"^\[(\w+)\]", text, flags=re.MULTILINE))
    assert described == set(tables)
    assert all(len(line) <= 88 for line in text.splitlines())


async def test_privacy_states_the_retention_set_here(tmp_path: Path) -> None:
    result = auditbot(
        tmp_path / "p.db",
        "privacy",
        env={
            "RETENTION_CLOSED_ROUNDS_DAYS": "400",
            "RETENTION_DELIVERED_MESSAGES_DAYS": "14",
            "ADMINS": "telegram:42,telegram:43",
        },
    )
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "400 days after the round closed" in text
    assert "removed 14 days after it was sent" in text
    assert "Deleted after 30 days." in text  # processed updates: the default
    assert "LA admins in Telegram (2 set in ADMINS)" in text
    assert str(tmp_path / "p.db") in text
    assert not (tmp_path / "p.db").exists()  # reading the record touches no database


async def test_commands_are_logged_with_who_what_and_when(world: World, tmp_path: Path) -> None:
    assert auditbot(world.path, "status").returncode == 0
    assert auditbot(world.path, "history", "--partnership", "North Partnership").returncode == 0
    chat = auditbot(world.path, "chat", "--as", ALICE.email, stdin="")
    assert chat.returncode == 0, chat.stderr
    wrong = auditbot(world.path, "history", "--partnership", "Nowhere")
    assert wrong.returncode == 1
    assert auditbot(world.path, "health").returncode == 0  # every minute: not logged
    other = auditbot(world.path, "outbox", env={"AUDITBOT_OPERATOR": ""})
    assert other.returncode == 0

    with sqlite3.connect(world.path) as conn:
        rows = conn.execute(
            "SELECT actor, action, detail, outcome, contact_id FROM audit_log ORDER BY id"
        ).fetchall()
    assert [row[1:] for row in rows] == [
        ("status", "", "ok", None),
        ("history", "partnership=North Partnership", "ok", None),
        ("chat", f"email=contact #{world.ids['alice']}", "ok", world.ids["alice"]),
        ("history", "partnership=Nowhere", "failed", None),
        ("outbox", "", "ok", None),
    ]
    assert {row[0] for row in rows[:4]} == {"cli:jane.officer"}
    assert rows[4][0].startswith("cli:") and rows[4][0] != "cli:jane.officer"

    shown = auditbot(world.path, "audit-log", "--limit", "3")
    assert shown.returncode == 0, shown.stderr
    lines = [line for line in shown.stdout.splitlines() if "jane.officer" in line]
    assert [("chat" in lines[0]), ("failed" in lines[1])] == [True, True]
    assert "Nowhere" in lines[1] and ALICE.email not in shown.stdout


async def test_an_empty_audit_log_says_so(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    db = await open_database(path)
    await db.close()
    result = auditbot(path, "audit-log")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "The audit log is empty."


async def test_a_command_that_cannot_open_the_database_is_one_sentence(tmp_path: Path) -> None:
    result = auditbot(tmp_path, "audit-log")  # a folder, not a database file
    assert result.returncode == 1
    assert result.stderr.startswith("Error: Cannot open the database")
    assert len(result.stderr.strip().splitlines()) == 1
