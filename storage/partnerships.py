"""Partnerships and their contacts."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from storage.convert import parse_ts, ts
from storage.records import Address, Contact, Partnership


@dataclass(frozen=True, slots=True)
class ContactRow:
    """One validated line of a directory import."""

    partnership: str
    name: str
    email: str
    telegram_username: str | None
    preferred_channel: str | None = None


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
    c.preferred_channel
"""


def _contact(row: aiosqlite.Row, addresses: tuple[Address, ...]) -> Contact:
    return Contact(
        id=row["id"],
        partnership_id=row["partnership_id"],
        partnership=row["partnership"],
        name=row["name"],
        email=row["email"],
        telegram_username=row["telegram_username"],
        addresses=addresses,
        preferred_channel=row["preferred_channel"],
    )


def _address(row: aiosqlite.Row | dict[str, Any]) -> Address:
    return Address(
        channel=row["channel"],
        address=row["address"],
        account=row["account"],
        linked_at=parse_ts(row["linked_at"]),
        unreachable_at=parse_ts(row["unreachable_at"]),
    )


async def _with_addresses(
    conn: aiosqlite.Connection, rows: Iterable[aiosqlite.Row]
) -> list[Contact]:
    """The contacts of `rows`, each with its addresses (read in one query)."""
    rows = list(rows)
    found: dict[int, list[Address]] = {row["id"]: [] for row in rows}
    if found:
        async with conn.execute(
            "SELECT * FROM addresses WHERE contact_id IN (SELECT value FROM json_each(?))"
            " ORDER BY channel",
            (json.dumps(list(found)),),
        ) as cur:
            for row in await cur.fetchall():
                found[row["contact_id"]].append(_address(row))
    return [_contact(row, tuple(found[row["id"]])) for row in rows]


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
            "SELECT partnership_id, name, telegram_username, preferred_channel FROM contacts"
            " WHERE email = ?",
            (row.email,),
        ) as cur:
            existing = await cur.fetchone()
        if existing is None:
            cur = await conn.execute(
                "INSERT INTO contacts (partnership_id, name, email, telegram_username,"
                " preferred_channel, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    partnership_id,
                    row.name,
                    row.email,
                    row.telegram_username,
                    row.preferred_channel,
                    ts(now),
                ),
            )
            await conn.execute(
                "INSERT INTO addresses (contact_id, channel, account, address)"
                " VALUES (?, 'email', lower(?), ?)",
                (cur.lastrowid, row.email, row.email),
            )
            contacts_added += 1
        elif tuple(existing) != (
            partnership_id,
            row.name,
            row.telegram_username,
            row.preferred_channel,
        ):
            await conn.execute(
                "UPDATE contacts SET partnership_id = ?, name = ?, telegram_username = ?,"
                " preferred_channel = ? WHERE email = ?",
                (
                    partnership_id,
                    row.name,
                    row.telegram_username,
                    row.preferred_channel,
                    row.email,
                ),
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
        ("WHERE c.erased_at IS NULL", ())
        if partnership_id is None
        else (
            "WHERE c.erased_at IS NULL AND c.partnership_id = ?",
            (partnership_id,),
        )
    )
    async with conn.execute(
        f"SELECT {_CONTACT_COLUMNS} FROM contacts c JOIN partnerships p ON p.id = c.partnership_id"  # noqa: S608
        f" {where} ORDER BY p.name, c.name",
        params,
    ) as cur:
        rows = await cur.fetchall()
    return await _with_addresses(conn, rows)


async def contact_by_email(conn: aiosqlite.Connection, email: str) -> Contact | None:
    """The contact with this email address (never an erased one)."""
    return await _contact_where(conn, "c.email = ? AND c.erased_at IS NULL", email)


async def contact_by_id(conn: aiosqlite.Connection, contact_id: int) -> Contact | None:
    return await _contact_where(conn, "c.id = ?", contact_id)


async def contact_by_account(
    conn: aiosqlite.Connection, channel: str, account: str
) -> Contact | None:
    """The contact who linked this account (a Telegram user id) on `channel`."""
    return await _contact_where(
        conn,
        "c.id = (SELECT contact_id FROM addresses WHERE channel = ? AND account = ?)",
        channel,
        account,
    )


_ADDRESSES_JSON = """
    (SELECT json_group_array(json_object('channel', a.channel, 'address', a.address,
        'account', a.account, 'linked_at', a.linked_at, 'unreachable_at', a.unreachable_at))
     FROM addresses a WHERE a.contact_id = c.id) AS addresses_json
"""
"""A contact's addresses as one JSON column, so that one contact is one query (it is read
on every tap and reply)."""


async def _contact_where(
    conn: aiosqlite.Connection, condition: str, *values: object
) -> Contact | None:
    rows = await conn.execute_fetchall(
        f"SELECT {_CONTACT_COLUMNS}, {_ADDRESSES_JSON} FROM contacts c"  # noqa: S608
        f" JOIN partnerships p ON p.id = c.partnership_id WHERE {condition}",
        values,
    )
    for row in rows:
        return _contact_with_addresses(row)
    return None


def _contact_with_addresses(row: aiosqlite.Row) -> Contact:
    """A contact from a row with `_CONTACT_COLUMNS` and `_ADDRESSES_JSON`."""
    found = sorted(json.loads(row["addresses_json"]), key=lambda a: a["channel"])
    return _contact(row, tuple(_address(a) for a in found))


async def link_address(
    conn: aiosqlite.Connection,
    contact_id: int,
    channel: str,
    account: str,
    address: str,
    now: datetime,
) -> None:
    """Link an account on `channel` to a contact (taking it from any other contact first);
    the address is reachable again."""
    await conn.execute(
        "DELETE FROM addresses WHERE channel = ? AND account = ? AND contact_id != ?",
        (channel, account, contact_id),
    )
    await conn.execute(
        "INSERT INTO addresses (contact_id, channel, account, address, linked_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (contact_id, channel) DO UPDATE SET"
        " account = excluded.account, address = excluded.address,"
        " linked_at = excluded.linked_at, unreachable_at = NULL",
        (contact_id, channel, account, address, ts(now)),
    )


async def mark_unreachable(
    conn: aiosqlite.Connection, channel: str, address: str, now: datetime
) -> None:
    """Sending to this address failed for good (the bot was blocked there)."""
    await conn.execute(
        "UPDATE addresses SET unreachable_at = ? WHERE channel = ? AND address = ?"
        " AND unreachable_at IS NULL",
        (ts(now), channel, address),
    )


async def _one(cur: aiosqlite.Cursor) -> aiosqlite.Row:
    row = await cur.fetchone()
    if row is None:
        raise LookupError("expected a row")
    return row
