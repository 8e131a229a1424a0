"""Who did what, and when: the audit log's writers.

Every `auditbot` command that reads or changes the audit's data is recorded when it ends,
with the time it started, who ran it (AUDITBOT_OPERATOR, else the system user), its
options and whether it succeeded. An email address given as an option is recorded as the
contact's number, never as the address. The stewardship commands record themselves, with
what they did; admin commands in a chat channel call `record` with the admin's account.
"""

from __future__ import annotations

import functools
import getpass
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from bot.clock import Clock, system_clock

if TYPE_CHECKING:
    from bot.config import Settings
    from storage import Database

# The settings and the database are imported where they are used: installing the trail on
# the command line must not slow `auditbot --help`.

log = logging.getLogger(__name__)

OK = "ok"
FAILED = "failed"
UNLOGGED = frozenset({"health", "demo", "questionnaire check", "questionnaire show", "privacy"})
"""Commands that touch no personal data (the health check runs every minute)."""
MAX_VALUE = 200


def cli_actor(settings: Settings | None = None) -> str:
    """Who is running this command: AUDITBOT_OPERATOR, else the system user."""
    name = settings.operator if settings is not None and settings.operator else None
    if name is None:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):  # a uid without a passwd entry, as in some containers
            name = "unknown"
    return f"cli:{name}"


async def record(
    db: Database,
    actor: str,
    action: str,
    detail: str = "",
    *,
    outcome: str = OK,
    contact_id: int | None = None,
    at: datetime | None = None,
    clock: Clock = system_clock,
) -> None:
    """Add one entry to the audit log, in its own transaction."""
    from storage import audit_log

    async with db.transaction() as conn:
        await audit_log.append(conn, at or clock(), actor, action, detail, outcome, contact_id)


# --- the command line ------------------------------------------------------------------


@dataclass
class _Invocation:
    """The command being run, as the wrapped callbacks see it."""

    started: datetime
    path: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    outcome: str = FAILED


def install(app: typer.Typer, self_logged: frozenset[str], clock: Clock = system_clock) -> None:
    """Record every command `app` runs (but `UNLOGGED` and `self_logged`, named by path such
    as "contact erase") in the audit log when it ends."""

    @app.callback()
    def record_commands(ctx: typer.Context) -> None:
        invocation = _Invocation(clock())
        _wrap(ctx.command, (), invocation, UNLOGGED | self_logged)
        ctx.call_on_close(lambda: _write(invocation))


def _wrap(
    group: Any, prefix: tuple[str, ...], invocation: _Invocation, skip: frozenset[str]
) -> None:
    """Wrap the callback of every command under `group` (the click objects typer built) so
    that running it notes its path, options and outcome in `invocation`."""
    for name, command in getattr(group, "commands", {}).items():
        path = (*prefix, name)
        if " ".join(path) in skip:
            continue
        if command.callback is not None:
            command.callback = _noting(command.callback, " ".join(path), invocation)
        _wrap(command, path, invocation, skip)


def _noting(callback: Callable[..., Any], path: str, invocation: _Invocation) -> Callable[..., Any]:
    @functools.wraps(callback)
    def noted(*args: Any, **options: Any) -> Any:
        # a group's own callback runs first, then its command's: the last one noted is it
        invocation.path, invocation.options, invocation.outcome = path, options, FAILED
        try:
            result = callback(*args, **options)
        except typer.Exit as stop:
            invocation.outcome = OK if stop.exit_code == 0 else FAILED
            raise
        invocation.outcome = OK
        return result

    return noted


def _write(invocation: _Invocation) -> None:
    """Record the command; never in the way of it (a database that cannot be opened has
    already been reported by the command itself)."""
    if invocation.path is None:
        return
    import asyncio

    from bot.config import ConfigError, load_settings

    try:
        settings = load_settings()
    except ConfigError:
        return
    if not Path(settings.db).is_file():
        return
    try:
        asyncio.run(_append(settings, invocation))
    except Exception:  # the command's own outcome matters more than its record
        log.debug("could not record the command in the audit log", exc_info=True)


async def _append(settings: Settings, invocation: _Invocation) -> None:
    from storage import audit_log, open_database, partnerships

    assert invocation.path is not None
    db = await open_database(settings.db, allow_shared=settings.db_allow_shared)
    try:
        async with db.transaction() as conn:
            contacts: list[int] = []
            details: list[str] = []
            for name, value in _given(invocation.options).items():
                if "@" in value:
                    found = await partnerships.contact_by_email(conn, value.strip())
                    if found is not None:
                        contacts.append(found.id)
                    value = f"contact #{found.id}" if found else "(an email address)"
                details.append(f"{name}={value}" if value else name)
            await audit_log.append(
                conn,
                invocation.started,
                cli_actor(settings),
                invocation.path,
                " ".join(details),
                invocation.outcome,
                contacts[0] if len(contacts) == 1 else None,
            )
    finally:
        await db.close()


def _given(options: Mapping[str, Any]) -> dict[str, str]:
    """The options that were given a value, as text ("" for a flag that is on)."""
    given: dict[str, str] = {}
    for name, value in options.items():
        if value is None or value is False or value == [] or value == ():
            continue
        if value is True:
            given[name] = ""
        elif isinstance(value, list | tuple):
            given[name] = ",".join(_text(v) for v in value)
        else:
            given[name] = _text(value)
    return given


def _text(value: object) -> str:
    text = str(value.value) if isinstance(value, Enum) else str(value)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"
