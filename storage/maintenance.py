"""Whole-file operations: backups and restores through SQLite's online backup API (safe
while the bot writes), and compaction, which leaves no deleted data in the file.

Each opens its own connection to the file; SQLite's locking keeps them consistent with
the bot's connection, so they run in worker threads with plain sqlite3.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Sequence
from contextlib import closing, suppress
from dataclasses import dataclass
from pathlib import Path

BUSY_TIMEOUT = 10.0
"""Seconds to wait for the bot to finish a write before giving up."""

CHANGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("partnerships", "created_at"),
    ("contacts", "created_at"),
    ("contacts", "erased_at"),
    ("addresses", "linked_at"),
    ("addresses", "unreachable_at"),
    ("invites", "created_at"),
    ("invites", "used_at"),
    ("questionnaires", "created_at"),
    ("rounds", "opened_at"),
    ("rounds", "closed_at"),
    ("responses", "submitted_at"),
    ("responses", "amended_at"),
    ("responses", "last_activity_at"),
    ("answers", "answered_at"),
    ("answers", "note_at"),
    ("answer_history", "changed_at"),
    ("conversations", "updated_at"),
    ("outbox", "created_at"),
    ("outbox", "sent_at"),
    ("processed_updates", "processed_at"),
    ("inbox", "received_at"),
    ("reminder_snoozes", "created_at"),
    ("partnership_flags", "flagged_at"),
    ("bad_invite_attempts", "attempted_at"),
    ("action_status", "done_at"),
    ("queries", "asked_at"),
    ("queries", "answered_at"),
)
"""Columns that record when something was written (not deadlines or expiry times)."""


@dataclass(frozen=True, slots=True)
class FileState:
    """What a database file says about itself."""

    schema_version: int
    last_change: str | None
    """The latest moment anything in it was written (UTC ISO text), None if empty."""
    problems: tuple[str, ...]
    """SQLite's integrity check, in its words; empty when all is well."""


def _connect(path: str, *, read_only: bool = False) -> sqlite3.Connection:
    if read_only:
        uri = Path(path).resolve().as_uri() + "?mode=ro"
        return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT, isolation_level=None)
    return sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)


def _last_change(conn: sqlite3.Connection, changing_actions: Sequence[str]) -> str | None:
    columns = {
        (row[0], row[1])
        for row in conn.execute(
            "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c"
            " WHERE m.type = 'table'"
        )
    }
    parts = [
        f"SELECT max({column}) AS t FROM {table}"  # noqa: S608 - names from CHANGE_COLUMNS
        for table, column in CHANGE_COLUMNS
        if (table, column) in columns
    ]
    params: list[str] = []
    if ("audit_log", "action") in columns and changing_actions:
        marks = ",".join("?" * len(changing_actions))
        parts.append(f"SELECT max(at) AS t FROM audit_log WHERE action IN ({marks})")  # noqa: S608
        params.extend(changing_actions)
    if not parts:
        return None
    row = conn.execute(
        f"SELECT max(t) FROM ({' UNION ALL '.join(parts)})",  # noqa: S608
        params,
    ).fetchone()
    return row[0] if row else None


def _state(path: str, changing_actions: Sequence[str], *, read_only: bool) -> FileState:
    with closing(_connect(path, read_only=read_only)) as conn:
        found = [str(row[0]) for row in conn.execute("PRAGMA integrity_check")]
        has_versions = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        ).fetchone()
        version = (
            conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
            if has_versions
            else 0
        )
        return FileState(
            schema_version=int(version),
            last_change=_last_change(conn, changing_actions),
            problems=() if found == ["ok"] else tuple(found),
        )


async def file_state(
    path: str, changing_actions: Sequence[str] = (), *, read_only: bool = True
) -> FileState:
    """Check a database file (a backup, or the live one) without changing it. Raises
    sqlite3.DatabaseError if it is not an SQLite database, sqlite3.OperationalError
    (a subclass) if it cannot be read."""
    return await asyncio.to_thread(_state, path, changing_actions, read_only=read_only)


def _private_new_file(path: str) -> None:
    """Create `path` empty and readable by its owner only (SQLite would make it 0644)."""
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _backup(source: str, target: str) -> None:
    partial = f"{target}.partial"
    for leftover in (partial, f"{partial}-journal", f"{partial}-wal", f"{partial}-shm"):
        with suppress(FileNotFoundError):
            os.remove(leftover)
    _private_new_file(partial)
    try:
        with closing(_connect(source)) as src, closing(_connect(partial)) as dest:
            src.backup(dest)  # all pages in one step: one consistent snapshot
            dest.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            found = [str(row[0]) for row in dest.execute("PRAGMA integrity_check")]
            if found != ["ok"]:
                raise sqlite3.DatabaseError("; ".join(found))
        with open(partial, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(partial, target)
    except BaseException:
        with suppress(FileNotFoundError):
            os.remove(partial)
        raise


async def backup(source: str, target: str) -> None:
    """Copy the database at `source` to a new file `target` (mode 0600), consistently even
    while the bot writes; the copy is checked before it takes the name `target`."""
    await asyncio.to_thread(_backup, source, target)


def _restore(backup_file: str, live: str) -> None:
    with closing(_connect(backup_file, read_only=True)) as src, closing(_connect(live)) as dest:
        src.backup(dest)


async def restore(backup_file: str, live: str) -> None:
    """Replace the content of the database at `live` with the backup's, through the backup
    API, so that the file keeps its permissions and any open connection sees the change."""
    await asyncio.to_thread(_restore, backup_file, live)


def _compact(path: str) -> bool:
    with closing(_connect(path)) as conn:
        try:
            conn.execute("VACUUM")
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.OperationalError:  # another connection held the database too long
            return False
        return int(busy) == 0


async def compact(path: str) -> bool:
    """Rewrite the database without free space (where deleted data could linger) and move
    everything from the write-ahead log into it, emptying the log. False if another
    connection kept the database or its log busy, so that old pages may remain for now."""
    if path in ("", ":memory:"):
        return True
    return await asyncio.to_thread(_compact, path)
