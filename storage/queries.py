"""The LA's questions back to a partnership about one answer ("queries"), and their replies."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.convert import parse_ts, ts


@dataclass(frozen=True, slots=True)
class NewQuery:
    round_id: int
    partnership_id: int
    question_id: str
    comment: str
    asked_by: str
    """Who asked: "telegram:<user id>", or the CLI's actor."""
    asked_value: str | None
    asked_note: str | None
    notify: tuple[str, ...]
    """Who in the LA hears of the reply, as "channel:address"."""


@dataclass(frozen=True, slots=True)
class Query:
    id: int
    round_id: int
    partnership_id: int
    partnership: str
    question_id: str
    comment: str
    asked_by: str
    asked_at: datetime
    asked_value: str | None
    asked_note: str | None
    notify: tuple[str, ...]
    answered_at: datetime | None = None
    answered_by: int | None = None
    answered_by_name: str | None = None
    answered_channel: str | None = None
    answer_value: str | None = None
    answer_note: str | None = None

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


_SELECT = (
    "SELECT q.*, p.name AS partnership, c.name AS answered_by_name FROM queries q"
    " JOIN partnerships p ON p.id = q.partnership_id"
    " LEFT JOIN contacts c ON c.id = q.answered_by"
)


def _query(row: aiosqlite.Row) -> Query:
    asked_at = parse_ts(row["asked_at"])
    assert asked_at is not None
    return Query(
        id=row["id"],
        round_id=row["round_id"],
        partnership_id=row["partnership_id"],
        partnership=row["partnership"],
        question_id=row["question_id"],
        comment=row["comment"],
        asked_by=row["asked_by"],
        asked_at=asked_at,
        asked_value=row["asked_value"],
        asked_note=row["asked_note"],
        notify=tuple(json.loads(row["notify"])),
        answered_at=parse_ts(row["answered_at"]),
        answered_by=row["answered_by"],
        answered_by_name=row["answered_by_name"],
        answered_channel=row["answered_channel"],
        answer_value=row["answer_value"],
        answer_note=row["answer_note"],
    )


async def add(conn: aiosqlite.Connection, query: NewQuery, now: datetime) -> int:
    """Record a new query; returns its id."""
    cur = await conn.execute(
        "INSERT INTO queries (round_id, partnership_id, question_id, comment, asked_by,"
        " asked_at, asked_value, asked_note, notify) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            query.round_id,
            query.partnership_id,
            query.question_id,
            query.comment,
            query.asked_by,
            ts(now),
            query.asked_value,
            query.asked_note,
            json.dumps(list(query.notify)),
        ),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def in_round(
    conn: aiosqlite.Connection, round_id: int, only_open: bool = False
) -> list[Query]:
    """The round's queries, oldest first."""
    where = " WHERE q.round_id = ?" + (" AND q.answered_at IS NULL" if only_open else "")
    async with conn.execute(f"{_SELECT}{where} ORDER BY q.id", (round_id,)) as cur:
        return [_query(row) for row in await cur.fetchall()]


async def by_id(conn: aiosqlite.Connection, query_id: int) -> Query | None:
    async with conn.execute(f"{_SELECT} WHERE q.id = ?", (query_id,)) as cur:
        row = await cur.fetchone()
    return _query(row) if row is not None else None


async def open_on(
    conn: aiosqlite.Connection, round_id: int, partnership_id: int, question_ids: Iterable[str]
) -> list[Query]:
    """The open queries on these questions of a partnership's response, oldest first."""
    wanted: Sequence[str] = list(question_ids)
    if not wanted:
        return []
    marks = ", ".join("?" * len(wanted))
    sql = (
        f"{_SELECT} WHERE q.round_id = ? AND q.partnership_id = ? AND q.answered_at IS NULL"
        f" AND q.question_id IN ({marks}) ORDER BY q.id"
    )
    async with conn.execute(sql, (round_id, partnership_id, *wanted)) as cur:
        return [_query(row) for row in await cur.fetchall()]


async def count_open(conn: aiosqlite.Connection, round_id: int) -> int:
    async with conn.execute(
        "SELECT count(*) FROM queries WHERE round_id = ? AND answered_at IS NULL", (round_id,)
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row is not None else 0


async def mark_answered(
    conn: aiosqlite.Connection,
    query_id: int,
    contact_id: int,
    channel: str,
    value: str | None,
    note: str | None,
    now: datetime,
) -> bool:
    """Record the partnership's reply to an open query; False if it was already answered."""
    cur = await conn.execute(
        "UPDATE queries SET answered_at = ?, answered_by = ?, answered_channel = ?,"
        " answer_value = ?, answer_note = ? WHERE id = ? AND answered_at IS NULL",
        (ts(now), contact_id, channel, value, note, query_id),
    )
    return cur.rowcount > 0
