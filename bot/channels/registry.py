"""The channels, as plug-ins: every sub-package of `bot.channels` with a `CHANNEL` is one.
The process, the scheduler and the CLI use them through this interface only, so a new
channel is one folder here plus its templates."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Protocol

import bot.channels

if TYPE_CHECKING:
    import typer

    from bot.clock import Clock
    from bot.config import Settings
    from bot.outbox import Deliverer
    from storage import Database
    from storage.records import Contact

Wake = Callable[[], None]
"""Ask the outbox worker to deliver now (after queueing something someone waits for)."""


class ChannelStartError(RuntimeError):
    """A channel cannot start (its server refuses the credentials, or cannot be reached);
    the message says why in one sentence."""


class Channel(Protocol):
    name: str

    def configured(self, settings: Settings) -> bool:
        """Whether its settings are complete, so that it can run here."""
        ...

    def sender(self, settings: Settings) -> AbstractAsyncContextManager[Deliverer]:
        """A deliverer for a one-off send from the command line."""
        ...

    def receiver(
        self, settings: Settings, db: Database, clock: Clock, wake: Wake
    ) -> AbstractAsyncContextManager[Deliverer]:
        """Receive and answer people until exited; gives the deliverer the process's outbox
        worker sends through."""
        ...

    async def invite_links(
        self, settings: Settings, db: Database, contacts: Sequence[Contact], now: datetime
    ) -> Mapping[int, str]:
        """A fresh personal link per contact (by id) to join in this channel; empty when
        the channel joins people another way."""
        ...

    async def status_lines(self, settings: Settings) -> list[str]:
        """What `auditbot status` should say about this channel (e.g. messages waiting for
        a person), one sentence each."""
        ...

    def register_commands(self, app: typer.Typer) -> None:
        """Add its own commands to the CLI."""
        ...


@cache
def available() -> tuple[Channel, ...]:
    """Every channel; cheap to call, since a channel's package and plug-in import nothing
    heavy (its client library loads when it first sends or receives), so `auditbot --help`
    lists every channel's commands without loading any of them."""
    found: list[Channel] = []
    for module in pkgutil.iter_modules(bot.channels.__path__):
        if module.ispkg:
            package = importlib.import_module(f"bot.channels.{module.name}")
            channel = getattr(package, "CHANNEL", None)
            if channel is not None:
                found.append(channel)
    return tuple(found)


def configured(settings: Settings) -> tuple[Channel, ...]:
    return tuple(channel for channel in available() if channel.configured(settings))


@asynccontextmanager
async def senders(settings: Settings) -> AsyncIterator[dict[str, Deliverer]]:
    """Deliverers of every configured channel, for a one-off send."""
    async with AsyncExitStack() as stack:
        yield {
            channel.name: await stack.enter_async_context(channel.sender(settings))
            for channel in configured(settings)
        }
