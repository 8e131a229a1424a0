"""The Telegram side of the command line: the bot's name and invite links."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from telegram.error import InvalidToken, NetworkError
from telegram.helpers import create_deep_linked_url

from bot.channels.telegram.app import start_error
from bot.channels.telegram.bots import make_bot
from bot.channels.telegram.name import CHANNEL
from bot.commands.common import UserError
from bot.config import ConfigError, Settings
from bot.invites import issue_invites
from storage import Database
from storage.records import Contact


async def bot_username(config: Settings) -> str:
    """The bot's username, from getMe on the configured Bot API server."""
    try:
        async with make_bot(config) as bot:
            return bot.username
    except ConfigError as exc:
        raise UserError(str(exc)) from None
    except (InvalidToken, NetworkError) as exc:
        raise UserError(str(start_error(config, exc))) from None


async def invite_links(
    config: Settings, db: Database, contacts: Sequence[Contact], now: datetime
) -> dict[int, str]:
    """A fresh single-use deep link per contact (older unused ones stop working)."""
    username = await bot_username(config)
    issued = await issue_invites(db, list(contacts), CHANNEL, now, config.invite_ttl_days)
    return {invite.contact.id: create_deep_linked_url(username, invite.token) for invite in issued}
