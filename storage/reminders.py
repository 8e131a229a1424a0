"""What the reminder policy needs from the database: progress, reminders so far, snoozes,
and partnerships flagged to the LA for making no progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.convert import parse_ts, ts
from storage.records import Status

REMINDER_KIND = "reminder"


@dataclass(frozen=True, slots=True)
class ResponseState:
    partnership_id: int
    partnership: str
    status: Status
    answered: int
    last_activity_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReminderRecord:
    """One reminder written to the outbox (pending, sent or failed)."""

    partnership_id: int
    partnership: str
    contact_id: int
    contact: str
    slot: str
    channel: str
    recipient: str
    status: str
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class Flag:
    partnership_id: int
    partnership: str
    reminders: int
    flagged_at: datetime
    status: Status
    last_activity_at: datetime | None

    @property
    def resolved(self) -> bool:
        """Progress since the flag (or a submission) makes the flag history, not a worry."""
        return self.status is Status.SUBMITTED or (
            self.last_activity_at is not None and self.last_activity_at > self.flagged_at
        )


async def response_states(conn: aiosqlite.Connection, round_id: int) -> list[ResponseState]:
    async with conn.execute(
        """
        SELECT r.partnership_id, p.name AS partnership, r.status, r.last_activity_at,
               (SELECT count(*) FROM answers a
                 WHERE a.response_id = r.id AND a.value IS NOT NULL) AS answered
        FROM responses r JOIN partnerships p ON p.id = r.partnership_id
        WHERE r.round_id = ? ORDER BY p.name
        """,
        (round_id,),
    ) as cur:
        return [
            ResponseState(
                partnership_id=row["partnership_id"],
                partnership=row["partnership"],
                status=Status(row["status"]),
                answered=row["answered"],
                last_activity_at=parse_ts(row["last_activity_at"]),
            )
            for row in await cur.fetchall()
        ]


async def reminder_records(conn: aiosqlite.Connection, round_id: int) -> list[ReminderRecord]:
    """Every reminder of the round, oldest first."""
    async with conn.execute(
        "SELECT o.partnership_id, p.name AS partnership, o.contact_id, c.name AS contact,"
        " o.slot, o.channel, o.recipient, o.status, o.created_at, o.sent_at"
        " FROM outbox o JOIN contacts c ON c.id = o.contact_id"
        " JOIN partnerships p ON p.id = o.partnership_id"
        " WHERE o.kind = ? AND o.round_id = ? ORDER BY o.created_at, o.id",
        (REMINDER_KIND, round_id),
    ) as cur:
        return [
            ReminderRecord(
                partnership_id=row["partnership_id"],
                partnership=row["partnership"],
                contact_id=row["contact_id"],
                contact=row["contact"],
                slot=row["slot"],
                channel=row["channel"],
                recipient=row["recipient"],
                status=row["status"],
                created_at=parse_ts(row["created_at"]) or datetime.min,
                sent_at=parse_ts(row["sent_at"]),
            )
            for row in await cur.fetchall()
        ]


async def snoozes(conn: aiosqlite.Connection, round_id: int) -> dict[int, datetime]:
    async with conn.execute(
        "SELECT contact_id, until FROM reminder_snoozes WHERE round_id = ?", (round_id,)
    ) as cur:
        return {
            row["contact_id"]: parse_ts(row["until"]) or datetime.min
            for row in await cur.fetchall()
        }


async def set_snooze(
    conn: aiosqlite.Connection, contact_id: int, round_id: int, until: datetime, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO reminder_snoozes (contact_id, round_id, until, created_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (contact_id, round_id)"
        " DO UPDATE SET until = excluded.until, created_at = excluded.created_at",
        (contact_id, round_id, ts(until), ts(now)),
    )


async def add_flag(
    conn: aiosqlite.Connection, round_id: int, partnership_id: int, reminders: int, now: datetime
) -> bool:
    """Flag the partnership once per round; False if it was flagged already."""
    cur = await conn.execute(
        "INSERT INTO partnership_flags (round_id, partnership_id, reminders, flagged_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (round_id, partnership_id, reminders, ts(now)),
    )
    return cur.rowcount == 1


async def flags(conn: aiosqlite.Connection, round_id: int) -> list[Flag]:
    async with conn.execute(
        "SELECT f.partnership_id, p.name AS partnership, f.reminders, f.flagged_at,"
        " r.status, r.last_activity_at"
        " FROM partnership_flags f JOIN partnerships p ON p.id = f.partnership_id"
        " LEFT JOIN responses r ON r.round_id = f.round_id AND r.partnership_id = f.partnership_id"
        " WHERE f.round_id = ? ORDER BY p.name",
        (round_id,),
    ) as cur:
        return [
            Flag(
                partnership_id=row["partnership_id"],
                partnership=row["partnership"],
                reminders=row["reminders"],
                flagged_at=parse_ts(row["flagged_at"]) or datetime.min,
                status=Status(row["status"] or Status.NOT_STARTED),
                last_activity_at=parse_ts(row["last_activity_at"]),
            )
            for row in await cur.fetchall()
        ]
