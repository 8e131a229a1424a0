"""Invites: a one-time secret per contact and channel that links their account there to them.

Only the SHA-256 of a token is stored, so a copy of the database cannot be used to join.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from storage import Database, invites, partnerships, updates
from storage.records import Contact

TOKEN_BYTES = 24
"""192 random bits; token_urlsafe gives 32 characters of the deep-link alphabet."""

TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_BAD_ATTEMPTS = 5
BAD_ATTEMPT_WINDOW = timedelta(hours=1)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedInvite:
    contact: Contact
    token: str
    expires_at: datetime


async def issue_invites(
    db: Database, contacts: list[Contact], channel: str, now: datetime, ttl_days: int
) -> list[IssuedInvite]:
    """One fresh invite per contact on `channel`, in one transaction; older unused ones on
    that channel stop working."""
    expires_at = now + timedelta(days=ttl_days)
    issued: list[IssuedInvite] = []
    async with db.transaction() as conn:
        for contact in contacts:
            token = new_token()
            await invites.create_invite(
                conn, contact.id, channel, hash_token(token), now, expires_at
            )
            issued.append(IssuedInvite(contact, token, expires_at))
    return issued


class Redeemed(StrEnum):
    LINKED = "linked"
    ALREADY_LINKED = "already_linked"
    DUPLICATE = "duplicate"
    INVALID = "invalid"
    EXPIRED = "expired"
    USED = "used"
    TOO_MANY = "too_many"


@dataclass(frozen=True, slots=True)
class Redemption:
    result: Redeemed
    contact: Contact | None = None


async def redeem(
    db: Database,
    channel: str,
    token: str,
    account: str,
    address: str,
    now: datetime,
    update_key: str | None = None,
) -> Redemption:
    """Link `account` on `channel` (reached at `address`) to the invite's contact, once;
    bad tokens are counted per account."""
    async with db.transaction() as conn:
        if update_key is not None and not await updates.mark_processed(
            conn, channel, f"{update_key}:link", now
        ):
            contact = await partnerships.contact_by_account(conn, channel, account)
            return Redemption(Redeemed.DUPLICATE, contact)
        since = now - BAD_ATTEMPT_WINDOW
        if await invites.bad_attempts_since(conn, channel, account, since) >= MAX_BAD_ATTEMPTS:
            return Redemption(Redeemed.TOO_MANY)
        invite = (
            await invites.invite_by_hash(conn, channel, hash_token(token))
            if TOKEN_PATTERN.match(token)
            else None
        )
        if invite is not None and invite.used_at is not None and invite.used_account == account:
            contact = await partnerships.contact_by_account(conn, channel, account)
            if contact is not None and contact.id == invite.contact_id:
                return Redemption(Redeemed.ALREADY_LINKED, contact)
        if invite is None:
            result = Redeemed.INVALID
        elif invite.used_at is not None:
            result = Redeemed.USED
        elif invite.expires_at <= now:
            result = Redeemed.EXPIRED
        else:
            await invites.mark_used(conn, invite.id, account, now)
            await partnerships.link_address(conn, invite.contact_id, channel, account, address, now)
            return Redemption(
                Redeemed.LINKED, await partnerships.contact_by_id(conn, invite.contact_id)
            )
        await invites.record_bad_attempt(conn, channel, account, now)
        return Redemption(result)
