"""`auditbot invite`: a personal, single-use link per contact for every channel that has
links (Telegram), printed for the officer to pass on, or sent by email with how to answer
by email instead."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from bot.clock import Clock, system_clock
from bot.commands.common import UserError, out, run, with_db
from bot.commands.outbox import deliver_now

if TYPE_CHECKING:
    from bot.config import Settings
    from storage import Database
    from storage.records import Contact

EMAIL = "email"


def _t(key: str, **context: object) -> str:
    from bot.texts import texts

    return texts().string(f"cli.invite.{key}", **context)


@dataclass(frozen=True, slots=True)
class Invitations:
    contacts: Sequence[Contact]
    links: Mapping[int, Mapping[str, str]]
    """contact id -> channel -> that contact's link."""
    expires_at: datetime


async def create_invites(
    config: Settings,
    db: Database,
    partnership: str | None,
    everyone: bool,
    clock: Clock = system_clock,
) -> Invitations:
    """Fresh links for one partnership's contacts (or all) in every configured channel."""
    from bot.channels import registry
    from storage import partnerships

    if (partnership is None) == (not everyone):
        raise UserError(_t("choose"))
    async with db.read() as conn:
        if partnership is not None:
            found = await partnerships.partnership_by_name(conn, partnership)
            if found is None:
                raise UserError(_t("unknown_partnership", name=partnership))
            contacts = await partnerships.list_contacts(conn, found.id)
        else:
            contacts = await partnerships.list_contacts(conn)
    if not contacts:
        raise UserError(_t("no_contacts"))
    now = clock()
    links: dict[int, dict[str, str]] = {c.id: {} for c in contacts}
    for channel in registry.configured(config):
        for contact_id, link in (await channel.invite_links(config, db, contacts, now)).items():
            links[contact_id][channel.name] = link
    return Invitations(contacts, links, now + timedelta(days=config.invite_ttl_days))


async def queue_invitation_emails(db: Database, invitations: Invitations, now: datetime) -> int:
    """One invitation email per contact (their links, and how to answer by email)."""
    from bot.notices import Notice
    from storage import outbox, rounds
    from storage.outbox import NewMessage

    async with db.transaction() as conn:
        current = await rounds.latest_round(conn)
        open_round = current if current is not None and current.is_open else None
        for contact in invitations.contacts:
            address = contact.address(EMAIL)
            notice = Notice(
                "invite",
                {
                    "contact_name": contact.name,
                    "partnership": contact.partnership,
                    "links": dict(invitations.links[contact.id]),
                    "expires": invitations.expires_at.date().isoformat(),
                    "deadline": open_round.deadline.isoformat() if open_round else None,
                },
            )
            await outbox.enqueue(
                conn,
                NewMessage(
                    dedupe_key=f"invite:{contact.id}:{now.isoformat()}",
                    channel=EMAIL,
                    recipient=address.address if address else contact.email,
                    kind="invite",
                    payload=notice.to_payload(),
                    round_id=open_round.id if open_round else None,
                    partnership_id=contact.partnership_id,
                    contact_id=contact.id,
                ),
                now,
            )
    return len(invitations.contacts)


def register(app: typer.Typer) -> None:
    @app.command("invite")
    def invite_command(
        partnership: Annotated[
            str | None, typer.Option("--partnership", help="Invite this partnership's contacts.")
        ] = None,
        everyone: Annotated[bool, typer.Option("--all", help="Invite every contact.")] = False,
        by_email: Annotated[
            bool,
            typer.Option(
                "--email",
                help="Email each contact their invitation (and how to "
                "answer by email) instead of printing the links.",
            ),
        ] = False,
    ) -> None:
        """Create single-use invite links (one per contact), printed or sent by email."""

        async def main(config: Settings, db: Database) -> str:
            from bot.texts import texts

            email_ready = config.email.sending
            if by_email and not email_ready:
                raise UserError(_t("email_not_set_up"))
            if not by_email and not config.telegram.complete:
                raise UserError(_t("no_links"))
            invitations = await create_invites(config, db, partnership, everyone)
            zone = config.zone
            expires = invitations.expires_at.astimezone(zone).strftime(
                texts().string("reports.format.datetime")
            )
            if not by_email:
                for contact in invitations.contacts:
                    for link in invitations.links[contact.id].values():
                        out.print(
                            _t(
                                "line",
                                partnership=contact.partnership,
                                name=contact.name,
                                email=contact.email,
                                link=link,
                            ),
                            markup=False,
                        )
                return _t("footer", count=len(invitations.contacts), expires=expires)
            queued = await queue_invitation_emails(db, invitations, system_clock())
            drained = await deliver_now(config, db)
            return _t(
                "emailed",
                count=queued,
                sent=drained.sent if drained else 0,
                waiting=queued - (drained.sent if drained else 0),
            )

        out.print(run(lambda: with_db(main)), markup=False)
