"""Which follow-up actions the LA has dealt with (the actions themselves are derived from
the answers, in `bot.summary.actions`, and never stored)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.convert import parse_ts, ts


@dataclass(frozen=True, slots=True)
class ActionDone:
    """An action marked done: by whom, when, and for which answer (its fingerprint)."""

    partnership_id: int
    question_id: str
    fingerprint: str
    done_by: str
    done_at: datetime


async def done_in_round(
    conn: aiosqlite.Connection, round_id: int
) -> dict[tuple[int, str], ActionDone]:
    """Every action marked done in the round, keyed by (partnership id, question id)."""
    found: dict[tuple[int, str], ActionDone] = {}
    async with conn.execute(
        "SELECT partnership_id, question_id, fingerprint, done_by, done_at FROM action_status"
        " WHERE round_id = ?",
        (round_id,),
    ) as cur:
        for row in await cur.fetchall():
            done_at = parse_ts(row["done_at"])
            assert done_at is not None
            key = (row["partnership_id"], row["question_id"])
            found[key] = ActionDone(*key, row["fingerprint"], row["done_by"], done_at)
    return found


async def mark_done(
    conn: aiosqlite.Connection,
    round_id: int,
    partnership_id: int,
    question_id: str,
    fingerprint: str,
    done_by: str,
    now: datetime,
) -> bool:
    """Record the action on this answer as done (again, if it was done for an earlier one);
    False if it was already done for this very answer (who and when are kept)."""
    cur = await conn.execute(
        "INSERT INTO action_status"
        " (round_id, partnership_id, question_id, fingerprint, done_by, done_at)"
        " VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (round_id, partnership_id, question_id) DO UPDATE SET"
        " fingerprint = excluded.fingerprint, done_by = excluded.done_by,"
        " done_at = excluded.done_at"
        " WHERE action_status.fingerprint <> excluded.fingerprint",
        (round_id, partnership_id, question_id, fingerprint, done_by, ts(now)),
    )
    return cur.rowcount > 0


async def reopen(
    conn: aiosqlite.Connection, round_id: int, partnership_id: int, question_id: str
) -> bool:
    """Forget that the action was done; False if it was not marked done."""
    cur = await conn.execute(
        "DELETE FROM action_status WHERE round_id = ? AND partnership_id = ? AND question_id = ?",
        (round_id, partnership_id, question_id),
    )
    return cur.rowcount > 0
