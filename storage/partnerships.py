"""Partnerships and their contacts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.convert import parse_ts, ts
from storage.records import Contact, Partnership


@dataclass(frozen=True, slots=True)
class ContactRow:
    """One validated line of a directory import."""

    partnership: str
    name: str
    email: str
    telegram_username: str | None


@dataclass(frozen=True, slots=True)
class ImportResult:
    partnerships_added: int
    contacts_added: int
    contacts_updated: int

    @property
    def changed(self) -> bool:
        return bool(self.partnerships_added or self.contacts_added or self.contacts_updated)


_CONTACT_COLUMNS = """
    c.id, c.partnership_id, p.name AS partnership, c.name, c.email, c.telegram_username,
    c.telegram_user_id, c.telegram_chat_id, c.unreachable_at
"""


def _contact(row: aiosqlite.Row) -> Contact:
    return Contact(
        id=row["id"],
        partnership_id=row["partnership_id"],
        partnership=row["partnership"],
        name=row["name"],
        email=row["email"],
        telegram_username=row["telegram_username"],
        telegram_user_id=row["telegram_user_id"],
        telegram_chat_id=row["telegram_chat_id"],
        unreachable_at=parse_ts(row["unreachable_at"]),
    )


async def import_contacts(
    conn: aiosqlite.Connection, rows: Iterable[ContactRow], now: datetime
) -> ImportResult:
    """Add or update partnerships and contacts; re-importing the same rows changes nothing."""
    partnerships_added = contacts_added = contacts_updated = 0
    for row in rows:
        cur = await conn.execute(
            "INSERT INTO partnerships (name, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (row.partnership, ts(now)),
        )
        partnerships_added += cur.rowcount
        async with conn.execute(
            "SELECT id FROM partnerships WHERE name = ?", (row.partnership,)
        ) as cur:
            (partnership_id,) = await _one(cur)
        async with conn.execute(
            "SELECT partnership_id, name, telegram_username FROM contacts WHERE email = ?",
            (row.email,),
        ) as cur:
            existing = await cur.fetchone()
        if existing is None:
            await conn.execute(
                "INSERT INTO contacts (partnership_id, name, email, telegram_username, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (partnership_id, row.name, row.email, row.telegram_username, ts(now)),
            )
            contacts_added += 1
        elif tuple(existing) != (partnership_id, row.name, row.telegram_username):
            await conn.execute(
                "UPDATE contacts SET partnership_id = ?, name = ?, telegram_username = ?"
                " WHERE email = ?",
                (partnership_id, row.name, row.telegram_username, row.email),
            )
            contacts_updated += 1
    return ImportResult(partnerships_added, contacts_added, contacts_updated)


async def list_partnerships(conn: aiosqlite.Connection) -> list[Partnership]:
    async with conn.execute("SELECT id, name FROM partnerships ORDER BY name") as cur:
        return [Partnership(row["id"], row["name"]) for row in await cur.fetchall()]


async def partnership_by_name(conn: aiosqlite.Connection, name: str) -> Partnership | None:
    async with conn.execute("SELECT id, name FROM partnerships WHERE name = ?", (name,)) as cur:
        row = await cur.fetchone()
    return Partnership(row["id"], row["name"]) if row else None


async def list_contacts(
    conn: aiosqlite.Connection, partnership_id: int | None = None
) -> list[Contact]:
    where, params = (
        ("", ())
        if partnership_id is None
        else (
            "WHERE c.partnership_id = ?",
            (partnership_id,),
        )
    )
    async with conn.execute(
        f"SELECT {_CONTACT_COLUMNS} FROM contacts c JOIN partnerships p ON p.id = c.partnership_id"  # noqa: S608
        f" {where} ORDER BY p.name, c.name",
        params,
    ) as cur:
        return [_contact(row) for row in await cur.fetchall()]


async def contact_by_email(conn: aiosqlite.Connection, email: str) -> Contact | None:
    return await _contact_where(conn, "c.email = ?", email)


async def contact_by_id(conn: aiosqlite.Connection, contact_id: int) -> Contact | None:
    return await _contact_where(conn, "c.id = ?", contact_id)


async def contact_by_telegram_id(conn: aiosqlite.Connection, user_id: int) -> Contact | None:
    return await _contact_where(conn, "c.telegram_user_id = ?", user_id)


async def _contact_where(
    conn: aiosqlite.Connection, condition: str, value: object
) -> Contact | None:
    async with conn.execute(
        f"SELECT {_CONTACT_COLUMNS} FROM contacts c"  # noqa: S608
        f" JOIN partnerships p ON p.id = c.partnership_id WHERE {condition}",
        (value,),
    ) as cur:
        row = await cur.fetchone()
    return _contact(row) if row else None


async def link_telegram(
    conn: aiosqlite.Connection, contact_id: int, user_id: int, chat_id: int
) -> None:
    """Link a Telegram account to a contact, unlinking it from any other contact first."""
    await conn.execute(
        "UPDATE contacts SET telegram_user_id = NULL, telegram_chat_id = NULL"
        " WHERE telegram_user_id = ? AND id != ?",
        (user_id, contact_id),
    )
    await conn.execute(
        "UPDATE contacts SET telegram_user_id = ?, telegram_chat_id = ?, unreachable_at = NULL"
        " WHERE id = ?",
        (user_id, chat_id, contact_id),
    )


async def mark_unreachable(conn: aiosqlite.Connection, contact_id: int, now: datetime) -> None:
    await conn.execute("UPDATE contacts SET unreachable_at = ? WHERE id = ?", (ts(now), contact_id))


async def mark_chat_unreachable(conn: aiosqlite.Connection, chat_id: int, now: datetime) -> None:
    """A Telegram chat blocked the bot: the contacts using it cannot be reached there."""
    await conn.execute(
        "UPDATE contacts SET unreachable_at = ? WHERE telegram_chat_id = ?"
        " AND unreachable_at IS NULL",
        (ts(now), chat_id),
    )


async def _one(cur: aiosqlite.Cursor) -> aiosqlite.Row:
    row = await cur.fetchone()
    if row is None:
        raise LookupError("expected a row")
    return row
