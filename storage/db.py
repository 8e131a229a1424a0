"""The SQLite connection: pragmas, migrations and serialised transactions.

aiosqlite runs each statement on its own thread; every call there is a round trip (about
0.2 ms of handing over and back, far more than a small statement takes). `on_thread` runs
a plain function over the sqlite3 connection in ONE such call, and `Database.batched` is a
write transaction that begins and commits together with work of that kind: the hot path
(a tap) needs two calls where a statement each took a dozen.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

import aiosqlite

from storage import chain
from storage.migrations import MIGRATIONS

Connection = aiosqlite.Connection
SHARED = stat.S_IRGRP | stat.S_IWGRP | stat.S_IROTH | stat.S_IWOTH
_COMPANIONS = ("", "-wal", "-shm", "-journal")
T = TypeVar("T")


async def on_thread(conn: aiosqlite.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    """`work(sqlite3_connection)` on aiosqlite's thread, in one round trip, in turn with the
    statements queued before it. `work` runs on that thread: it may use the connection and
    its own arguments, nothing of the event loop's.

    aiosqlite (0.20 to 0.22) has no public call for this; its `_execute` queues a function
    for its thread and `_conn` is the sqlite3 connection (`check_on_thread` tests both).
    """
    execute: Callable[..., Awaitable[Any]] = conn._execute
    return cast(T, await execute(work, conn._conn))


def check_on_thread(conn: aiosqlite.Connection) -> None:
    """Fail at start-up, in one sentence, if this aiosqlite has not what `on_thread` uses."""
    if not callable(getattr(conn, "_execute", None)) or not isinstance(
        getattr(conn, "_conn", None), sqlite3.Connection
    ):
        raise RuntimeError(
            f"aiosqlite {getattr(aiosqlite, '__version__', '?')} is not a version this bot"
            " supports; install the versions in pyproject.toml."
        )


class SharedDatabaseFile(PermissionError):
    """A database file that other users may read or write; it holds personal data."""

    def __init__(self, path: str, mode: int) -> None:
        super().__init__(f"{path} is readable or writable by other users (mode {mode:o})")
        self.path = path
        self.mode = mode


class Database:
    """One connection shared by the process; a lock keeps each transaction whole.

    aiosqlite runs every statement on one thread, so interleaving two tasks'
    statements would mix their transactions: the lock prevents that.
    """

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self.path = path

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction: all of it is committed, or none of it."""
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self._conn.rollback()
                raise
            await self._conn.commit()

    @asynccontextmanager
    async def batched(self, first: Callable[[sqlite3.Connection], T]) -> AsyncIterator[Batch[T]]:
        """A write transaction like `transaction`, in fewer round trips: BEGIN and
        `first(sqlite3_connection)` go to aiosqlite's thread in one call, and work queued
        with `Batch.later` goes with the COMMIT in one call. Statements through
        `Batch.conn` run in between, as in `transaction`."""
        async with self._lock:
            batch = Batch(self._conn, await on_thread(self._conn, _begun_with(first)))
            try:
                yield batch
            except BaseException:
                await self._conn.rollback()
                raise
            await on_thread(self._conn, _committed_after(batch.take()))

    @asynccontextmanager
    async def single(self) -> AsyncIterator[aiosqlite.Connection]:
        """For ONE statement, which SQLite runs as a transaction of its own (the connection
        is in autocommit mode): a write committed whole, or a read from one snapshot, in one
        round trip to aiosqlite's thread where `transaction` or `read` take three. Several
        statements here would each commit on their own: use `transaction` for those."""
        async with self._lock:
            yield self._conn

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """A consistent snapshot for several reads."""
        async with self._lock:
            await self._conn.execute("BEGIN")
            try:
                yield self._conn
            finally:
                await self._conn.rollback()

    async def close(self) -> None:
        await self._conn.close()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class Batch(Generic[T]):
    """A write transaction of `Database.batched`: what its first work returned, the
    connection, and work to run on aiosqlite's thread just before the COMMIT."""

    def __init__(self, conn: aiosqlite.Connection, first: T) -> None:
        self.conn = conn
        self.first = first
        self._later: list[Callable[[sqlite3.Connection], object]] = []

    def later(self, work: Callable[[sqlite3.Connection], object]) -> None:
        """Run `work` after everything sent through `conn`, in the call that commits (or at
        `flush`); it goes to the thread as `on_thread` describes."""
        self._later.append(work)

    async def flush(self) -> None:
        """Run the work queued so far now, in one call: before statements that must
        follow it."""
        if self._later:
            await on_thread(self.conn, _all_of(self.take()))

    def take(self) -> list[Callable[[sqlite3.Connection], object]]:
        taken, self._later = self._later, []
        return taken


