"""The bot's profile texts: the description people see in an empty chat before they press
Start ("What can this bot do?"), and the short description on its profile page and when it
is shared. Set at start-up from the templates, each only when Telegram has something else,
so that restarts do not call the API for nothing."""

from __future__ import annotations

import logging

from telegram import Bot

from bot.config import Settings
from bot.texts import texts

log = logging.getLogger(__name__)

MAX_DESCRIPTION = 512
MAX_SHORT_DESCRIPTION = 120
"""Telegram's limits (setMyDescription, setMyShortDescription)."""


def description(settings: Settings) -> str:
    text = texts().string(
        "about.telegram.description",
        name=settings.la_contact_name,
        email=settings.la_contact_email,
    )
    return text[:MAX_DESCRIPTION]


def short_description(settings: Settings) -> str:
    return texts().string("about.telegram.short_description")[:MAX_SHORT_DESCRIPTION]


async def update_profile(bot: Bot, settings: Settings) -> list[str]:
    """Set what differs from the templates; returns what was set ("description",
    "short description"), for the log and the tests."""
    changed: list[str] = []
    wanted = description(settings)
    if (await bot.get_my_description()).description != wanted:
        await bot.set_my_description(description=wanted)
        changed.append("description")
    wanted_short = short_description(settings)
    if (await bot.get_my_short_description()).short_description != wanted_short:
        await bot.set_my_short_description(short_description=wanted_short)
        changed.append("short description")
    if changed:
        log.info("set the bot's %s", " and ".join(changed))
    return changed
