"""How long the bot keeps each kind of data (RETENTION_* settings), and the purge that
deletes what is past it: daily while the bot runs, and on demand with `auditbot purge`.

Deleted rows are overwritten in the file (SQLite's secure_delete), not merely unlinked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.dry_run import transaction
from bot.texts import texts
from storage import Database, audit_log, invites, updates
from storage import retention as store
from storage.db import Connection

log = logging.getLogger(__name__)

WAITING_UPDATES_KEPT = timedelta(hours=24)
"""An update never handled is useless after a day: Telegram keeps one no longer either."""
PURGE_ACTION = "retention purge"
"""How the audit log names a purge that removed something (the `purge` command is logged
as itself too, with its options)."""


@dataclass(frozen=True, slots=True)
class Retention:
    """How long each kind of data is kept."""

    closed_rounds: timedelta
    processed_updates: timedelta
    failed_invite_attempts: timedelta
    spent_invites: timedelta
    delivered_messages: timedelta
    logs: timedelta
    backups: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> Retention:
        return cls(
            closed_rounds=timedelta(days=settings.retention_closed_rounds_days),
            processed_updates=timedelta(days=settings.retention_processed_updates_days),
            failed_invite_attempts=timedelta(hours=settings.retention_failed_invite_attempts_hours),
            spent_invites=timedelta(days=settings.retention_spent_invites_days),
            delivered_messages=timedelta(days=settings.retention_delivered_messages_days),
            logs=timedelta(days=settings.retention_logs_days),
            backups=timedelta(days=settings.retention_backups_days),
        )

    @classmethod
    def default(cls) -> Retention:
        """The defaults of the RETENTION_* settings (whatever the environment says)."""
        return cls.from_settings(Settings.model_construct())


@dataclass(frozen=True, slots=True)
class PurgeReport:
    """How many of each were removed (or, in a dry run, would be)."""

    rounds: int = 0
    responses: int = 0
    answers: int = 0
    history: int = 0
    conversations: int = 0
    round_messages: int = 0
    messages_emptied: int = 0
    messages_deleted: int = 0
    spent_invites: int = 0
    bad_attempts: int = 0
    updates: int = 0
    waiting_updates: int = 0
    log_entries: int = 0

    @property
    def total(self) -> int:
        return sum(getattr(self, f.name) for f in fields(self))

    def counts(self) -> dict[str, int]:
        """The non-zero counts, by name (keys of stewardship.purge.item in strings.yaml)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    def lines(self) -> list[str]:
        """One line per kind of thing removed, in words."""
        t = texts()
        return [
            t.string(f"stewardship.purge.item.{name}", count=count)
            for name, count in self.counts().items()
        ]

    def describe(self) -> str:
        return "; ".join(self.lines())


async def purge(
    db: Database,
    policy: Retention,
    clock: Clock = system_clock,
    *,
    dry_run: bool = False,
    actor: str | None = None,
) -> PurgeReport:
    """Delete everything past `policy`, in one transaction; with `dry_run`, work out exactly
    the same and roll it back. With `actor`, a purge that removed anything is recorded in
    the audit log (in the same transaction)."""
    now = clock()
    async with transaction(db, dry_run=dry_run) as conn:
        await store.secure_delete(conn)
        report = await _purge(conn, policy, now)
        if actor is not None and report.total and not dry_run:
            await audit_log.append(conn, now, actor, PURGE_ACTION, report.describe())
    return report


async def _purge(conn: Connection, policy: Retention, now: datetime) -> PurgeReport:
    rounds = await store.rounds_closed_before(conn, now - policy.closed_rounds)
    removed = [await store.delete_round(conn, round_id) for round_id in rounds]
    delivered_before = now - policy.delivered_messages
    return PurgeReport(
        rounds=len(rounds),
        responses=sum(r.responses for r in removed),
        answers=sum(r.answers for r in removed),
        history=sum(r.history for r in removed),
        conversations=sum(r.conversations for r in removed),
        round_messages=sum(r.messages for r in removed),
        messages_emptied=await store.strip_delivered(conn, delivered_before),
        messages_deleted=await store.delete_delivered_without_round(conn, delivered_before)
        + await store.delete_failed(conn, delivered_before),
        spent_invites=await store.delete_spent_invites(conn, now - policy.spent_invites),
        bad_attempts=await invites.prune_bad_attempts(conn, now - policy.failed_invite_attempts),
        updates=await updates.prune_processed(conn, now - policy.processed_updates),
        waiting_updates=await store.delete_waiting_updates(conn, now - WAITING_UPDATES_KEPT),
        log_entries=await audit_log.delete_before(conn, now - policy.logs),
    )
