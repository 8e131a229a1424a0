"""Which LA summary slots of a round are already in the outbox, and since when.

The scheduler asks this instead of keeping job state: a slot written once (to any chat)
is never due again, however often or concurrently the scheduler ticks.
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.convert import parse_ts

SUMMARY_KIND = "summary"


async def summary_slots(
    conn: aiosqlite.Connection, round_id: int, kind: str = SUMMARY_KIND
) -> dict[str, datetime]:
    """Slot name -> when it was first queued, for the round's summaries."""
    async with conn.execute(
        "SELECT slot, min(created_at) AS queued FROM outbox"
        " WHERE kind = ? AND round_id = ? AND slot IS NOT NULL GROUP BY slot",
        (kind, round_id),
    ) as cur:
        return {
            row["slot"]: parse_ts(row["queued"]) or datetime.min for row in await cur.fetchall()
        }
