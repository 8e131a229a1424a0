"""Audit rounds and the questionnaire versions they use."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import aiosqlite

from storage.convert import parse_date, parse_ts, ts
from storage.records import Answer, Round


def _round(row: aiosqlite.Row | Mapping[str, Any]) -> Round:
    opened_at = parse_ts(row["opened_at"])
    assert opened_at is not None
    return Round(
        id=row["id"],
        questionnaire_version=row["questionnaire_version"],
        opened_at=opened_at,
        deadline=parse_date(row["deadline"]),
        closed_at=parse_ts(row["closed_at"]),
        carries_from=row["carries_from"],
    )


async def save_questionnaire(
    conn: aiosqlite.Connection, version: str, source: str, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO questionnaires (version, source, created_at) VALUES (?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (version, source, ts(now)),
    )


async def questionnaire_source(conn: aiosqlite.Connection, version: str) -> str | None:
    async with conn.execute(
        "SELECT source FROM questionnaires WHERE version = ?", (version,)
    ) as cur:
        row = await cur.fetchone()
    return row["source"] if row else None


async def open_round(
    conn: aiosqlite.Connection,
    version: str,
    deadline: date,
    now: datetime,
    carries_from: int | None = None,
) -> Round:
    """Open a round and give every partnership an empty response in it; `carries_from`:
    the round whose answers it offers to confirm."""
    cur = await conn.execute(
        "INSERT INTO rounds (questionnaire_version, opened_at, deadline, carries_from)"
        " VALUES (?, ?, ?, ?)",
        (version, ts(now), deadline.isoformat(), carries_from),
    )
    found = await round_by_id(conn, cur.lastrowid or 0)
    assert found is not None
    await add_missing_responses(conn, found)
    return found


async def add_missing_responses(conn: aiosqlite.Connection, round_: Round) -> None:
    """Give every partnership without one an empty response in the round."""
    await conn.execute(
        "INSERT INTO responses (round_id, partnership_id, questionnaire_version)"
        " SELECT ?, id, ? FROM partnerships WHERE true ON CONFLICT DO NOTHING",
        (round_.id, round_.questionnaire_version),
    )


async def round_by_id(conn: aiosqlite.Connection, round_id: int) -> Round | None:
    async with conn.execute("SELECT * FROM rounds WHERE id = ?", (round_id,)) as cur:
        row = await cur.fetchone()
    return _round(row) if row else None


async def open_round_now(conn: aiosqlite.Connection) -> Round | None:
    async with conn.execute("SELECT * FROM rounds WHERE closed_at IS NULL") as cur:
        row = await cur.fetchone()
    return _round(row) if row else None


async def latest_round(conn: aiosqlite.Connection) -> Round | None:
    """The open round, or else the one closed last."""
    rows = await conn.execute_fetchall(
        "SELECT * FROM rounds ORDER BY closed_at IS NULL DESC, id DESC LIMIT 1"
    )
    for row in rows:
        return _round(row)
    return None


async def round_or_latest(conn: aiosqlite.Connection, round_id: int | None) -> Round | None:
    """Round `round_id`, or the latest (`latest_round`) when it is None."""
    return await (round_by_id(conn, round_id) if round_id else latest_round(conn))


async def set_deadline(conn: aiosqlite.Connection, round_id: int, deadline: date) -> None:
    await conn.execute(
        "UPDATE rounds SET deadline = ? WHERE id = ?", (deadline.isoformat(), round_id)
    )


async def close_round(conn: aiosqlite.Connection, round_id: int, now: datetime) -> None:
    await conn.execute(
        "UPDATE rounds SET closed_at = ? WHERE id = ? AND closed_at IS NULL", (ts(now), round_id)
    )


async def carried_answers(
    conn: aiosqlite.Connection, round_id: int, partnership_id: int
) -> tuple[str, dict[str, Answer]] | None:
    """The questionnaire version and answers of the partnership's response in `round_id`
    (the round a carry-forward round carries from); None if it had none."""
    rows = list(
        await conn.execute_fetchall(
            "SELECT s.questionnaire_version, a.question_id, a.value, a.note"
            " FROM responses s LEFT JOIN answers a ON a.response_id = s.id"
            " WHERE s.round_id = ? AND s.partnership_id = ?",
            (round_id, partnership_id),
        )
    )
    if not rows:
        return None
    found = {
        row["question_id"]: Answer(value=row["value"], note=row["note"])
        for row in rows
        if row["question_id"] is not None
    }
    return rows[0]["questionnaire_version"], found
