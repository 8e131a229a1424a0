"""`auditbot verify`: the answer history and the audit log are hash chains; a row changed,
removed, slipped in or cut off by hand with plain sqlite3 is caught, and the first broken
link is named. A database from before the chains existed is chained when it is upgraded."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.flows import events as ev
from bot.history_chain import Problem, verify
from storage import open_database
from storage.chain import GENESIS, history_fields, link_hash
from storage.db import _statements
from storage.migrations import MIGRATIONS
from tests.conftest import Seeded
from tests.stewardship.conftest import World, auditbot

BEFORE_CHAINS = 8
"""The schema version before answer history was chained (migration 9)."""


def _sql(path: Path, *statements: str) -> None:
    """Change the file by hand, as someone with sqlite3 and the file could."""
    with sqlite3.connect(path) as conn:
        for statement in statements:
            conn.execute(statement)


def _north_history(path: Path) -> list[int]:
    with sqlite3.connect(path) as conn:
        return [
            row[0]
            for row in conn.execute(
                "SELECT h.id FROM answer_history h JOIN responses s ON s.id = h.response_id"
                " JOIN partnerships p ON p.id = s.partnership_id"
                " WHERE p.name = 'North Partnership' ORDER BY h.id"
            )
        ]


async def test_an_untouched_database_verifies(world: World) -> None:
    result = auditbot(world.path, "verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        f"Structure: version {len(MIGRATIONS)}, the current one, with every update recorded.",
        "File: SQLite's integrity check passed.",
        "Guards: the answer history and the audit log refuse changes.",
        "Answer history: 7 entries for 2 responses, every chain intact.",
        "Audit log: 0 entries, chain intact.",
        "Verified: the data is as the bot wrote it.",
    ]


async def test_a_history_row_edited_by_hand_is_caught(world: World) -> None:
    [_, second, *_] = _north_history(world.path)
    _sql(
        world.path,
        "DROP TRIGGER answer_history_append_only_update",
        f"UPDATE answer_history SET value = 'yes' WHERE id = {second}",
    )
    result = auditbot(world.path, "verify")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert "Guards: answer_history_append_only_update removed" in lines[2]
    assert lines[3].startswith("Answer history: 1 of 2 responses broken.")
    assert f"round 1, North Partnership, entry {second} (question s1.telephone" in lines[3]
    assert "was changed after it was written" in lines[3]
    assert lines[-1].startswith("NOT verified")
    assert "Traceback" not in result.stderr


async def test_an_edit_that_puts_the_guard_back_is_still_caught(world: World) -> None:
    first = _north_history(world.path)[0]
    _sql(
        world.path,
        "DROP TRIGGER answer_history_append_only_update",
        f"UPDATE answer_history SET note = 'nothing to see' WHERE id = {first}",
        "CREATE TRIGGER answer_history_append_only_update BEFORE UPDATE ON answer_history"
        " BEGIN SELECT RAISE(ABORT, 'answer history is append-only'); END",
    )
    checked = await verify(world.db)
    assert not checked.ok and not checked.missing_triggers
    assert checked.first_broken is not None
    assert (checked.first_broken.problem, checked.first_broken.entry_id) == (
        Problem.CHANGED,
        first,
    )


async def test_a_recomputed_hash_breaks_the_next_link(world: World) -> None:
    """Someone who rewrites a row and its hash (the function is public) still breaks the
    link from the next row, unless they rewrite every row after it and the response."""
    first, second, *_ = _north_history(world.path)
    with sqlite3.connect(world.path) as conn:
        row = conn.execute(
            "SELECT response_id, question_id, note, contact_id, channel, changed_at"
            " FROM answer_history WHERE id = ?",
            (first,),
        ).fetchone()
        forged = link_hash(GENESIS, *history_fields(row[0], row[1], "no", *row[2:]))
        conn.execute("DROP TRIGGER answer_history_append_only_update")
        conn.execute(
            "UPDATE answer_history SET value = 'no', row_hash = ? WHERE id = ?", (forged, first)
        )
    checked = await verify(world.db)
    assert checked.first_broken is not None
    assert (checked.first_broken.problem, checked.first_broken.entry_id) == (
        Problem.UNLINKED,
        second,
    )


@pytest.mark.parametrize("which", ["middle", "newest"])
async def test_a_removed_row_is_caught(world: World, which: str) -> None:
    ids = _north_history(world.path)
    gone = ids[1] if which == "middle" else ids[-1]
    _sql(
        world.path,
        "DROP TRIGGER answer_history_append_only_delete",
        f"DELETE FROM answer_history WHERE id = {gone}",
    )
    checked = await verify(world.db)
    assert checked.first_broken is not None
    if which == "middle":
        assert checked.first_broken.problem is Problem.UNLINKED
        assert checked.first_broken.entry_id == ids[2]
    else:
        assert checked.first_broken.problem is Problem.TRUNCATED
        assert checked.first_broken.entry_id == ids[-2]
    result = auditbot(world.path, "verify")
    assert result.returncode == 1
    assert "answer_history_append_only_delete removed" in result.stdout


async def test_an_audit_log_entry_edited_by_hand_is_caught(world: World) -> None:
    assert auditbot(world.path, "status").returncode == 0
    assert auditbot(world.path, "outbox").returncode == 0
    _sql(
        world.path,
        "DROP TRIGGER audit_log_append_only",
        "UPDATE audit_log SET actor = 'cli:someone-else' WHERE action = 'status'",
    )
    result = auditbot(world.path, "verify")
    assert result.returncode == 1
    assert "Audit log: entry 1 (written" in result.stdout
    assert "was changed after it was written" in result.stdout


async def test_new_answers_extend_the_chain(world: World) -> None:
    alice = world.seeded.contacts["alice"]
    for value in ("no", "yes", "no"):
        await world.seeded.service.handle(alice.id, "telegram", ev.Choose("s1.address", value))
    checked = await verify(world.db)
    assert checked.ok and checked.entries == 10


def _database_before_chains(path: Path) -> None:
    """Schema 8, as the release before this one left it, with history from two partnerships
    written in interleaved order."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for version, script in enumerate(MIGRATIONS[:BEFORE_CHAINS], start=1):
        for statement in _statements(script):
            conn.execute(statement)
        conn.execute("INSERT INTO schema_version VALUES (?)", (version,))
    conn.executescript(
        """
        INSERT INTO partnerships VALUES (1, 'North', '2026-01-01T00:00:00+00:00'),
                                        (2, 'South', '2026-01-01T00:00:00+00:00'),
                                        (3, 'East', '2026-01-01T00:00:00+00:00');
        INSERT INTO contacts (id, partnership_id, name, email, created_at)
            VALUES (1, 1, 'Alice', 'alice@north.example', '2026-01-01T00:00:00+00:00'),
                   (2, 2, 'Carol', 'carol@south.example', '2026-01-01T00:00:00+00:00');
        INSERT INTO questionnaires VALUES ('v1', 'title: x', '2026-01-01T00:00:00+00:00');
        INSERT INTO rounds VALUES (1, 'v1', '2026-01-01T00:00:00+00:00', '2099-03-01', NULL);
        INSERT INTO responses (id, round_id, partnership_id, questionnaire_version)
            VALUES (1, 1, 1, 'v1'), (2, 1, 2, 'v1'), (3, 1, 3, 'v1');
        INSERT INTO answer_history (response_id, question_id, value, note, contact_id,
            channel, changed_at) VALUES
            (1, 's1.address', 'yes', NULL, 1, 'telegram', '2026-01-05T00:00:00+00:00'),
            (2, 's1.address', 'no', 'Carol''s note', 2, 'email', '2026-01-05T00:01:00+00:00'),
            (1, 's1.address', 'no', 'changed', 1, 'telegram', '2026-01-06T00:00:00+00:00'),
            (1, 's1.telephone', NULL, 'just a note', 1, 'telegram', '2026-01-06T00:02:00+00:00');
        """
    )
    conn.commit()
    conn.close()


