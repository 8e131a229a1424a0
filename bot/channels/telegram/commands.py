"""`auditbot invite`: the Telegram side of the command line."""

from __future__ import annotations

from typing import Annotated

import typer
from telegram.error import InvalidToken, NetworkError
from telegram.helpers import create_deep_linked_url

from bot.channels.telegram.app import start_error
from bot.channels.telegram.bots import make_bot
from bot.channels.telegram.name import CHANNEL
from bot.clock import Clock, system_clock
from bot.commands.common import UserError, out, run, settings, with_db
from bot.config import ConfigError, Settings
from bot.invites import IssuedInvite, issue_invites
from bot.texts import texts
from storage import Database, partnerships
from storage.records import Contact


def _t(key: str, **context: object) -> str:
    return texts().string(f"telegram.cli.{key}", **context)


async def bot_username(config: Settings) -> str:
    """The bot's username, from getMe on the configured Bot API server."""
    try:
        async with make_bot(config) as bot:
            return bot.username
    except ConfigError as exc:
        raise UserError(str(exc)) from None
    except (InvalidToken, NetworkError) as exc:
        raise UserError(str(start_error(config, exc))) from None


async def create_invite_links(
    config: Settings,
    db: Database,
    partnership: str | None,
    everyone: bool,
    clock: Clock = system_clock,
) -> list[tuple[IssuedInvite, str]]:
    """Invites for one partnership's contacts (or all), each with its deep link."""
    if (partnership is None) == (not everyone):
        raise UserError(_t("invite_choose"))
    async with db.read() as conn:
        if partnership is not None:
            found = await partnerships.partnership_by_name(conn, partnership)
            if found is None:
                raise UserError(_t("invite_unknown_partnership", name=partnership))
            contacts: list[Contact] = await partnerships.list_contacts(conn, found.id)
        else:
            contacts = await partnerships.list_contacts(conn)
    if not contacts:
        raise UserError(_t("invite_no_contacts"))
    username = await bot_username(config)
    issued = await issue_invites(db, contacts, CHANNEL, clock(), config.invite_ttl_days)
    return [(invite, create_deep_linked_url(username, invite.token)) for invite in issued]


def register(app: typer.Typer) -> None:
    """Add `invite` to the CLI."""

    @app.command("invite")
    def invite_command(
        partnership: Annotated[
            str | None, typer.Option("--partnership", help="Invite this partnership's contacts.")
        ] = None,
        everyone: Annotated[bool, typer.Option("--all", help="Invite every contact.")] = False,
    ) -> None:
        """Create single-use invite links (one per contact) to join the bot."""

        async def main() -> list[tuple[IssuedInvite, str]]:
            return await with_db(
                lambda config, db: create_invite_links(config, db, partnership, everyone)
            )

        links = run(main)
        for invite, link in links:
            contact = invite.contact
            out.print(
                _t(
                    "invite_line",
                    partnership=contact.partnership,
                    name=contact.name,
                    email=contact.email,
                    link=link,
                ),
                markup=False,
            )
        zone = settings().zone
        expires = (
            links[0][0]
            .expires_at.astimezone(zone)
            .strftime(texts().string("reports.format.datetime"))
        )
        out.print(_t("invite_footer", count=len(links), expires=expires), markup=False)
