"""Read-only views across a round: progress per partnership and every answer for export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.convert import parse_ts
from storage.records import Status


@dataclass(frozen=True, slots=True)
class Progress:
    partnership: str
    status: Status
    answered: int
    last_activity_at: datetime | None
    last_by: str | None
    submitted_at: datetime | None
    submitted_by: str | None
    amended_at: datetime | None
    contacts: str


async def round_progress(conn: aiosqlite.Connection, round_id: int) -> list[Progress]:
    async with conn.execute(
        """
        SELECT p.name AS partnership, r.status, r.last_activity_at, r.submitted_at,
               r.amended_at, sub.name AS submitted_by,
               (SELECT count(*) FROM answers a
                 WHERE a.response_id = r.id AND a.value IS NOT NULL) AS answered,
               (SELECT c.name FROM answers a JOIN contacts c ON c.id = a.contact_id
                 WHERE a.response_id = r.id ORDER BY a.answered_at DESC LIMIT 1) AS last_by,
               (SELECT group_concat(name, ', ') FROM
                 (SELECT c.name FROM contacts c WHERE c.partnership_id = p.id ORDER BY c.name)
               ) AS contacts
        FROM responses r
        JOIN partnerships p ON p.id = r.partnership_id
        LEFT JOIN contacts sub ON sub.id = r.submitted_by
        WHERE r.round_id = ?
        ORDER BY p.name
        """,
        (round_id,),
    ) as cur:
        return [
            Progress(
                partnership=row["partnership"],
                status=Status(row["status"]),
                answered=row["answered"],
                last_activity_at=parse_ts(row["last_activity_at"]),
                last_by=row["last_by"],
                submitted_at=parse_ts(row["submitted_at"]),
                submitted_by=row["submitted_by"],
                amended_at=parse_ts(row["amended_at"]),
                contacts=row["contacts"] or "",
            )
            for row in await cur.fetchall()
        ]


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    partnership: str
    question_id: str
    value: str | None
    note: str | None
    answered_by: str | None
    answered_at: datetime | None


async def round_answers(conn: aiosqlite.Connection, round_id: int) -> list[StoredAnswer]:
    async with conn.execute(
        """
        SELECT p.name AS partnership, a.question_id, a.value, a.note,
               c.name AS answered_by, a.answered_at
        FROM answers a
        JOIN responses r ON r.id = a.response_id
        JOIN partnerships p ON p.id = r.partnership_id
        LEFT JOIN contacts c ON c.id = a.contact_id
        WHERE r.round_id = ?
        ORDER BY p.name
        """,
        (round_id,),
    ) as cur:
        return [
            StoredAnswer(
                partnership=row["partnership"],
                question_id=row["question_id"],
                value=row["value"],
                note=row["note"],
                answered_by=row["answered_by"],
                answered_at=parse_ts(row["answered_at"]),
            )
            for row in await cur.fetchall()
        ]
