"""Everything held about one contact, table by table: read for a subject access request,
and removed for an erasure request (`bot.contact_data` decides what goes and what stays).

Reads return plain rows (column -> value) because they are exported as they are stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from storage.convert import ts

Row = dict[str, Any]


async def _rows(conn: aiosqlite.Connection, sql: str, *params: object) -> list[Row]:
    async with conn.execute(sql, params) as cur:
        return [dict(row) for row in await cur.fetchall()]


def _pairs(pairs: Iterable[tuple[str, str]]) -> str:
    """(channel, value) pairs as a JSON array of [channel, value], for json_each."""
    return json.dumps([list(pair) for pair in pairs])


_PAIR_MATCH = (
    "(channel, {column}) IN"
    " (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?))"
)


async def contact(conn: aiosqlite.Connection, contact_id: int) -> Row | None:
    found = await _rows(
        conn,
        "SELECT c.id, p.name AS partnership, c.name, c.email, c.telegram_username,"
        " c.preferred_channel, c.created_at, c.erased_at"
        " FROM contacts c JOIN partnerships p ON p.id = c.partnership_id WHERE c.id = ?",
        contact_id,
    )
    return found[0] if found else None


async def addresses(conn: aiosqlite.Connection, contact_id: int) -> list[Row]:
    return await _rows(
        conn,
        "SELECT channel, account, address, linked_at, unreachable_at FROM addresses"
        " WHERE contact_id = ? ORDER BY channel",
        contact_id,
    )


async def invites(conn: aiosqlite.Connection, contact_id: int) -> list[Row]:
    """Their invites, without the token hash (a credential, not information about them)."""
    return await _rows(
        conn,
        "SELECT channel, created_at, expires_at, used_at, used_account FROM invites"
        " WHERE contact_id = ? ORDER BY id",
        contact_id,
    )


async def answers(conn: aiosqlite.Connection, contact_id: int) -> list[Row]:
    """Current answers they gave or whose note they wrote (the other part is someone
    else's and is left out by the caller)."""
    return await _rows(
        conn,
        "SELECT s.round_id, r.questionnaire_version, p.name AS partnership, a.question_id,"
        " a.value, a.note, a.contact_id, a.channel, a.answered_at, a.note_contact_id, a.note_at"
        " FROM answers a JOIN responses s ON s.id = a.response_id"
        " JOIN rounds r ON r.id = s.round_id JOIN partnerships p ON p.id = s.partnership_id"
        " WHERE a.contact_id = ?1 OR a.note_contact_id = ?1"
        " ORDER BY s.round_id, a.question_id",
        contact_id,
    )


async def history(conn: aiosqlite.Connection, contact_id: int) -> list[Row]:
    """Every change to an answer they made."""
    return await _rows(
        conn,
        "SELECT s.round_id, r.questionnaire_version, p.name AS partnership, h.question_id,"
        " h.value, h.note, h.channel, h.changed_at"
        " FROM answer_history h JOIN responses s ON s.id = h.response_id"
        " JOIN rounds r ON r.id = s.round_id JOIN partnerships p ON p.id = s.partnership_id"
        " WHERE h.contact_id = ? ORDER BY h.id",
        contact_id,
    )


async def submissions(conn: aiosqlite.Connection, contact_id: int) -> list[Row]:
    return await _rows(
        conn,
        "SELECT s.round_id, p.name AS partnership, s.submitted_at FROM responses s"
        " JOIN partnerships p ON p.id = s.partnership_id WHERE s.submitted_by = ?"
        " ORDER BY s.round_id",
        contact_id,
    )


async def signoffs(conn: aiosqlite.Connection, contact_id: int) -> list[Row]:
    """The submissions they signed off: as whom, as what, agreeing to which words."""
    return await _rows(
        conn,
        "SELECT s.round_id, p.name AS partnership, g.name, g.role, g.attestation, g.channel,"
        " g.signed_at FROM signoffs g JOIN responses s ON s.id = g.response_id"
        " JOIN partnerships p ON p.id = s.partnership_id WHERE g.contact_id = ? ORDER BY g.id",
        contact_id,
    )


async def conversations(conn: aiosqlite.Connection, contact_id: int) -> list[Row]:
    return await _rows(
        conn,
        "SELECT round_id, channel, state, updated_at FROM conversations WHERE contact_id = ?"
        " ORDER BY round_id, channel",
        contact_id,
    )


async def snoozes(conn: aiosqlite.Connection, contact_id: int) -> list[Row]:
    return await _rows(
        conn,
        "SELECT round_id, until, created_at FROM reminder_snoozes WHERE contact_id = ?"
        " ORDER BY round_id",
        contact_id,
    )


async def messages_to(
    conn: aiosqlite.Connection, contact_id: int, reached_at: Sequence[tuple[str, str]]
) -> list[Row]:
    """Messages queued for them, by contact or to one of their (channel, address) pairs."""
    return await _rows(
        conn,
        "SELECT id, channel, recipient, kind, payload, status, created_at, sent_at, round_id"  # noqa: S608 - constant
        f" FROM outbox WHERE contact_id = ? OR {_PAIR_MATCH.format(column='recipient')}"
        " ORDER BY id",
        contact_id,
        _pairs(reached_at),
    )


async def invite_attempts(
    conn: aiosqlite.Connection, accounts: Sequence[tuple[str, str]]
) -> list[Row]:
    """Bad invite attempts from their (channel, account) pairs."""
    return await _rows(
        conn,
        "SELECT channel, account, attempted_at FROM bad_invite_attempts"  # noqa: S608 - constant
        f" WHERE {_PAIR_MATCH.format(column='account')} ORDER BY id",
        _pairs(accounts),
    )


async def waiting_updates(conn: aiosqlite.Connection) -> list[Row]:
    """Every incoming update not yet handled (few: they are handled within seconds)."""
    return await _rows(
        conn, "SELECT channel, seq, payload, received_at FROM inbox ORDER BY channel, seq"
    )


async def messages_mentioning(
    conn: aiosqlite.Connection, needles: Sequence[str], exclude: Sequence[int]
) -> list[Row]:
    """Messages (other than `exclude`) whose content contains any of `needles` (case
    aside, for ASCII), or that carry files, which may mention anyone."""
    if not needles:
        return []
    escaped = [n.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for n in needles]
    return await _rows(
        conn,
        "SELECT id, status FROM outbox o"
        " WHERE o.id NOT IN (SELECT value FROM json_each(?2)) AND o.payload != '{}' AND ("
        "   EXISTS (SELECT 1 FROM json_each(?1) n"
        "           WHERE o.payload LIKE '%' || n.value || '%' ESCAPE '\\')"
        "   OR coalesce(json_array_length(o.payload, '$.notice.attachments'), 0) > 0"
        "   OR json_extract(o.payload, '$.document') IS NOT NULL)"
        " ORDER BY id",
        json.dumps(escaped, ensure_ascii=False),
        json.dumps(list(exclude)),
    )


# --- erasure --------------------------------------------------------------------------


async def delete_addresses(conn: aiosqlite.Connection, contact_id: int) -> int:
    cur = await conn.execute("DELETE FROM addresses WHERE contact_id = ?", (contact_id,))
    return cur.rowcount


async def delete_invites(conn: aiosqlite.Connection, contact_id: int) -> int:
    cur = await conn.execute("DELETE FROM invites WHERE contact_id = ?", (contact_id,))
    return cur.rowcount


async def delete_messages(conn: aiosqlite.Connection, ids: Sequence[int]) -> int:
    cur = await conn.execute(
        "DELETE FROM outbox WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(ids),)
    )
    return cur.rowcount


async def strip_messages(conn: aiosqlite.Connection, ids: Sequence[int]) -> int:
    """Remove the content of delivered messages, keeping the record that they were sent."""
    cur = await conn.execute(
        "UPDATE outbox SET payload = '{}', last_error = NULL"
        " WHERE id IN (SELECT value FROM json_each(?))",
        (json.dumps(ids),),
    )
    return cur.rowcount


async def delete_conversations(conn: aiosqlite.Connection, contact_id: int) -> int:
    cur = await conn.execute("DELETE FROM conversations WHERE contact_id = ?", (contact_id,))
    return cur.rowcount


async def delete_snoozes(conn: aiosqlite.Connection, contact_id: int) -> int:
    cur = await conn.execute("DELETE FROM reminder_snoozes WHERE contact_id = ?", (contact_id,))
    return cur.rowcount


async def delete_invite_attempts(
    conn: aiosqlite.Connection, accounts: Sequence[tuple[str, str]]
) -> int:
    cur = await conn.execute(
        f"DELETE FROM bad_invite_attempts WHERE {_PAIR_MATCH.format(column='account')}",  # noqa: S608 - constant
        (_pairs(accounts),),
    )
    return cur.rowcount


async def anonymise_contact(
    conn: aiosqlite.Connection, contact_id: int, former_name: str, now: datetime
) -> None:
    """Empty the contact's row, keeping it (and its number) so that answers and history
    keep a place for their author; `former_name` is what shows where their name did."""
    await conn.execute(
        "UPDATE contacts SET name = ?, email = 'erased-' || id, telegram_username = NULL,"
        " telegram_user_id = NULL, telegram_chat_id = NULL, unreachable_at = NULL,"
        " preferred_channel = NULL, erased_at = ? WHERE id = ?",
        (former_name, ts(now), contact_id),
    )
