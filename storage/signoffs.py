"""Named sign-offs: who signed off each submission of a response, and as what."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import aiosqlite

from storage.convert import parse_ts, ts
from storage.records import SignOff

_COLUMNS = "response_id, name, role, attestation, signed_at, channel, contact_id"


def _signoff(row: aiosqlite.Row) -> SignOff:
    return SignOff(
        name=row["name"],
        role=row["role"],
        attestation=row["attestation"],
        signed_at=parse_ts(row["signed_at"]) or datetime.min,
        channel=row["channel"],
        contact_id=row["contact_id"],
    )


async def record(
    conn: aiosqlite.Connection,
    response_id: int,
    contact_id: int | None,
    signoff: SignOff,
) -> None:
    await conn.execute(
        "INSERT INTO signoffs (response_id, contact_id, name, role, attestation, channel,"
        " signed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            response_id,
            contact_id,
            signoff.name,
            signoff.role,
            signoff.attestation,
            signoff.channel,
            ts(signoff.signed_at),
        ),
    )


async def for_response(conn: aiosqlite.Connection, response_id: int) -> list[SignOff]:
    """Every sign-off of a response, oldest first."""
    async with conn.execute(
        f"SELECT {_COLUMNS} FROM signoffs WHERE response_id = ? ORDER BY id",  # noqa: S608 - constant
        (response_id,),
    ) as cur:
        return [_signoff(row) for row in await cur.fetchall()]


async def for_partnership(
    conn: aiosqlite.Connection, round_id: int, partnership_id: int
) -> list[SignOff]:
    """Every sign-off of a partnership's response in a round, oldest first."""
    async with conn.execute(
        f"SELECT {', '.join('g.' + c for c in _COLUMNS.split(', '))} FROM signoffs g"  # noqa: S608 - constant
        " JOIN responses s ON s.id = g.response_id"
        " WHERE s.round_id = ? AND s.partnership_id = ? ORDER BY g.id",
        (round_id, partnership_id),
    ) as cur:
        return [_signoff(row) for row in await cur.fetchall()]


async def latest(conn: aiosqlite.Connection, response_ids: Iterable[int]) -> dict[int, SignOff]:
    """The latest sign-off of each of these responses that has one, by response id."""
    ids = list(response_ids)
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    async with conn.execute(
        f"SELECT {_COLUMNS} FROM signoffs WHERE id IN"  # noqa: S608 - placeholders only
        f" (SELECT max(id) FROM signoffs WHERE response_id IN ({marks}) GROUP BY response_id)",
        ids,
    ) as cur:
        return {row["response_id"]: _signoff(row) for row in await cur.fetchall()}


async def anonymise(conn: aiosqlite.Connection, contact_id: int, former_name: str) -> int:
    """An erased contact's sign-offs keep their place, role and date, without their name."""
    cur = await conn.execute(
        "UPDATE signoffs SET name = ? WHERE contact_id = ?", (former_name, contact_id)
    )
    return cur.rowcount