def _begun_with(work: Callable[[sqlite3.Connection], T]) -> Callable[[sqlite3.Connection], T]:
    def begin(sql: sqlite3.Connection) -> T:
        sql.execute("BEGIN IMMEDIATE")
        try:
            return work(sql)
        except BaseException:
            sql.rollback()
            raise

    return begin


def _all_of(
    works: list[Callable[[sqlite3.Connection], object]],
) -> Callable[[sqlite3.Connection], None]:
    def run(sql: sqlite3.Connection) -> None:
        for work in works:
            work(sql)

    return run


def _committed_after(
    works: list[Callable[[sqlite3.Connection], object]],
) -> Callable[[sqlite3.Connection], None]:
    def commit(sql: sqlite3.Connection) -> None:
        try:
            for work in works:
                work(sql)
            sql.commit()
        except BaseException:
            if sql.in_transaction:
                sql.rollback()
            raise

    return commit


async def open_database(path: str | Path, *, allow_shared: bool = False) -> Database:
    """Open (creating if needed) the database and bring its schema up to date.

    Raises `SharedDatabaseFile` if the file (or its -wal, -shm) is readable or writable by
    other users, unless `allow_shared`.
    """
    path = str(path)
    if path not in ("", ":memory:"):
        Path(path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _private_file(path, allow_shared)
    if path not in ("", ":memory:"):
        # a file SQLite cannot open fails here, before aiosqlite starts its worker thread:
        # a failed aiosqlite connect leaves that thread to report to a loop that may have
        # closed by then, and it prints a traceback
        await asyncio.to_thread(_can_open, path)
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = aiosqlite.Row
    await conn.execute("PRAGMA busy_timeout = 10000")
    await conn.execute("PRAGMA journal_mode = WAL")
    await conn.execute("PRAGMA synchronous = NORMAL")
    await conn.execute("PRAGMA foreign_keys = ON")
    await chain.register(conn)  # migration 9 chains the answer history with it
    db = Database(conn, path)
    try:
        check_on_thread(conn)
        await _migrate(db)
    except BaseException:
        await conn.close()
        raise
    return db


def _can_open(path: str) -> None:
    sqlite3.connect(path).close()


def _private_file(path: str, allow_shared: bool) -> None:
    """Create the file owner-only (0600) before SQLite does (it would make it 0644); SQLite
    gives -wal and -shm the main file's mode. Check existing files, which may predate this."""
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    if allow_shared or os.name != "posix":
        return
    for name in (path + suffix for suffix in _COMPANIONS):
        try:
            found = os.stat(name)
        except FileNotFoundError:
            continue
        if stat.S_ISREG(found.st_mode) and found.st_mode & SHARED:
            raise SharedDatabaseFile(name, stat.S_IMODE(found.st_mode))


async def _migrate(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        async with conn.execute("SELECT max(version) FROM schema_version") as cur:
            row = await cur.fetchone()
        current = (row[0] if row else None) or 0
        if current > len(MIGRATIONS):
            raise RuntimeError(
                f"The database {db.path} was made by a newer version of Partnership Audit Bot "
                f"(schema {current}); upgrade the bot to use it."
            )
        for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
            for statement in _statements(script):
                await conn.execute(statement)
            await conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))


def _statements(script: str) -> list[str]:
    """Split a migration script; executescript would commit our transaction early."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
