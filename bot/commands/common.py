"""What every command shares: settings, the database, friendly errors."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from functools import cache
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from bot.config import Settings
    from storage import Database

T = TypeVar("T")
log = logging.getLogger(__name__)


@cache
def _console(stderr: bool) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


class _Output:
    """Standard output or error through rich, made on first use: `auditbot --help` and the
    commands that print nothing never import rich's console."""

    def __init__(self, *, stderr: bool) -> None:
        self._stderr = stderr

    def print(self, *objects: Any, **options: Any) -> None:
        _console(self._stderr).print(*objects, **options)


out = _Output(stderr=False)
err = _Output(stderr=True)


class UserError(Exception):
    """A problem the LA officer can fix; shown as one sentence, no traceback."""


def say(key: str, **context: Any) -> None:
    from bot.texts import texts

    out.print(texts().string(f"cli.{key}", **context), markup=False)


def fail(key: str, **context: Any) -> NoReturn:
    from bot.texts import texts

    raise UserError(texts().string(f"cli.{key}", **context))


def settings() -> Settings:
    from bot.config import ConfigError, load_settings

    try:
        return load_settings()
    except ConfigError as exc:
        raise UserError(str(exc)) from None


@asynccontextmanager
async def database(config: Settings) -> AsyncIterator[Database]:
    import sqlite3

    from storage import open_database
    from storage.db import SharedDatabaseFile

    try:
        db = await open_database(config.db, allow_shared=config.db_allow_shared)
    except SharedDatabaseFile as exc:
        fail("db_shared", path=exc.path, mode=f"{exc.mode:o}")
    except (OSError, sqlite3.Error) as exc:
        fail("cannot_open_db", path=config.db, reason=exc)
    try:
        yield db
    finally:
        await db.close()


def exit_with(message: str) -> NoReturn:
    from rich.markup import escape

    err.print(f"[red]Error:[/red] {escape(message)}")
    raise typer.Exit(1)


def run(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run an async command, turning known problems into one clear line and exit code 1."""
    import asyncio  # here, not above: it loads ssl and sockets, which `--help` does not need

    try:
        return asyncio.run(main())
    except UserError as exc:
        exit_with(str(exc))
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except Exception as exc:
        if os.environ.get("AUDITBOT_DEBUG"):
            raise
        log.debug("unexpected error", exc_info=True)
        from bot.log_masking import mask
        from bot.texts import texts

        exit_with(texts().string("cli.unexpected", problem=mask(f"{type(exc).__name__}: {exc}")))


def configure_logging(level: str) -> None:
    """Timestamped lines on stderr for the long-running bot; chatty libraries kept quiet
    (aiosqlite would log every statement with its values: people's answers); invite tokens
    and secrets masked."""
    from bot.log_masking import install_log_masking

    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=level.upper()
    )
    install_log_masking()
    for noisy in ("httpx", "apscheduler", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


async def with_db(work: Callable[[Settings, Database], Awaitable[T]]) -> T:
    config = settings()
    async with database(config) as db:
        return await work(config, db)
