"""The Telegram channel as the process and the CLI see it (`registry.Channel`).

python-telegram-bot and the rest of the channel load when it first sends or receives: a
command that does neither (and `auditbot --help`) never imports them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING

from bot.channels.telegram.name import CHANNEL as NAME

if TYPE_CHECKING:
    import typer

    from bot.channels.registry import Wake
    from bot.clock import Clock
    from bot.config import Settings
    from bot.outbox import Deliverer
    from storage import Database
    from storage.records import Contact


class TelegramChannel:
    name = NAME

    def configured(self, settings: Settings) -> bool:
        return settings.telegram.complete

    @asynccontextmanager
    async def sender(self, settings: Settings) -> AsyncIterator[Deliverer]:
        from bot.channels.telegram.bots import make_bot
        from bot.channels.telegram.deliver import TelegramDeliverer

        async with make_bot(settings) as bot:
            yield TelegramDeliverer(bot)

    @asynccontextmanager
    async def receiver(
        self, settings: Settings, db: Database, clock: Clock, wake: Wake
    ) -> AsyncIterator[Deliverer]:
        from bot.channels.telegram.app import build_application, start, stop
        from bot.channels.telegram.deliver import TelegramDeliverer

        app = build_application(settings, db, clock=clock, wake=wake)
        try:
            await start(app, settings)
            yield TelegramDeliverer(app.bot)
        finally:
            await stop(app)

    async def invite_links(
        self, settings: Settings, db: Database, contacts: Sequence[Contact], now: datetime
    ) -> Mapping[int, str]:
        from bot.channels.telegram import commands

        return await commands.invite_links(settings, db, contacts, now)

    async def status_lines(self, settings: Settings) -> list[str]:
        return []

    def register_commands(self, app: typer.Typer) -> None:
        """Nothing of its own: `auditbot invite` asks every channel for its links."""


CHANNEL = TelegramChannel()
