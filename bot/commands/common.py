"""What every command shares: settings, the database, friendly errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from bot.config import ConfigError, Settings, load_settings
from bot.texts import texts
from storage import Database, open_database

T = TypeVar("T")

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
    db = await open_database(config.db)
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


async def with_db(work: Callable[[Settings, Database], Awaitable[T]]) -> T:
    config = settings()
    async with database(config) as db:
        return await work(config, db)
