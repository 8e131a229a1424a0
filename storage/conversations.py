"""Where each contact is in the conversation, per round and channel (opaque JSON)."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.convert import ts


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
    await conn.execute(
        "INSERT INTO conversations (contact_id, round_id, channel, state, updated_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (contact_id, round_id, channel)"
        " DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
        (contact_id, round_id, channel, state, ts(now)),
    )
