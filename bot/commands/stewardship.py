"""Data stewardship commands: `privacy` (the record of processing), `contact export` and
`contact erase` (subject access and erasure), `purge` (retention), `backup` and `restore`,
`verify` (is the data as the bot wrote it?) and `audit-log` (who did what). Registering
them also starts recording every command in the audit log (`bot.audit_trail`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot import audit_trail
from bot.audit_trail import cli_actor
from bot.commands.common import UserError, out, run, settings, with_db

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.history_chain import BrokenLink, Verification
    from storage import Database
    from storage.records import Contact

SELF_LOGGED = frozenset({"contact export", "contact erase", "backup", "restore"})
"""Commands that record themselves, with what they did."""
LOG_LIMIT = 100


def _t(key: str, **context: Any) -> str:
    from bot.texts import texts

    return texts().string(f"stewardship.{key}", **context)


def _print(text: str) -> None:
    out.print(text, markup=False)


def _when(value: str | None, config: Settings) -> str:
    from bot import backup

    return backup.moment_text(value, config.zone)


async def _contact(db: Database, email: str) -> Contact:
    from storage import partnerships

    async with db.read() as conn:
        found = await partnerships.contact_by_email(conn, email.strip())
    if found is None:
        raise UserError(_t("contact.unknown", email=email))
    return found


def _write_private(path: Path, text: str) -> None:
    """Write `text` to `path`, readable by its owner only (whatever was there before)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise UserError(_t("contact.cannot_write", path=path, reason=exc.strerror)) from None


def register(app: typer.Typer) -> None:
    contact_app = typer.Typer(
        help="A contact's data: everything held about them (subject access), or erasing it.",
        no_args_is_help=True,
        rich_markup_mode=None,
    )
    app.add_typer(contact_app, name="contact")

    @app.command("privacy")
    def privacy() -> None:
        """What personal data the bot holds, where, for how long, and who can read it."""

        async def main() -> None:
            from bot.privacy import record_of_processing

            out.print(record_of_processing(settings()), markup=False)

        run(main)

    @contact_app.command("export")
    def contact_export(
        email: Annotated[str, typer.Argument(help="The contact's email address.")],
        out_file: Annotated[
            Path | None, typer.Option("--out", help="File to write (default: print).")
        ] = None,
    ) -> None:
        """Everything held about one contact, as JSON (for a subject access request)."""

        async def main(config: Settings, db: Database) -> None:
            from bot import contact_data

            contact = await _contact(db, email)
            held = await contact_data.export(db, contact, cli_actor(config))
            text = contact_data.to_json(held)
            if out_file is None:
                sys.stdout.write(text)
                return
            _write_private(out_file, text)
            _print(
                _t(
                    "contact.exported",
                    id=contact.id,
                    partnership=contact.partnership,
                    path=out_file,
                )
            )

        run(lambda: with_db(main))

    @contact_app.command("erase")
    def contact_erase(
        email: Annotated[str, typer.Argument(help="The contact's email address.")],
        yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    ) -> None:
        """Erase one contact's personal data (their partnership keeps its answers)."""

        async def main(config: Settings, db: Database) -> None:
            from bot import contact_data

            contact = await _contact(db, email)
            former = contact_data.former_contact()
            actor = cli_actor(config)
            if not yes:
                preview = await contact_data.erase(db, contact, actor, dry_run=True)
                _print(
                    _t(
                        "contact.preview",
                        name=contact.name,
                        email=contact.email,
                        partnership=contact.partnership,
                        e=preview,
                        former=former,
                    )
                )
                try:
                    confirmed = typer.confirm(_t("contact.confirm"))
                except typer.Abort:
                    confirmed = False
                if not confirmed:
                    raise UserError(_t("contact.not_erased"))
            erased = await contact_data.erase(db, contact, actor)
            _print(_t("contact.erased", e=erased, former=former))
            if not erased.compacted:
                _print(_t("contact.not_compacted", path=db.path))
            _print(_t("contact.afterwards"))

        run(lambda: with_db(main))

    @app.command("purge")
    def purge(
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Only say what would be removed.")
        ] = False,
    ) -> None:
        """Delete what is past its retention period now (the running bot does it daily)."""
        # it also rewrites the file, so that nothing deleted (by it, or by an erasure while
        # the bot was busy) lingers in free space or the write-ahead log

        async def main(config: Settings, db: Database) -> None:
            from bot import retention
            from storage import maintenance

            report = await retention.purge(
                db,
                retention.Retention.from_settings(config),
                dry_run=dry_run,
                actor=cli_actor(config),
            )
            if not dry_run and not await maintenance.compact(db.path):
                _print(_t("purge.not_compacted"))
            if not report.total:
                _print(_t("purge.nothing"))
                return
            _print(_t("purge.would_remove") if dry_run else _t("purge.removed"))
            for line in report.lines():
                out.print(f"- {line}", markup=False)

        run(lambda: with_db(main))

    @app.command("backup")
    def backup_command(
        path: Annotated[
            Path,
            typer.Argument(
                help="A new file, or a folder (the backup gets a dated name there, and the "
                "folder's backups older than RETENTION_BACKUPS_DAYS are deleted)."
            ),
        ],
        force: Annotated[
            bool, typer.Option("--force", help="Overwrite PATH if it exists.")
        ] = False,
    ) -> None:
        """Back up the database (safe while the bot runs), readable by its owner only."""

        async def main(config: Settings, db: Database) -> None:
            from bot import backup, retention

            policy = retention.Retention.from_settings(config)
            try:
                made = await backup.backup(db, path, cli_actor(config), policy.backups, force=force)
            except backup.BackupError as exc:
                raise UserError(str(exc)) from None
            _print(_t("backup.done", path=made.path))
            if made.removed:
                _print(_t("backup.removed", count=len(made.removed), days=policy.backups.days))

        run(lambda: with_db(main))

    @app.command("restore")
    def restore_command(
        path: Annotated[Path, typer.Argument(help="A backup made by `auditbot backup`.")],
        force: Annotated[
            bool,
            typer.Option("--force", help="Restore even over a database with newer changes."),
        ] = False,
    ) -> None:
        """Replace the database with a backup (stop the bot first)."""

        async def main() -> None:
            from bot import backup

            config = settings()
            try:
                restored = await backup.restore(
                    config.db,
                    path,
                    cli_actor(config),
                    force=force,
                    allow_shared=config.db_allow_shared,
                    zone=config.zone,
                )
            except backup.BackupError as exc:
                raise UserError(str(exc)) from None
            _print(
                _t(
                    "backup.restored",
                    path=restored.path,
                    last_change=_when(restored.last_change, config),
                )
            )

        run(main)

    @app.command("verify")
    def verify() -> None:
        """Check that the data is as the bot wrote it (exits with 1 if not)."""

        async def main(config: Settings, db: Database) -> bool:
            from bot import history_chain

            checked = await history_chain.verify(db)
            for line in verification_lines(checked, config):
                out.print(line, markup=False)
            return checked.ok

        if not run(lambda: with_db(main)):
            raise typer.Exit(1)

    @app.command("audit-log")
    def audit_log_command(
        limit: Annotated[
            int, typer.Option("--limit", min=1, help="How many of the newest entries.")
        ] = LOG_LIMIT,
    ) -> None:
        """Who did what, and when: the newest entries of the audit log."""

        async def main(config: Settings, db: Database) -> None:
            from rich.table import Table
            from rich.text import Text

            from bot.texts import texts
            from storage import audit_log

            async with db.read() as conn:
                entries = await audit_log.latest(conn, limit)
            if not entries:
                _print(_t("audit_log.empty"))
                return
            t = texts()
            columns = ("when", "who", "what", "detail", "outcome")
            table = Table(*(t.string(f"stewardship.audit_log.column.{c}") for c in columns))
            moment = t.string("reports.format.datetime")
            for entry in entries:
                cells = (
                    entry.at.astimezone(config.zone).strftime(moment),
                    entry.actor,
                    entry.action,
                    entry.detail,
                    entry.outcome,
                )
                table.add_row(*(Text(cell) for cell in cells))  # what people typed is not markup
            out.print(table)

        run(lambda: with_db(main))

    audit_trail.install(app, SELF_LOGGED)


