"""Responses (one per partnership per round), their answers and the answer history."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

import aiosqlite

from storage.chain import GENESIS
from storage.convert import parse_ts, ts
from storage.db import on_thread
from storage.records import Answer, AnswerChange, Response, Status


def _response(row: aiosqlite.Row | Mapping[str, Any]) -> Response:
    return Response(
        id=row["id"],
        round_id=row["round_id"],
        partnership_id=row["partnership_id"],
        questionnaire_version=row["questionnaire_version"],
        status=Status(row["status"]),
        submitted_at=parse_ts(row["submitted_at"]),
        submitted_by=row["submitted_by"],
        amended_at=parse_ts(row["amended_at"]),
        last_activity_at=parse_ts(row["last_activity_at"]),
    )


HistoryRow = tuple[int, str, str | None, str | None, int, str, str]
"""response_id, question_id, value, note, contact_id, channel, changed_at."""

ANSWER_COLUMNS = (
    "a.question_id, a.value, a.note, a.contact_id, c.name AS contact_name, a.channel,"
    " a.answered_at, a.note_contact_id, n.name AS note_by, a.note_at"
)
ANSWER_JOINS = (
    " LEFT JOIN contacts c ON c.id = a.contact_id LEFT JOIN contacts n ON n.id = a.note_contact_id"
)
"""Select an answer `a` with who gave it and who wrote its note, for `answer_from_row`."""


def answer_from_row(row: aiosqlite.Row | Mapping[str, Any]) -> Answer:
    return Answer(
        value=row["value"],
        note=row["note"],
        contact_id=row["contact_id"],
        contact_name=row["contact_name"],
        channel=row["channel"],
        answered_at=parse_ts(row["answered_at"]),
        note_contact_id=row["note_contact_id"],
        note_by=row["note_by"],
        note_at=parse_ts(row["note_at"]),
    )


async def response_for(
    conn: aiosqlite.Connection, round_id: int, partnership_id: int, version: str
) -> Response:
    """The partnership's response in the round, created on first use."""
    return await on_thread(
        conn,
        partial(
            response_for_sync, round_id=round_id, partnership_id=partnership_id, version=version
        ),
    )


def response_for_sync(
    sql: sqlite3.Connection, round_id: int, partnership_id: int, version: str
) -> Response:
    """`response_for` on aiosqlite's thread (`storage.db.on_thread`); read first: it almost
    always exists, and reading is one statement where inserting would be a write."""
    select = "SELECT * FROM responses WHERE round_id = ? AND partnership_id = ?"
    for row in sql.execute(select, (round_id, partnership_id)).fetchall():
        return _response(row)
    sql.execute(
        "INSERT INTO responses (round_id, partnership_id, questionnaire_version)"
        " VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (round_id, partnership_id, version),
    )
    for row in sql.execute(select, (round_id, partnership_id)).fetchall():
        return _response(row)
    raise LookupError(f"no response for partnership {partnership_id} in round {round_id}")


async def responses_in_round(conn: aiosqlite.Connection, round_id: int) -> list[Response]:
    async with conn.execute(
        "SELECT r.* FROM responses r JOIN partnerships p ON p.id = r.partnership_id"
        " WHERE r.round_id = ? ORDER BY p.name",
        (round_id,),
    ) as cur:
        return [_response(row) for row in await cur.fetchall()]


async def answers(conn: aiosqlite.Connection, response_id: int) -> dict[str, Answer]:
    rows = await conn.execute_fetchall(
        f"SELECT {ANSWER_COLUMNS} FROM answers a {ANSWER_JOINS} WHERE a.response_id = ?",  # noqa: S608 - constants
        (response_id,),
    )
    return {row["question_id"]: answer_from_row(row) for row in rows}


def merged(
    before: Mapping[str, Answer],
    changes: Iterable[AnswerChange],
    contact_id: int,
    contact_name: str,
    channel: str,
    now: datetime,
) -> dict[str, Answer]:
    """The answers as `apply_changes` leaves them, without reading them back: the same
    rules as its upsert (an unchanged value keeps its author, channel and time; an unchanged
    note keeps its author and time; a removed note has no author)."""
    at = parse_ts(ts(now))
    result = dict(before)
    for change in changes:
        old = result.get(change.question_id)
        if old is not None and old.value == change.value:
            who, name, via, when = old.contact_id, old.contact_name, old.channel, old.answered_at
        else:
            who, name, via, when = contact_id, contact_name, channel, at
        if old is not None and old.note == change.note:
            note_id, note_by, note_at = old.note_contact_id, old.note_by, old.note_at
        elif change.note is None:
            note_id, note_by, note_at = None, None, None
        else:
            note_id, note_by, note_at = contact_id, contact_name, at
        result[change.question_id] = Answer(
            value=change.value,
            note=change.note,
            contact_id=who,
            contact_name=name,
            channel=via,
            answered_at=when,
            note_contact_id=note_id,
            note_by=note_by,
            note_at=note_at,
        )
    return result


