"""The outbox: every message that leaves is a row here first, unique by its dedupe key.

A row is claimed for sending by setting a lease (not a status), so a crashed sender's rows
come back once the lease runs out, and two senders never hold the same row at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from storage.convert import parse_ts, ts


@dataclass(frozen=True, slots=True)
class NewMessage:
    """What to write: `dedupe_key` makes a second write of the same message a no-op."""

    dedupe_key: str
    channel: str
    recipient: str
    kind: str
    payload: dict[str, Any]
    round_id: int | None = None
    partnership_id: int | None = None
    contact_id: int | None = None
    slot: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    dedupe_key: str
    channel: str
    recipient: str
    kind: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    lease_until: datetime | None
    round_id: int | None
    partnership_id: int | None
    contact_id: int | None
    slot: str | None
    parts_sent: int = 0


def _row(row: aiosqlite.Row) -> OutboxRow:
    next_attempt_at = parse_ts(row["next_attempt_at"])
    created_at = parse_ts(row["created_at"])
    assert next_attempt_at is not None and created_at is not None
    return OutboxRow(
        id=row["id"],
        dedupe_key=row["dedupe_key"],
        channel=row["channel"],
        recipient=row["recipient"],
        kind=row["kind"],
        payload=json.loads(row["payload"]),
        status=row["status"],
        attempts=row["attempts"],
        next_attempt_at=next_attempt_at,
        last_error=row["last_error"],
        created_at=created_at,
        sent_at=parse_ts(row["sent_at"]),
        lease_until=parse_ts(row["lease_until"]),
        round_id=row["round_id"],
        partnership_id=row["partnership_id"],
        contact_id=row["contact_id"],
        slot=row["slot"],
        parts_sent=row["parts_sent"],
    )


async def enqueue(
    conn: aiosqlite.Connection, message: NewMessage, now: datetime, due: datetime | None = None
) -> bool:
    """Write the message (to send from `due`, else at once) unless its dedupe key exists;
    True if it was new."""
    cur = await conn.execute(
        "INSERT INTO outbox (dedupe_key, channel, recipient, kind, payload, next_attempt_at,"
        " created_at, round_id, partnership_id, contact_id, slot)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING",
        (
            message.dedupe_key,
            message.channel,
            message.recipient,
            message.kind,
            json.dumps(message.payload, ensure_ascii=False, sort_keys=True),
            ts(due or now),
            ts(now),
            message.round_id,
            message.partnership_id,
            message.contact_id,
            message.slot,
        ),
    )
    return cur.rowcount == 1


async def exists(conn: aiosqlite.Connection, dedupe_key: str) -> bool:
    async with conn.execute("SELECT 1 FROM outbox WHERE dedupe_key = ?", (dedupe_key,)) as cur:
        return await cur.fetchone() is not None


async def claim_due(
    conn: aiosqlite.Connection,
    now: datetime,
    lease_until: datetime,
    limit: int,
    channels: tuple[str, ...],
) -> list[OutboxRow]:
    """Lease up to `limit` due rows and count the attempt, atomically.

    Rows leased by someone else are skipped until their lease runs out (a crashed sender).
    """
    if not channels:
        return []
    marks = ",".join("?" * len(channels))
    async with conn.execute(
        "UPDATE outbox SET lease_until = ?, attempts = attempts + 1"  # noqa: S608
        " WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?"
        f"   AND (lease_until IS NULL OR lease_until <= ?) AND channel IN ({marks})"
        "   ORDER BY next_attempt_at, id LIMIT ?)"
        " RETURNING *",
        (ts(lease_until), ts(now), ts(now), *channels, limit),
    ) as cur:
        rows = [_row(row) for row in await cur.fetchall()]
    return sorted(rows, key=lambda r: (r.next_attempt_at, r.id))


async def release(conn: aiosqlite.Connection, row_ids: list[int], lease_until: datetime) -> int:
    """Hand back leased rows that were not sent (a stop): due again at once, and the
    abandoned try does not count. Only our own lease is released, never a newer one."""
    if not row_ids:
        return 0
    marks = ",".join("?" * len(row_ids))
    cur = await conn.execute(
        "UPDATE outbox SET lease_until = NULL, attempts = max(attempts - 1, 0)"  # noqa: S608
        f" WHERE id IN ({marks}) AND status = 'pending' AND lease_until = ?",
        (*row_ids, ts(lease_until)),
    )
    return cur.rowcount


async def count_pending(conn: aiosqlite.Connection) -> int:
    async with conn.execute("SELECT count(*) FROM outbox WHERE status = 'pending'") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def mark_part_sent(conn: aiosqlite.Connection, row_id: int, parts: int) -> None:
    await conn.execute("UPDATE outbox SET parts_sent = ? WHERE id = ?", (parts, row_id))


async def mark_sent(conn: aiosqlite.Connection, row_id: int, now: datetime) -> None:
    await conn.execute(
        "UPDATE outbox SET status = 'sent', sent_at = ?, lease_until = NULL, last_error = NULL"
        " WHERE id = ?",
        (ts(now), row_id),
    )


async def reschedule(
    conn: aiosqlite.Connection, row_id: int, next_attempt_at: datetime, error: str
) -> None:
    await conn.execute(
        "UPDATE outbox SET next_attempt_at = ?, last_error = ?, lease_until = NULL"
        " WHERE id = ? AND status = 'pending'",
        (ts(next_attempt_at), error[:500], row_id),
    )


async def mark_failed(conn: aiosqlite.Connection, row_id: int, error: str) -> None:
    await conn.execute(
        "UPDATE outbox SET status = 'failed', last_error = ?, lease_until = NULL WHERE id = ?",
        (error[:500], row_id),
    )


async def fail_pending_for(
    conn: aiosqlite.Connection, channel: str, recipient: str, error: str
) -> int:
    """Give up on every other pending row to a recipient who can no longer be reached."""
    cur = await conn.execute(
        "UPDATE outbox SET status = 'failed', last_error = ?, lease_until = NULL"
        " WHERE channel = ? AND recipient = ? AND status = 'pending'",
        (error[:500], channel, recipient),
    )
    return cur.rowcount


async def requeue_failed(
    conn: aiosqlite.Connection, now: datetime, ids: list[int] | None = None
) -> int:
    """Put failed rows back in the queue with a fresh set of attempts."""
    where = "status = 'failed'"
    params: list[Any] = [ts(now)]
    if ids is not None:
        if not ids:
            return 0
        where += f" AND id IN ({','.join('?' * len(ids))})"
        params.extend(ids)
    cur = await conn.execute(
        "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?,"  # noqa: S608
        f" lease_until = NULL WHERE {where}",
        params,
    )
    return cur.rowcount


async def list_rows(
    conn: aiosqlite.Connection, statuses: tuple[str, ...] = ("pending", "failed")
) -> list[OutboxRow]:
    marks = ",".join("?" * len(statuses))
    async with conn.execute(
        f"SELECT * FROM outbox WHERE status IN ({marks}) ORDER BY id",  # noqa: S608
        statuses,
    ) as cur:
        return [_row(row) for row in await cur.fetchall()]


async def all_rows(conn: aiosqlite.Connection) -> list[OutboxRow]:
    async with conn.execute("SELECT * FROM outbox ORDER BY id") as cur:
        return [_row(row) for row in await cur.fetchall()]
