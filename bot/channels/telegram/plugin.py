"""The Telegram channel as the process and the CLI see it (`registry.Channel`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime

import typer

from bot.channels.registry import Wake
from bot.channels.telegram import commands
from bot.channels.telegram.app import build_application, start, stop
from bot.channels.telegram.bots import make_bot
from bot.channels.telegram.deliver import TelegramDeliverer
from bot.channels.telegram.name import CHANNEL as NAME
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
        async with make_bot(settings) as bot:
            yield TelegramDeliverer(bot)

    @asynccontextmanager
    async def receiver(
        self, settings: Settings, db: Database, clock: Clock, wake: Wake
    ) -> AsyncIterator[Deliverer]:
        app = build_application(settings, db, clock=clock, wake=wake)
        try:
            await start(app, settings)
            yield TelegramDeliverer(app.bot)
        finally:
            await stop(app)

    async def invite_links(
        self, settings: Settings, db: Database, contacts: Sequence[Contact], now: datetime
    ) -> Mapping[int, str]:
        return await commands.invite_links(settings, db, contacts, now)

    async def status_lines(self, settings: Settings) -> list[str]:
        return []

    def register_commands(self, app: typer.Typer) -> None:
        """Nothing of its own: `auditbot invite` asks every channel for its links."""


CHANNEL = TelegramChannel()
