"""Incoming updates already handled, so that a redelivered one changes nothing."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from functools import partial

import aiosqlite

from storage.convert import ts
from storage.db import on_thread


async def mark_processed(
    conn: aiosqlite.Connection, channel: str, update_key: str, now: datetime
) -> bool:
    """Record the update; False if it had been recorded before."""
    return await on_thread(
        conn, partial(mark_processed_sync, channel=channel, update_key=update_key, now=now)
    )


def mark_processed_sync(
    sql: sqlite3.Connection, channel: str, update_key: str, now: datetime
) -> bool:
    """`mark_processed` on aiosqlite's thread (`storage.db.on_thread`)."""
    cur = sql.execute(
        "INSERT INTO processed_updates (channel, update_key, processed_at) VALUES (?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (channel, update_key, ts(now)),
    )
    return cur.rowcount == 1


async def prune_processed(conn: aiosqlite.Connection, before: datetime) -> int:
    """Forget updates handled before `before`; returns how many were forgotten."""
    cur = await conn.execute("DELETE FROM processed_updates WHERE processed_at < ?", (ts(before),))
    return cur.rowcount
