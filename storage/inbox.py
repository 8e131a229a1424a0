"""Incoming updates kept from arrival until handled, so a crash in between loses none."""

from __future__ import annotations

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


async def handled(conn: aiosqlite.Connection, channel: str, seq: int) -> None:
    await conn.execute("DELETE FROM inbox WHERE channel = ? AND seq = ?", (channel, seq))


async def unhandled(conn: aiosqlite.Connection, channel: str, since: datetime) -> list[str]:
    """Payloads still waiting, oldest first; anything received before `since` is dropped."""
    await conn.execute(
        "DELETE FROM inbox WHERE channel = ? AND received_at < ?", (channel, ts(since))
    )
    async with conn.execute(
        "SELECT payload FROM inbox WHERE channel = ? ORDER BY seq", (channel,)
    ) as cur:
        return [row["payload"] for row in await cur.fetchall()]
