"""The audit log: who did what to the data, and when, as one hash chain (`storage.chain`).

Entries name a contact only by number (`contact_id`), never by name or address, so that
erasing a contact leaves nothing of them here. Rows are never changed (a trigger refuses);
the oldest are deleted when they pass their retention.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.chain import GENESIS, Field, link_hash, log_fields
from storage.convert import parse_ts, ts


@dataclass(frozen=True, slots=True)
class LogEntry:
    id: int
    at: datetime
    actor: str
    """Who: `cli:<operator>` or `<channel>:<account>` of an admin, or the bot itself."""
    action: str
    """What: the command, e.g. "contact erase" or "round close"."""
    detail: str
    outcome: str
    """"ok" or "failed"."""
    contact_id: int | None


@dataclass(frozen=True, slots=True)
class LogLink:
    """An entry as stored, for checking the chain."""

    id: int
    fields: tuple[Field, ...]
    prev_hash: str
    row_hash: str


async def append(
    conn: aiosqlite.Connection,
    at: datetime,
    actor: str,
    action: str,
    detail: str = "",
    outcome: str = "ok",
    contact_id: int | None = None,
) -> None:
    """Add an entry at the end of the chain (in the caller's write transaction)."""
    async with conn.execute("SELECT row_hash FROM audit_log ORDER BY id DESC LIMIT 1") as cur:
        last = await cur.fetchone()
    prev = last["row_hash"] if last else GENESIS
    row = (ts(at), actor, action, detail, outcome, contact_id)
    await conn.execute(
        "INSERT INTO audit_log (at, actor, action, detail, outcome, contact_id, prev_hash,"
        " row_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (*row, prev, link_hash(prev, *log_fields(*row))),
    )


def _entry(row: aiosqlite.Row) -> LogEntry:
    return LogEntry(
        id=row["id"],
        at=parse_ts(row["at"]) or datetime.min,
        actor=row["actor"],
        action=row["action"],
        detail=row["detail"],
        outcome=row["outcome"],
        contact_id=row["contact_id"],
    )


async def latest(conn: aiosqlite.Connection, limit: int) -> list[LogEntry]:
    """The newest `limit` entries, oldest first."""
    async with conn.execute(
        "SELECT * FROM (SELECT * FROM audit_log ORDER BY id DESC LIMIT ?) ORDER BY id", (limit,)
    ) as cur:
        return [_entry(row) for row in await cur.fetchall()]


async def about_contact(conn: aiosqlite.Connection, contact_id: int) -> list[LogEntry]:
    async with conn.execute(
        "SELECT * FROM audit_log WHERE contact_id = ? ORDER BY id", (contact_id,)
    ) as cur:
        return [_entry(row) for row in await cur.fetchall()]


async def links(conn: aiosqlite.Connection) -> list[LogLink]:
    """Every entry in chain order."""
    async with conn.execute("SELECT * FROM audit_log ORDER BY id") as cur:
        return [
            LogLink(
                id=row["id"],
                fields=log_fields(
                    row["at"],
                    row["actor"],
                    row["action"],
                    row["detail"],
                    row["outcome"],
                    row["contact_id"],
                ),
                prev_hash=row["prev_hash"],
                row_hash=row["row_hash"],
            )
            for row in await cur.fetchall()
        ]


async def delete_before(conn: aiosqlite.Connection, before: datetime) -> int:
    """Forget entries older than `before` (retention). Only ever the oldest run of entries
    goes (even if a clock once stepped back), so the chain starts at the oldest kept."""
    cur = await conn.execute(
        "DELETE FROM audit_log WHERE at < ?1"
        " AND id < coalesce((SELECT min(id) FROM audit_log WHERE at >= ?1), 9e18)",
        (ts(before),),
    )
    return cur.rowcount
