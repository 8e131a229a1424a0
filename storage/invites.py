"""Invites (stored only as token hashes) and the count of bad invite attempts per account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.convert import parse_ts, ts


@dataclass(frozen=True, slots=True)
class Invite:
    id: int
    contact_id: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    used_account: str | None
    channel: str


async def create_invite(
    conn: aiosqlite.Connection,
    contact_id: int,
    channel: str,
    token_hash: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    """Store a new invite; the contact's earlier unused invites on `channel` stop working."""
    await conn.execute(
        "UPDATE invites SET expires_at = ? WHERE contact_id = ? AND channel = ?"
        " AND used_at IS NULL AND expires_at > ?",
        (ts(now), contact_id, channel, ts(now)),
    )
    await conn.execute(
        "INSERT INTO invites (contact_id, channel, token_hash, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (contact_id, channel, token_hash, ts(now), ts(expires_at)),
    )


async def invite_by_hash(
    conn: aiosqlite.Connection, channel: str, token_hash: str
) -> Invite | None:
    async with conn.execute(
        "SELECT id, contact_id, created_at, expires_at, used_at, used_account, channel"
        " FROM invites WHERE token_hash = ? AND channel = ?",
        (token_hash, channel),
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return None
    created_at = parse_ts(row["created_at"])
    expires_at = parse_ts(row["expires_at"])
    assert created_at is not None and expires_at is not None
    return Invite(
        id=row["id"],
        contact_id=row["contact_id"],
        created_at=created_at,
        expires_at=expires_at,
        used_at=parse_ts(row["used_at"]),
        used_account=row["used_account"],
        channel=row["channel"],
    )


async def mark_used(
    conn: aiosqlite.Connection, invite_id: int, account: str, now: datetime
) -> None:
    await conn.execute(
        "UPDATE invites SET used_at = ?, used_account = ? WHERE id = ? AND used_at IS NULL",
        (ts(now), account, invite_id),
    )


async def record_bad_attempt(
    conn: aiosqlite.Connection, channel: str, account: str, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO bad_invite_attempts (channel, account, attempted_at) VALUES (?, ?, ?)",
        (channel, account, ts(now)),
    )


async def bad_attempts_since(
    conn: aiosqlite.Connection, channel: str, account: str, since: datetime
) -> int:
    async with conn.execute(
        "SELECT count(*) FROM bad_invite_attempts"
        " WHERE channel = ? AND account = ? AND attempted_at > ?",
        (channel, account, ts(since)),
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def prune_bad_attempts(conn: aiosqlite.Connection, since: datetime) -> int:
    """Delete the attempts that `bad_attempts_since(since)` no longer counts."""
    cur = await conn.execute(
        "DELETE FROM bad_invite_attempts WHERE attempted_at <= ?", (ts(since),)
    )
    return cur.rowcount
