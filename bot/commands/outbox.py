"""`auditbot outbox`, `auditbot outbox retry` and `auditbot remind`: see and nudge delivery."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Annotated

import typer

from bot.clock import Clock, system_clock
from bot.commands.common import out, run, with_db

if TYPE_CHECKING:
    from rich.table import Table

    from bot.config import Settings
    from bot.outbox import DrainResult
    from storage import Database
    from storage.outbox import OutboxRow
    from storage.reminders import ReminderRecord


def _say(key: str, **context: object) -> None:
    from bot.texts import texts

    out.print(texts().string(f"reminders.cli.{key}", **context), markup=False)


def _when(value: object, zone: tzinfo) -> str:
    from bot.texts import texts

    t = texts()
    if isinstance(value, datetime):
        return value.astimezone(zone).strftime(t.string("reports.format.datetime"))
    return t.string("reminders.cli.never")


def _table(*columns: str) -> Table:
    """A table whose headers are reminders.cli.column.* in strings.yaml."""
    from rich.table import Table

    from bot.texts import texts

    t = texts()
    return Table(*(t.string(f"reminders.cli.column.{column}") for column in columns))


def outbox_table(rows: Sequence[OutboxRow], zone: tzinfo) -> Table:
    """Pending and failed rows: what is waiting, what is stuck and why."""
    table = _table("id", "status", "kind", "recipient", "attempts", "next_attempt", "last_error")
    for row in rows:
        table.add_row(
            str(row.id),
            row.status,
            row.kind,
            f"{row.channel}:{row.recipient}",
            str(row.attempts),
            _when(row.next_attempt_at if row.status == "pending" else None, zone),
            row.last_error or "",
        )
    return table


def reminders_table(records: Sequence[ReminderRecord], zone: tzinfo) -> Table:
    """Per partnership, the reminders sent: when, to whom, by which channel (for `status`)."""
    table = _table("partnership", "reminder", "to", "channel", "queued", "sent", "status")
    for r in records:
        table.add_row(
            r.partnership,
            r.slot,
            r.contact,
            r.channel,
            _when(r.created_at, zone),
            _when(r.sent_at, zone),
            r.status,
        )
    return table


async def reminder_history(db: Database, round_id: int) -> list[ReminderRecord]:
    from storage import reminders as store

    async with db.read() as conn:
        return await store.reminder_records(conn, round_id)


async def deliver_now(
    config: Settings, db: Database, clock: Clock = system_clock
) -> DrainResult | None:
    """Send what is due through every channel set up here; None if there is none."""
    from bot.channels import registry
    from bot.scheduler import build_worker

    async with registry.senders(config) as deliverers:
        if not deliverers:
            return None
        return await build_worker(db, deliverers, clock).run_once()


def register(app: typer.Typer) -> None:
    outbox_app = typer.Typer(
        help="Messages waiting to be sent, or stuck: reminders, LA flags and summaries.",
        invoke_without_command=True,
        rich_markup_mode=None,
    )
    app.add_typer(outbox_app, name="outbox")

    @outbox_app.callback()
    def outbox_list(ctx: typer.Context) -> None:
        """List pending and failed messages (id, kind, recipient, attempts, next try, error)."""
        if ctx.invoked_subcommand is not None:
            return

        async def main(config: Settings, db: Database) -> None:
            from storage import outbox

            async with db.read() as conn:
                rows = await outbox.list_rows(conn)
            if not rows:
                _say("outbox_empty")
                return
            out.print(outbox_table(rows, config.zone))

        run(lambda: with_db(main))

    @outbox_app.command("retry")
    def outbox_retry(
        ids: Annotated[
            list[int] | None, typer.Argument(help="Only these ids (default: every failed one).")
        ] = None,
    ) -> None:
        """Put failed messages back in the queue, with a fresh set of attempts."""

        async def main(config: Settings, db: Database) -> None:
            from storage import outbox

            async with db.transaction() as conn:
                count = await outbox.requeue_failed(
                    conn, system_clock(), list(ids) if ids else None
                )
            _say("requeued", count=count)

        run(lambda: with_db(main))

    @app.command()
    def remind(
        now: Annotated[
            bool,
            typer.Option("--now", help="Also deliver at once (through the channels set up here)."),
        ] = False,
    ) -> None:
        """Queue the reminders due now (as the scheduler would); with --now, send them too."""

        async def main(config: Settings, db: Database) -> None:
            from bot.reminders import tick

            result = await tick(db, config)
            if result.reminders or result.flags:
                _say("queued", reminders=result.reminders, flags=result.flags)
            else:
                _say("nothing_due")
            if not now:
                return
            drained = await deliver_now(config, db)
            if drained is None:
                _say("no_token")
            else:
                _say(
                    "delivered",
                    sent=drained.sent,
                    retried=drained.retried,
                    failed=drained.failed,
                    blocked=drained.blocked,
                )

        run(lambda: with_db(main))
