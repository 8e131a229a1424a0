"""Where each contact is in the conversation, per round and channel (opaque JSON)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from functools import partial

import aiosqlite

from storage.convert import ts
from storage.db import on_thread


async def load_state(
    conn: aiosqlite.Connection, contact_id: int, round_id: int, channel: str
) -> str | None:
    rows = await conn.execute_fetchall(
        "SELECT state FROM conversations WHERE contact_id = ? AND round_id = ? AND channel = ?",
        (contact_id, round_id, channel),
    )
    for row in rows:
        return str(row["state"])
    return None


async def save_state(
    conn: aiosqlite.Connection,
    contact_id: int,
    round_id: int,
    channel: str,
    state: str,
    now: datetime,
) -> None:
    await on_thread(
        conn,
        partial(
            save_state_sync,
            contact_id=contact_id,
            round_id=round_id,
            channel=channel,
            state=state,
            now=now,
        ),
    )


def save_state_sync(
    sql: sqlite3.Connection,
    contact_id: int,
    round_id: int,
    channel: str,
    state: str,
    now: datetime,
) -> None:
    """`save_state` on aiosqlite's thread (`storage.db.on_thread`)."""
    sql.execute(
        "INSERT INTO conversations (contact_id, round_id, channel, state, updated_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (contact_id, round_id, channel)"
        " DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
        (contact_id, round_id, channel, state, ts(now)),
    )
