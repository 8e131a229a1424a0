"""Read queries for the LA summary: everything a round's report needs in few round trips."""

from __future__ import annotations

import aiosqlite

from storage.records import Answer
from storage.responses import answer_from_row


async def round_answers(conn: aiosqlite.Connection, round_id: int) -> dict[int, dict[str, Answer]]:
    """Every stored answer in the round, keyed by response id and then question id."""
    found: dict[int, dict[str, Answer]] = {}
    async with conn.execute(
        "SELECT a.response_id, a.question_id, a.value, a.note, a.contact_id,"
        " c.name AS contact_name, a.channel, a.answered_at"
        " FROM answers a JOIN responses r ON r.id = a.response_id"
        " LEFT JOIN contacts c ON c.id = a.contact_id WHERE r.round_id = ?",
        (round_id,),
    ) as cur:
        for row in await cur.fetchall():
            found.setdefault(row["response_id"], {})[row["question_id"]] = answer_from_row(row)
    return found
