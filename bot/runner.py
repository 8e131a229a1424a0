"""The process: every configured channel receiving, and one schedule (reminders, LA
summaries, one outbox worker sending through all of them), until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence
from contextlib import AsyncExitStack

from bot.channels.registry import Channel, Wake
from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.outbox import Deliverer
from bot.scheduler import build_scheduler
from storage import Database

log = logging.getLogger(__name__)


async def serve(
    settings: Settings,
    db: Database,
    stop: asyncio.Event,
    channels: Sequence[Channel],
    clock: Clock = system_clock,
) -> None:
    """Run until `stop` is set; the schedule stops (leaving unsent messages queued) before
    the channels do."""
    wakers: list[Wake] = []
    async with AsyncExitStack() as running:
        deliverers: dict[str, Deliverer] = {}
        for channel in channels:
            deliverers[channel.name] = await running.enter_async_context(
                channel.receiver(settings, db, clock, lambda: _wake(wakers))
            )
        log.info("running with: %s", ", ".join(deliverers))
        schedule = build_scheduler(settings, db, deliverers, clock)
        wakers.append(schedule.wake)
        schedule.start()
        try:
            await stop.wait()
        finally:
            await schedule.stop()


def _wake(wakers: list[Wake]) -> None:
    for wake in wakers:
        wake()


async def run_until_stopped(settings: Settings, db: Database, channels: Sequence[Channel]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve(settings, db, stop, channels)