async def test_an_upgraded_database_has_its_history_chained(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _database_before_chains(path)
    path.chmod(0o600)
    db = await open_database(path)
    try:
        checked = await verify(db)
        assert checked.ok, checked
        assert (checked.chains, checked.entries) == (2, 4)
    finally:
        await db.close()
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT id, response_id, question_id, value, note, contact_id, channel, changed_at,"
            " prev_hash, row_hash FROM answer_history ORDER BY response_id, id"
        ).fetchall()
        heads = dict(conn.execute("SELECT id, history_head FROM responses").fetchall())
    prev: dict[int, str] = {}
    for row in rows:  # the chain, computed here independently of the migration
        expected_prev = prev.get(row[1], GENESIS)
        assert row[8] == expected_prev
        assert row[9] == link_hash(expected_prev, *history_fields(*row[1:8]))
        prev[row[1]] = row[9]
    assert heads == {1: prev[1], 2: prev[2], 3: None}

    _sql(
        path,
        "DROP TRIGGER answer_history_append_only_update",
        "UPDATE answer_history SET note = 'rewritten' WHERE id = 2",
    )
    result = auditbot(path, "verify")
    assert result.returncode == 1
    assert "round 1, South, entry 2 (question s1.address" in result.stdout


async def test_answers_after_the_upgrade_continue_the_chain(seeded: Seeded, tmp_path: Path) -> None:
    alice = seeded.contacts["alice"]
    await seeded.service.handle(alice.id, "telegram", ev.Start())
    await seeded.service.handle(alice.id, "telegram", ev.Choose("s1.address", "yes"))
    async with (
        seeded.db.read() as conn,
        conn.execute("SELECT prev_hash, row_hash FROM answer_history") as cur,
    ):
        [(prev, own)] = await cur.fetchall()
    assert prev == GENESIS and len(own) == 64
    async with (
        seeded.db.read() as conn,
        conn.execute("SELECT history_head FROM responses WHERE history_head IS NOT NULL") as cur,
    ):
        assert [row[0] for row in await cur.fetchall()] == [own]


async def test_the_summary_says_whether_the_history_verified(world: World) -> None:
    intact = auditbot(world.path, "summary", "--format", "text")
    assert "Every answer's history was checked and is intact." in intact.stdout
    [_, second, *_] = _north_history(world.path)
    _sql(
        world.path,
        "DROP TRIGGER answer_history_append_only_update",
        f"UPDATE answer_history SET value = 'yes' WHERE id = {second}",
    )
    broken = auditbot(world.path, "summary", "--format", "text")
    assert "an answer's history does not check out; run `auditbot verify`" in broken.stdout
