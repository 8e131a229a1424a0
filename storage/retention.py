"""Deleting what is past its retention period (the policy and its periods are in
`bot.retention`; each function here deletes one kind of thing older than a cutoff and says
how many rows went)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.convert import ts

PURGED_PAYLOAD = "{}"
"""What a delivered message's content becomes once its retention is over."""


async def secure_delete(conn: aiosqlite.Connection) -> None:
    """From now on this connection overwrites what it deletes with zeros, instead of leaving
    it in the file's free space."""
    await conn.execute("PRAGMA secure_delete = ON")


@dataclass(frozen=True, slots=True)
class RoundRemoved:
    """What deleting one round took with it."""

    responses: int = 0
    answers: int = 0
    history: int = 0
    conversations: int = 0
    messages: int = 0


async def rounds_closed_before(conn: aiosqlite.Connection, before: datetime) -> list[int]:
    async with conn.execute(
        "SELECT id FROM rounds WHERE closed_at IS NOT NULL AND closed_at < ? ORDER BY id",
        (ts(before),),
    ) as cur:
        return [int(row[0]) for row in await cur.fetchall()]


async def delete_round(conn: aiosqlite.Connection, round_id: int) -> RoundRemoved:
    """Delete a closed round and everything recorded in it: responses, answers and their
    history, conversation state, snoozes, flags, follow-up actions done, the LA's queries
    and its messages. A later round that carries forward from it no longer does (its
    summary leaves the comparison out), in the same transaction."""
    await conn.execute("UPDATE rounds SET carries_from = NULL WHERE carries_from = ?", (round_id,))
    in_round = "response_id IN (SELECT id FROM responses WHERE round_id = ?)"
    history = await conn.execute(f"DELETE FROM answer_history WHERE {in_round}", (round_id,))  # noqa: S608 - constant
    answers = await conn.execute(f"DELETE FROM answers WHERE {in_round}", (round_id,))  # noqa: S608 - constant
    await conn.execute(f"DELETE FROM signoffs WHERE {in_round}", (round_id,))  # noqa: S608 - constant
    conversations = await conn.execute("DELETE FROM conversations WHERE round_id = ?", (round_id,))
    await conn.execute("DELETE FROM reminder_snoozes WHERE round_id = ?", (round_id,))
    await conn.execute("DELETE FROM partnership_flags WHERE round_id = ?", (round_id,))
    await conn.execute("DELETE FROM action_status WHERE round_id = ?", (round_id,))
    await conn.execute("DELETE FROM queries WHERE round_id = ?", (round_id,))
    messages = await conn.execute("DELETE FROM outbox WHERE round_id = ?", (round_id,))
    responses = await conn.execute("DELETE FROM responses WHERE round_id = ?", (round_id,))
    await conn.execute("DELETE FROM rounds WHERE id = ?", (round_id,))
    return RoundRemoved(
        responses=responses.rowcount,
        answers=answers.rowcount,
        history=history.rowcount,
        conversations=conversations.rowcount,
        messages=messages.rowcount,
    )


async def strip_delivered(conn: aiosqlite.Connection, before: datetime) -> int:
    """Remove the content and address of messages of a round delivered before `before`; the
    record that they were sent (kind, slot, contact number, when) stays with the round, so
    that nothing is sent twice and reminders are still counted."""
    cur = await conn.execute(
        "UPDATE outbox SET payload = ?, recipient = '', last_error = NULL"
        " WHERE status = 'sent' AND round_id IS NOT NULL AND sent_at < ? AND payload != ?",
        (PURGED_PAYLOAD, ts(before), PURGED_PAYLOAD),
    )
    return cur.rowcount


async def delete_delivered_without_round(conn: aiosqlite.Connection, before: datetime) -> int:
    """Delete messages that belong to no round (invitations, email replies) delivered
    before `before`."""
    cur = await conn.execute(
        "DELETE FROM outbox WHERE status = 'sent' AND round_id IS NULL AND sent_at < ?",
        (ts(before),),
    )
    return cur.rowcount


async def delete_failed(conn: aiosqlite.Connection, before: datetime) -> int:
    """Delete messages given up on that were queued before `before`."""
    cur = await conn.execute(
        "DELETE FROM outbox WHERE status = 'failed' AND created_at < ?", (ts(before),)
    )
    return cur.rowcount


async def delete_spent_invites(conn: aiosqlite.Connection, before: datetime) -> int:
    """Delete invites used, or expired unused, before `before`."""
    cur = await conn.execute(
        "DELETE FROM invites WHERE (used_at IS NOT NULL AND used_at < ?1)"
        " OR (used_at IS NULL AND expires_at < ?1)",
        (ts(before),),
    )
    return cur.rowcount


async def delete_waiting_updates(conn: aiosqlite.Connection, before: datetime) -> int:
    """Delete incoming updates received before `before` and never handled (the bot was
    stopped, and would now ignore them anyway)."""
    cur = await conn.execute("DELETE FROM inbox WHERE received_at < ?", (ts(before),))
    return cur.rowcount
