"""Backups and restores of the whole database.

`backup` copies through SQLite's online backup API, so it is safe while the bot runs; a
backup into a folder gets a dated name, and that folder's older backups are deleted once
past RETENTION_BACKUPS_DAYS. `restore` refuses a file that is not a sound database of
this bot, and refuses to overwrite a database with changes newer than the backup (an
answer given, a contact erased, data purged since) unless forced.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

from bot import audit_trail
from bot.clock import Clock, system_clock
from bot.contact_data import ERASE_ACTION
from bot.retention import PURGE_ACTION
from bot.texts import texts
from storage import Database, maintenance, open_database
from storage.migrations import MIGRATIONS

BACKUP_ACTION = "backup"
RESTORE_ACTION = "restore"
CHANGING_ACTIONS = (ERASE_ACTION, PURGE_ACTION)
"""Audit-log entries that change data without leaving a newer timestamp in it."""
NAME_FORMAT = "auditbot-%Y%m%dT%H%M%SZ.db"
NAME_PATTERN = re.compile(r"^auditbot-(\d{8}T\d{6}Z)\.db$")


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, in one sentence."""


def _t(key: str, **context: object) -> str:
    return texts().string(f"stewardship.backup.{key}", **context)


@dataclass(frozen=True, slots=True)
class Backup:
    path: Path
    removed: tuple[Path, ...] = ()
    """Older backups in the same folder, deleted as past their retention."""


async def backup(
    db: Database,
    target: Path,
    actor: str,
    keep: timedelta,
    clock: Clock = system_clock,
    *,
    force: bool = False,
) -> Backup:
    """Copy the database to `target`: a new file, or a dated file in the folder `target`
    (whose backups older than `keep` are then deleted). Recorded in the audit log."""
    now = clock()
    path, into_folder = await asyncio.to_thread(_backup_path, target, now, force)
    try:
        await maintenance.backup(db.path, str(path))
    except (OSError, sqlite3.Error) as exc:
        raise BackupError(_t("failed", path=path, reason=exc)) from None
    removed = await asyncio.to_thread(_remove_old, target, now - keep, path) if into_folder else ()
    detail = texts().string("stewardship.log.backup", path=path, removed=len(removed))
    await audit_trail.record(db, actor, BACKUP_ACTION, detail, at=now)
    return Backup(path, removed)


def _backup_path(target: Path, now: datetime, force: bool) -> tuple[Path, bool]:
    """Where the backup goes, and whether `target` is a folder of dated backups."""
    into_folder = target.is_dir()
    path = target / now.astimezone(UTC).strftime(NAME_FORMAT) if into_folder else target
    if path.exists() and not force:
        raise BackupError(_t("exists", path=path))
    if not path.parent.is_dir():
        raise BackupError(_t("no_folder", path=path.parent))
    return path, into_folder


def _remove_old(folder: Path, before: datetime, made: Path) -> tuple[Path, ...]:
    """Delete this bot's dated backups in `folder` taken before `before` (never `made`)."""
    removed: list[Path] = []
    for candidate in sorted(folder.iterdir()):
        match = NAME_PATTERN.match(candidate.name)
        if match is None or candidate == made or not candidate.is_file():
            continue
        taken = datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        if taken < before:
            candidate.unlink()
            removed.append(candidate)
    return tuple(removed)


@dataclass(frozen=True, slots=True)
class Restored:
    path: Path
    last_change: str | None
    """The latest change the backup holds."""


async def restore(
    live: Path,
    source: Path,
    actor: str,
    clock: Clock = system_clock,
    *,
    force: bool = False,
    allow_shared: bool = False,
    zone: tzinfo = UTC,
) -> Restored:
    """Replace the database at `live` with the backup `source` (then bring its schema up to
    date, and record the restore in its audit log)."""
    if not await asyncio.to_thread(source.is_file):
        raise BackupError(_t("not_found", path=source))
    try:
        backed_up = await maintenance.file_state(str(source), CHANGING_ACTIONS)
    except sqlite3.OperationalError as exc:
        raise BackupError(_t("unreadable", path=source, reason=exc)) from None
    except sqlite3.DatabaseError:
        raise BackupError(_t("not_a_database", path=source)) from None
    if backed_up.problems:
        raise BackupError(_t("damaged", path=source, problem=backed_up.problems[0]))
    if backed_up.schema_version == 0:
        raise BackupError(_t("not_a_database", path=source))
    if backed_up.schema_version > len(MIGRATIONS):
        raise BackupError(_t("newer_version", path=source))
    if not force and await asyncio.to_thread(live.exists):
        try:
            current = await maintenance.file_state(str(live), CHANGING_ACTIONS)
        except sqlite3.DatabaseError as exc:
            raise BackupError(_t("unreadable", path=live, reason=exc)) from None
        if current.last_change is not None and (
            backed_up.last_change is None or current.last_change > backed_up.last_change
        ):
            raise BackupError(
                _t(
                    "newer_database",
                    path=live,
                    current=moment_text(current.last_change, zone),
                    backup=moment_text(backed_up.last_change, zone),
                )
            )
    db = await open_database(live, allow_shared=allow_shared)  # created 0600 if missing
    await db.close()
    await maintenance.restore(str(source), str(live))
    db = await open_database(live, allow_shared=allow_shared)  # migrates an older backup
    try:
        detail = texts().string(
            "stewardship.log.restore",
            path=source,
            last_change=moment_text(backed_up.last_change, zone),
        )
        await audit_trail.record(db, actor, RESTORE_ACTION, detail, clock=clock)
    finally:
        await db.close()
    return Restored(live, backed_up.last_change)


def moment_text(value: str | None, zone: tzinfo) -> str:
    """A stored timestamp as people read it, in `zone` ("none" if there is none)."""
    if value is None:
        return _t("never")
    moment = datetime.fromisoformat(value).astimezone(zone)
    return moment.strftime(_t("moment"))
