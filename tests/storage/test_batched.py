"""`Database.batched` and `on_thread` on a real database file: work goes to aiosqlite's
thread in one call each, a batch commits all of its work or none of it, and a tap is two
calls (each call is a round trip, the cost the hot path is cut down to)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from bot.flows import events as ev
from storage import Database, open_database
from storage.db import check_on_thread, on_thread
from storage.standing import standing
from tests.conftest import Seeded


@contextmanager
def calls_to_thread(db: Database) -> Iterator[list[str]]:
    """The names of the functions the connection hands to aiosqlite's thread meanwhile."""
    conn = db._conn
    handed: list[str] = []
    original = conn._execute

    async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
        handed.append(getattr(fn, "__name__", repr(fn)))
        return await original(fn, *args, **kwargs)

    conn._execute = counted  # type: ignore[method-assign]
    try:
        yield handed
    finally:
        del conn._execute  # the class's method again


async def _table(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)")


def _insert(n: int) -> Any:
    def insert(sql: sqlite3.Connection) -> int:
        return sql.execute("INSERT INTO t (n) VALUES (?)", (n,)).rowcount

    return insert


def _numbers(path: Path) -> list[int]:
    """What another connection sees: only what was committed."""
    with sqlite3.connect(path) as other:
        return [row[0] for row in other.execute("SELECT n FROM t ORDER BY n")]


async def test_a_batch_begins_and_commits_with_its_work_in_one_call_each(
    db: Database, tmp_path: Path
) -> None:
    await _table(db)
    with calls_to_thread(db) as handed:
        async with db.batched(_insert(1)) as batch:
            assert batch.first == 1
            assert _numbers(tmp_path / "audit.db") == []  # not committed yet
            batch.later(_insert(2))
            batch.later(_insert(3))
    assert handed == ["begin", "commit"]
    assert _numbers(tmp_path / "audit.db") == [1, 2, 3]


async def test_statements_in_between_run_before_the_queued_work_unless_flushed(
    db: Database, tmp_path: Path
) -> None:
    await _table(db)
    order: list[int] = []

    def note(n: int) -> Any:
        def run(sql: sqlite3.Connection) -> None:
            order.append(n)
            sql.execute("INSERT INTO t (n) VALUES (?)", (n,))

        return run

    async with db.batched(note(1)) as batch:
        batch.later(note(2))
        await batch.flush()  # 2 runs now
        await batch.conn.execute("INSERT INTO t (n) VALUES (3)")
        assert await batch.conn.execute_fetchall("SELECT n FROM t WHERE n = 2")
        batch.later(note(4))
    assert order == [1, 2, 4]
    assert _numbers(tmp_path / "audit.db") == [1, 2, 3, 4]


async def test_a_failure_anywhere_commits_nothing(db: Database, tmp_path: Path) -> None:
    await _table(db)

    async def body_fails() -> None:
        async with db.batched(_insert(1)) as batch:
            batch.later(_insert(2))
            raise RuntimeError("the body fails")

    async def queued_work_fails() -> None:
        async with db.batched(_insert(1)) as batch:
            batch.later(_insert(2))
            batch.later(_insert(1))  # the primary key again: the commit call fails

    async def statement_fails() -> None:
        async with db.batched(_insert(1)) as batch:
            await batch.conn.execute("INSERT INTO t (n) VALUES (1)")

    async def first_work_fails() -> None:
        async with db.batched(lambda sql: sql.execute("INSERT INTO nowhere VALUES (1)")):
            pass  # pragma: no cover - never reached

    with pytest.raises(RuntimeError):
        await body_fails()
    with pytest.raises(sqlite3.IntegrityError):
        await queued_work_fails()
    with pytest.raises(sqlite3.IntegrityError):
        await statement_fails()
    with pytest.raises(sqlite3.OperationalError):
        await first_work_fails()
    assert _numbers(tmp_path / "audit.db") == []
    async with db.batched(_insert(5)):  # and the connection is free and usable again
        pass
    assert _numbers(tmp_path / "audit.db") == [5]


async def test_on_thread_runs_on_aiosqlites_thread_in_one_call(db: Database) -> None:
    async with db.single() as conn:
        with calls_to_thread(db) as handed:
            found = await on_thread(
                conn, lambda sql: [sql.execute("SELECT 1").fetchone()[0], sql.in_transaction]
            )
    assert found == [1, False]
    assert handed == ["<lambda>"]


async def test_the_aiosqlite_installed_has_what_on_thread_uses(tmp_path: Path) -> None:
    async with aiosqlite.connect(tmp_path / "x.db") as conn:
        check_on_thread(conn)  # raises with a one-sentence message otherwise
    db = await open_database(tmp_path / "y.db")  # which checks it too
    await db.close()


async def test_a_tap_is_two_calls_to_aiosqlites_thread(seeded: Seeded) -> None:
    alice = seeded.contacts["alice"]
    items = seeded.questionnaire.items
    await seeded.service.handle(alice.id, "telegram", ev.Start(), "u1")
    with calls_to_thread(seeded.db) as handed:
        await seeded.service.handle(alice.id, "telegram", ev.Choose(items[0].id, "yes"), "u2")
    assert handed == ["begin", "commit"]
    with calls_to_thread(seeded.db) as handed:
        outcome = await seeded.service.handle(alice.id, "telegram", ev.Next(items[1].id), "u3")
    assert handed == ["begin", "commit"]
    with calls_to_thread(seeded.db) as handed:
        again = await seeded.service.handle(alice.id, "telegram", ev.Next(items[1].id), "u3")
    assert again.duplicate and handed == ["begin", "commit"]
    async with seeded.db.read() as conn:
        found = await standing(conn, alice.id, "telegram")
    assert found is not None
    assert found.answers == outcome.answers  # what was committed is what the tap showed
    assert found.answers[items[0].id].value == "yes"


async def test_answers_read_again_show_a_contact_renamed_meanwhile(seeded: Seeded) -> None:
    """Answers are parsed once and reused by their whole content, names included."""
    alice = seeded.contacts["alice"]
    first = seeded.questionnaire.items[0]
    await seeded.service.handle(alice.id, "telegram", ev.Start(), "u1")
    await seeded.service.handle(alice.id, "telegram", ev.Choose(first.id, "yes"), "u2")
    async with seeded.db.read() as conn:
        before = await standing(conn, alice.id, "telegram")
    async with seeded.db.transaction() as conn:
        await conn.execute("UPDATE contacts SET name = 'Alice Renamed' WHERE id = ?", (alice.id,))
    async with seeded.db.read() as conn:
        after = await standing(conn, alice.id, "telegram")
    assert before is not None and after is not None
    assert before.answers[first.id].contact_name == alice.name
    assert after.answers[first.id].contact_name == "Alice Renamed"
