"""Read queries for the LA summary: everything a round's report needs in few round trips."""

from __future__ import annotations

import aiosqlite

from storage.records import Answer
from storage.responses import ANSWER_COLUMNS, ANSWER_JOINS, answer_from_row


async def round_answers(conn: aiosqlite.Connection, round_id: int) -> dict[int, dict[str, Answer]]:
    """Every stored answer in the round, keyed by response id and then question id."""
    found: dict[int, dict[str, Answer]] = {}
    async with conn.execute(
        f"SELECT a.response_id, {ANSWER_COLUMNS} FROM answers a"  # noqa: S608 - constants
        f" JOIN responses r ON r.id = a.response_id {ANSWER_JOINS} WHERE r.round_id = ?",
        (round_id,),
    ) as cur:
        for row in await cur.fetchall():
            found.setdefault(row["response_id"], {})[row["question_id"]] = answer_from_row(row)
    return found
