"""Hash chains: each row carries the hash of the row before it in its chain, and its own
hash over that and its content, so that editing, removing or inserting a row by hand shows.

The same function is registered in SQLite as `chain_hash(prev, field, ...)`, so that a
migration can chain rows that were written before chains existed.
"""

from __future__ import annotations

import hashlib
import json

import aiosqlite

GENESIS = ""
"""The `prev_hash` of the first row of a chain."""
SQL_FUNCTION = "chain_hash"

Field = str | int | float | None


def link_hash(prev_hash: str, *fields: Field) -> str:
    """SHA-256 of the previous hash and the row's fields, as canonical JSON (so that text,
    numbers and NULL never run into each other)."""
    canonical = json.dumps([prev_hash, *fields], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _sql_link_hash(prev_hash: str | None, *fields: Field) -> str:
    return link_hash(prev_hash or GENESIS, *fields)


async def register(conn: aiosqlite.Connection) -> None:
    """Make `chain_hash(prev, field, ...)` available to SQL on this connection."""
    await conn.create_function(SQL_FUNCTION, -1, _sql_link_hash, deterministic=True)


def history_fields(
    response_id: int,
    question_id: str,
    value: str | None,
    note: str | None,
    contact_id: int | None,
    channel: str,
    changed_at: str,
) -> tuple[Field, ...]:
    """What an answer-history row's hash covers, in order (migration 9 uses the same)."""
    return (response_id, question_id, value, note, contact_id, channel, changed_at)


def log_fields(
    at: str, actor: str, action: str, detail: str, outcome: str, contact_id: int | None
) -> tuple[Field, ...]:
    """What an audit-log row's hash covers, in order."""
    return (at, actor, action, detail, outcome, contact_id)
