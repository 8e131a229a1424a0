"""`auditbot run` with the Telegram channel's rate limiter opened wide (no overall or group
ceiling; retries kept), to measure the bot without it: python -m bench.run_bot.

Everything else is the real process: settings from the environment, the database, the
schedule and its outbox worker (`bot.runner`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.channels.registry import Wake
from bot.channels.telegram.app import build_application, start, stop
from bot.channels.telegram.deliver import TelegramDeliverer
from bot.channels.telegram.plugin import TelegramChannel
from bot.channels.telegram.rate_limiter import RetryingRateLimiter
from bot.clock import Clock
from bot.commands.common import configure_logging, database, settings
from bot.config import Settings
from bot.outbox import Deliverer
from bot.runner import run_until_stopped
from storage import Database


class WideOpenTelegram(TelegramChannel):
    @asynccontextmanager
    async def receiver(
        self, settings: Settings, db: Database, clock: Clock, wake: Wake
    ) -> AsyncIterator[Deliverer]:
        limiter = RetryingRateLimiter(overall_max_rate=0, group_max_rate=0)
        app = build_application(settings, db, clock=clock, rate_limiter=limiter, wake=wake)
        try:
            await start(app, settings)
            yield TelegramDeliverer(app.bot)
        finally:
            await stop(app)


async def main() -> None:
    config = settings()
    configure_logging(config.log_level)
    async with database(config) as db:
        await run_until_stopped(config, db, [WideOpenTelegram()])


if __name__ == "__main__":
    asyncio.run(main())
