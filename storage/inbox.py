"""Incoming updates kept from arrival until handled, so a crash in between loses none."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from storage.convert import ts


async def keep(
    conn: aiosqlite.Connection, channel: str, seq: int, payload: str, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO inbox (channel, seq, payload, received_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (channel, seq, payload, ts(now)),
    )


async def keep_all(
    conn: aiosqlite.Connection, channel: str, updates: Sequence[tuple[int, str]], now: datetime
) -> None:
    """Keep several updates (sequence number, payload) in one statement, so one commit."""
    await conn.execute(
        "INSERT INTO inbox (channel, seq, payload, received_at)"
        " SELECT ?, json_extract(value, '$[0]'), json_extract(value, '$[1]'), ?"
        " FROM json_each(?) WHERE true ON CONFLICT DO NOTHING",
        (channel, ts(now), json.dumps([list(update) for update in updates])),
    )


async def handled(conn: aiosqlite.Connection, channel: str, seq: int) -> None:
    await conn.execute("DELETE FROM inbox WHERE channel = ? AND seq = ?", (channel, seq))


async def handled_all(conn: aiosqlite.Connection, channel: str, seqs: Sequence[int]) -> None:
    """Forget several handled updates in one statement."""
    await conn.execute(
        "DELETE FROM inbox WHERE channel = ? AND seq IN (SELECT value FROM json_each(?))",
        (channel, json.dumps(list(seqs))),
    )


async def unhandled(conn: aiosqlite.Connection, channel: str, since: datetime) -> list[str]:
    """Payloads still waiting, oldest first; anything received before `since` is dropped."""
    await conn.execute(
        "DELETE FROM inbox WHERE channel = ? AND received_at < ?", (channel, ts(since))
    )
    async with conn.execute(
        "SELECT payload FROM inbox WHERE channel = ? ORDER BY seq", (channel,)
    ) as cur:
        return [row["payload"] for row in await cur.fetchall()]