async def apply_changes(
    conn: aiosqlite.Connection,
    response: Response,
    changes: Iterable[AnswerChange],
    contact_id: int,
    channel: str,
    now: datetime,
) -> int:
    """Record new answers and their history, in one round trip; returns how many were
    written (`apply_changes_sync`)."""
    return await on_thread(
        conn,
        partial(
            apply_changes_sync,
            response=response,
            changes=list(changes),
            contact_id=contact_id,
            channel=channel,
            now=now,
        ),
    )


def apply_changes_sync(
    sql: sqlite3.Connection,
    response: Response,
    changes: Iterable[AnswerChange],
    contact_id: int,
    channel: str,
    now: datetime,
) -> int:
    """Record new answers and their history; returns how many were written. On
    aiosqlite's thread (`storage.db.on_thread`).

    The answer and its note each keep their own author: whoever last changed that part.
    """
    rows: list[HistoryRow] = [
        (response.id, c.question_id, c.value, c.note, contact_id, channel, ts(now)) for c in changes
    ]
    if not rows:
        return 0
    sql.executemany(
        "INSERT INTO answers (response_id, question_id, value, note, contact_id, channel,"
        " answered_at, note_contact_id, note_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, iif(?4 IS NULL, NULL, ?5), iif(?4 IS NULL, NULL, ?7))"
        " ON CONFLICT (response_id, question_id) DO UPDATE SET"
        " contact_id = iif(value IS excluded.value, contact_id, excluded.contact_id),"
        " channel = iif(value IS excluded.value, channel, excluded.channel),"
        " answered_at = iif(value IS excluded.value, answered_at, excluded.answered_at),"
        " note_contact_id = iif(note IS excluded.note, note_contact_id, excluded.note_contact_id),"
        " note_at = iif(note IS excluded.note, note_at, excluded.note_at),"
        " value = excluded.value, note = excluded.note",
        rows,
    )
    # Each history row is linked to the response's previous one as it is inserted, by
    # SQLite with `chain_hash` (storage.chain): no round trip to read the last hash first.
    sql.executemany(
        "INSERT INTO answer_history (response_id, question_id, value, note, contact_id, channel,"
        " changed_at, prev_hash, row_hash)"
        " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, prev,"
        " chain_hash(prev, ?1, ?2, ?3, ?4, ?5, ?6, ?7)"  # chain.SQL_FUNCTION, history_fields
        " FROM (SELECT coalesce((SELECT row_hash FROM answer_history WHERE response_id = ?1"
        "  ORDER BY id DESC LIMIT 1), ?8) AS prev)",
        [(*row, GENESIS) for row in rows],
    )
    submitted = response.status is Status.SUBMITTED
    sql.execute(
        "UPDATE responses SET last_activity_at = ?1, history_head = (SELECT row_hash"
        "  FROM answer_history WHERE response_id = ?4 ORDER BY id DESC LIMIT 1),"
        " status = CASE status WHEN 'not_started' THEN 'in_progress' ELSE status END,"
        " amended_at = CASE WHEN ?2 THEN ?3 ELSE amended_at END WHERE id = ?4",
        (ts(now), submitted, ts(now), response.id),
    )
    return len(rows)


async def mark_submitted(
    conn: aiosqlite.Connection, response_id: int, contact_id: int, now: datetime
) -> None:
    await conn.execute(
        "UPDATE responses SET status = 'submitted', submitted_at = ?, submitted_by = ?,"
        " last_activity_at = ? WHERE id = ?",
        (ts(now), contact_id, ts(now), response_id),
    )


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    question_id: str
    value: str | None
    note: str | None
    contact_name: str | None
    channel: str
    changed_at: datetime


async def history(conn: aiosqlite.Connection, response_id: int) -> list[HistoryEntry]:
    """Every change to a response's answers, oldest first."""
    async with conn.execute(
        "SELECT h.question_id, h.value, h.note, c.name AS contact_name, h.channel, h.changed_at"
        " FROM answer_history h LEFT JOIN contacts c ON c.id = h.contact_id"
        " WHERE h.response_id = ? ORDER BY h.id",
        (response_id,),
    ) as cur:
        return [
            HistoryEntry(
                question_id=row["question_id"],
                value=row["value"],
                note=row["note"],
                contact_name=row["contact_name"],
                channel=row["channel"],
                changed_at=parse_ts(row["changed_at"]) or datetime.min,
            )
            for row in await cur.fetchall()
        ]


async def partnership_history(
    conn: aiosqlite.Connection, round_id: int, partnership_id: int
) -> list[HistoryEntry]:
    """Every change to a partnership's answers in a round (none if it never answered)."""
    async with conn.execute(
        "SELECT id FROM responses WHERE round_id = ? AND partnership_id = ?",
        (round_id, partnership_id),
    ) as cur:
        row = await cur.fetchone()
    return [] if row is None else await history(conn, row["id"])
