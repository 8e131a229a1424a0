"""What `auditbot verify` reads: the answer-history chains as stored, the schema's record of
migrations, the append-only triggers and SQLite's own integrity check."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from storage.chain import Field, history_fields

APPEND_ONLY_TRIGGERS = frozenset(
    {
        "answer_history_append_only_update",
        "answer_history_append_only_delete",
        "audit_log_append_only",
    }
)


@dataclass(frozen=True, slots=True)
class HistoryLink:
    """One answer-history row as stored, with where it belongs."""

    id: int
    response_id: int
    round_id: int
    partnership: str
    question_id: str
    changed_at: str
    fields: tuple[Field, ...]
    prev_hash: str
    row_hash: str


@dataclass(frozen=True, slots=True)
class Chain:
    """One response's history: its rows in order and the last hash the response recorded."""

    response_id: int
    round_id: int
    partnership: str
    head: str | None
    links: list[HistoryLink]


async def history_chains(conn: aiosqlite.Connection, round_id: int | None = None) -> list[Chain]:
    """Every response (of one round, or of all) that has history or records a last hash,
    with its rows in order."""
    chains: dict[int, Chain] = {}
    async with conn.execute(
        "SELECT s.id, s.round_id, p.name AS partnership, s.history_head FROM responses s"
        " JOIN partnerships p ON p.id = s.partnership_id"
        " WHERE (s.history_head IS NOT NULL"
        "    OR EXISTS (SELECT 1 FROM answer_history h WHERE h.response_id = s.id))"
        "   AND (:round IS NULL OR s.round_id = :round)"
        " ORDER BY s.round_id, p.name",
        {"round": round_id},
    ) as cur:
        for row in await cur.fetchall():
            chains[row["id"]] = Chain(
                row["id"], row["round_id"], row["partnership"], row["history_head"], []
            )
    async with conn.execute(
        "SELECT h.* FROM answer_history h"
        " WHERE :round IS NULL"
        "    OR h.response_id IN (SELECT s.id FROM responses s WHERE s.round_id = :round)"
        " ORDER BY h.response_id, h.id",
        {"round": round_id},
    ) as cur:
        async for row in cur:
            chain = chains.get(row["response_id"])
            if chain is None:  # a row whose response is gone: nothing to attach it to
                continue
            chain.links.append(
                HistoryLink(
                    id=row["id"],
                    response_id=row["response_id"],
                    round_id=chain.round_id,
                    partnership=chain.partnership,
                    question_id=row["question_id"],
                    changed_at=row["changed_at"],
                    fields=history_fields(
                        row["response_id"],
                        row["question_id"],
                        row["value"],
                        row["note"],
                        row["contact_id"],
                        row["channel"],
                        row["changed_at"],
                    ),
                    prev_hash=row["prev_hash"],
                    row_hash=row["row_hash"],
                )
            )
    return list(chains.values())


async def orphan_history(conn: aiosqlite.Connection) -> int:
    """History rows whose response no longer exists."""
    async with conn.execute(
        "SELECT count(*) FROM answer_history h"
        " WHERE NOT EXISTS (SELECT 1 FROM responses s WHERE s.id = h.response_id)"
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def schema_versions(conn: aiosqlite.Connection) -> list[int]:
    """The migrations the database records as applied, in order."""
    async with conn.execute("SELECT version FROM schema_version ORDER BY version") as cur:
        return [int(row[0]) for row in await cur.fetchall()]


async def triggers(conn: aiosqlite.Connection) -> set[str]:
    async with conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'") as cur:
        return {row[0] for row in await cur.fetchall()}


async def integrity_problems(conn: aiosqlite.Connection) -> list[str]:
    """SQLite's own check of the file (pages, indexes), in its words; empty when all is well."""
    async with conn.execute("PRAGMA integrity_check") as cur:
        found = [str(row[0]) for row in await cur.fetchall()]
    return [] if found == ["ok"] else found


@dataclass(frozen=True, slots=True)
class DanglingReference:
    table: str
    rowid: int | None
    refers_to: str


async def dangling_references(conn: aiosqlite.Connection) -> list[DanglingReference]:
    """Rows that refer to a row of another table that is not there."""
    async with conn.execute("PRAGMA foreign_key_check") as cur:
        return [DanglingReference(row[0], row[1], row[2]) for row in await cur.fetchall()]


async def tables(conn: aiosqlite.Connection) -> list[str]:
    """Every table of the schema (for the record of processing)."""
    async with conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name"
    ) as cur:
        return [row[0] for row in await cur.fetchall()]
