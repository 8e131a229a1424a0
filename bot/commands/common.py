"""What every command shares: settings, the database, friendly errors."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from bot.config import ConfigError, Settings, load_settings
from bot.log_masking import install_log_masking, mask
from bot.texts import texts
from storage import Database, open_database
from storage.db import SharedDatabaseFile

T = TypeVar("T")
log = logging.getLogger(__name__)

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class UserError(Exception):
    """A problem the LA officer can fix; shown as one sentence, no traceback."""


def say(key: str, **context: Any) -> None:
    out.print(texts().string(f"cli.{key}", **context), markup=False)


def fail(key: str, **context: Any) -> NoReturn:
    raise UserError(texts().string(f"cli.{key}", **context))


def settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        raise UserError(str(exc)) from None


@asynccontextmanager
async def database(config: Settings) -> AsyncIterator[Database]:
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
    err.print(f"[red]Error:[/red] {escape(message)}")
    raise typer.Exit(1)


def run(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run an async command, turning known problems into one clear line and exit code 1."""
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
        exit_with(texts().string("cli.unexpected", problem=mask(f"{type(exc).__name__}: {exc}")))


def configure_logging(level: str) -> None:
    """Timestamped lines on stderr for the long-running bot; chatty libraries kept quiet
    (aiosqlite would log every statement with its values: people's answers); invite tokens
    and secrets masked."""
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
