"""A database made by the release before addresses and notices opens, migrates, and keeps
working: Telegram links become addresses, queued rows still deliver, answers keep authors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.notices import Notice
from storage import open_database, outbox, partnerships, responses
from storage.db import _statements
from storage.migrations import MIGRATIONS

RELEASED = 3
"""Schema version of the last release before this work."""


def released_database(path: Path) -> None:
    """The schema as that release left it, with a linked contact who had blocked the bot,
    one who had not linked, an answer with a note, and a reminder still queued."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for version, script in enumerate(MIGRATIONS[:RELEASED], start=1):
        for statement in _statements(script):
            conn.execute(statement)
        conn.execute("INSERT INTO schema_version VALUES (?)", (version,))
    conn.executescript(
        """
        INSERT INTO partnerships VALUES (1, 'North', '2026-01-01T00:00:00+00:00');
        INSERT INTO contacts (id, partnership_id, name, email, telegram_user_id,
            telegram_chat_id, unreachable_at, created_at)
            VALUES (1, 1, 'Alice', 'alice@north.example', 501, 501,
                    '2026-02-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00'),
                   (2, 1, 'Bob', 'bob@north.example', NULL, NULL, NULL,
                    '2026-01-01T00:00:00+00:00');
        INSERT INTO questionnaires VALUES ('v1', 'title: x', '2026-01-01T00:00:00+00:00');
        INSERT INTO rounds VALUES (1, 'v1', '2026-01-01T00:00:00+00:00', '2026-03-01', NULL);
        INSERT INTO responses (id, round_id, partnership_id, questionnaire_version)
            VALUES (1, 1, 1, 'v1');
        INSERT INTO answers VALUES (1, 's1.address', 'yes', 'on the MIS', 1, 'telegram',
            '2026-01-05T00:00:00+00:00');
        INSERT INTO outbox (dedupe_key, channel, recipient, kind, payload, next_attempt_at,
            created_at) VALUES ('reminder:r1:c1:telegram:d-7@2026-03-01', 'telegram', '501',
            'reminder', '{"html": "<b>Hi</b>", "text": "Hi", "buttons": []}',
            '2026-01-05T00:00:00+00:00', '2026-01-05T00:00:00+00:00');
        """
    )
    conn.commit()
    conn.close()


async def test_a_released_database_is_brought_up_to_date(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    released_database(path)
    path.chmod(0o600)
    db = await open_database(path)
    try:
        async with db.read() as conn:
            alice = await partnerships.contact_by_id(conn, 1)
            bob = await partnerships.contact_by_id(conn, 2)
            answers = await responses.answers(conn, 1)
            [queued] = await outbox.all_rows(conn)
            found = await partnerships.contact_by_account(conn, "telegram", "501")
        assert alice is not None and bob is not None and found == alice
        telegram = alice.address("telegram")
        assert telegram is not None and (telegram.account, telegram.address) == ("501", "501")
        assert alice.unreachable_at is not None  # blocked the bot before the upgrade
        assert bob.address("telegram") is None and bob.unreachable_at is None
        email = bob.address("email")
        assert email is not None and email.address == "bob@north.example"
        address = answers["s1.address"]
        assert (address.value, address.note, address.note_by) == ("yes", "on the MIS", "Alice")
        assert Notice.from_payload(queued.payload) is None  # delivers as it was queued
        assert queued.parts_sent == 0
    finally:
        await db.close()