def verification_lines(checked: Verification, config: Settings) -> list[str]:
    """What `auditbot verify` prints, one line per check, then the verdict."""

    def link(key: str, broken: BrokenLink) -> str:
        return _t(
            f"verify.{key}",
            b=broken,
            when=_when(broken.at, config),
            problem=_t(f"verify.problem.{broken.problem.value}"),
        )

    lines = [
        _t("verify.schema_ok", version=checked.schema_version)
        if checked.schema_ok
        else _t(
            "verify.schema_bad", version=checked.schema_version, expected=checked.expected_version
        )
    ]
    lines.append(
        _t("verify.file_bad", problem=checked.file_problems[0])
        if checked.file_problems
        else _t("verify.file_ok")
    )
    if checked.dangling:
        lines.append(_t("verify.dangling", count=checked.dangling))
    lines.append(
        _t("verify.guards_bad", names=", ".join(checked.missing_triggers))
        if checked.missing_triggers
        else _t("verify.guards_ok")
    )
    if checked.first_broken is not None:
        lines.append(
            _t(
                "verify.history_bad",
                broken=checked.broken_chains,
                chains=checked.chains,
                b=checked.first_broken,
                when=_when(checked.first_broken.at, config),
                problem=_t(f"verify.problem.{checked.first_broken.problem.value}"),
            )
        )
    else:
        lines.append(_t("verify.history_ok", entries=checked.entries, chains=checked.chains))
    if checked.orphan_entries:
        lines.append(_t("verify.orphans", count=checked.orphan_entries))
    lines.append(
        link("log_bad", checked.log_broken)
        if checked.log_broken is not None
        else _t("verify.log_ok", entries=checked.log_entries)
    )
    lines.append(_t("verify.verified") if checked.ok else _t("verify.not_verified"))
    return lines
