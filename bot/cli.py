"""The `auditbot` command line.

A command loads only what it uses: the modules here and in `bot.commands` import the
settings, the database, the channels' client libraries and the report renderers inside the
commands that need them, so `auditbot --help` costs little more than importing typer. The
help is click's plain text (`rich_markup_mode=None`): rich's panels would double it."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.channels import registry
from bot.clock import system_clock
from bot.commands import actions, history, invite, outbox, queries, reports, serve, stewardship
from bot.commands.common import (
    UserError,
    database,
    exit_with,
    out,
    run,
    say,
    settings,
    with_db,
)

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.questionnaire import Questionnaire
    from storage import Database

app = typer.Typer(
    help="Partnership Audit Bot: run the LA's audit of information held by partnerships.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
questionnaire_app = typer.Typer(
    help="Check or show the audit questionnaire.", no_args_is_help=True, rich_markup_mode=None
)
partnerships_app = typer.Typer(
    help="Set up partnerships and their contacts.", no_args_is_help=True, rich_markup_mode=None
)
round_app = typer.Typer(
    help="Open and close audit rounds.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(questionnaire_app, name="questionnaire")
app.add_typer(partnerships_app, name="partnerships")
app.add_typer(round_app, name="round")

CONTACT_COLUMNS = ("partnership", "contact", "email", "telegram")
STATUS_COLUMNS = ("partnership", "status", "answered", "last_activity", "by", "contacts")

QuestionnaireOption = Annotated[
    Path | None,
    typer.Option("--questionnaire", help="Questionnaire YAML (default: the bundled 2018 audit)."),
]


def _questionnaire(config: Settings, path: Path | None = None) -> tuple[Questionnaire, str]:
    from bot.questionnaire import QuestionnaireError, load_questionnaire

    try:
        return load_questionnaire(path or config.questionnaire)
    except QuestionnaireError as exc:
        raise UserError(str(exc)) from None


@app.command()
def init() -> None:
    """Create the database (or bring it up to date)."""

    async def main() -> None:
        config = settings()
        async with database(config):
            say("init_done", path=config.db.resolve())

    run(main)


@app.command()
def health() -> None:
    """Exit 0 if the database opens and its schema is current (for container health checks)."""

    async def main() -> None:
        async with database(settings()):
            say("healthy")

    run(main)


@questionnaire_app.command("check")
def questionnaire_check(file: Path) -> None:
    """Validate an edited questionnaire file."""
    from bot.questionnaire import QuestionnaireError, load_questionnaire

    try:
        q, _ = load_questionnaire(file)
    except QuestionnaireError as exc:
        exit_with(str(exc))
    say(
        "questionnaire_ok",
        file=file,
        sections=len(q.sections),
        items=len(q.items),
        version=q.version,
    )


@questionnaire_app.command("show")
def questionnaire_show(file: Annotated[Path | None, typer.Argument()] = None) -> None:
    """Print the questionnaire (the bundled audit unless FILE is given)."""

    async def main() -> None:
        from bot.texts import texts

        q, _ = _questionnaire(settings(), file)
        out.print(texts().render("cli/questionnaire.txt.j2", q=q), markup=False)

    run(main)


@partnerships_app.command("import")
def partnerships_import(file: Path) -> None:
    """Import partnerships and contacts from a CSV file (partnership, contact_name, email,
    telegram_username). Re-importing the same file changes nothing."""

    async def main(config: Settings, db: Database) -> None:
        from bot.directory import DirectoryError, import_directory

        try:
            result = await import_directory(db, file, system_clock())
        except DirectoryError as exc:
            raise UserError(f"{exc} Nothing was imported.") from None
        say(
            "import_done" if result.changed else "import_unchanged",
            partnerships=result.partnerships_added,
            added=result.contacts_added,
            updated=result.contacts_updated,
        )

    run(lambda: with_db(main))


@partnerships_app.command("list")
def partnerships_list() -> None:
    """List partnerships and their contacts."""

    async def main(config: Settings, db: Database) -> None:
        from rich.table import Table

        from bot.texts import texts
        from storage import partnerships

        async with db.read() as conn:
            contacts = await partnerships.list_contacts(conn)
        if not contacts:
            say("no_partnerships")
            return
        t = texts()
        table = Table(*(t.string(f"cli.column.{name}") for name in CONTACT_COLUMNS))
        for c in contacts:
            telegram_state = (
                t.string("cli.linked")
                if c.linked("telegram")
                else (f"@{c.telegram_username}" if c.telegram_username else "")
            )
            table.add_row(c.partnership, c.name, c.email, telegram_state)
        out.print(table)

    run(lambda: with_db(main))


def _parse_deadline(value: str) -> date:
    from bot.texts import texts

    try:
        return date.fromisoformat(value)
    except ValueError:
        exit_with(texts().string("cli.bad_date", value=value))


@round_app.command("open")
def round_open(
    deadline: Annotated[str, typer.Option(help="Last day for answers, YYYY-MM-DD.")],
    questionnaire: QuestionnaireOption = None,
    carry_forward: Annotated[
        bool,
        typer.Option(
            "--carry-forward",
            help="Show each partnership last round's answers to confirm or change.",
        ),
    ] = False,
) -> None:
    """Open a new audit round for every partnership."""
    due = _parse_deadline(deadline)

    async def main(config: Settings, db: Database) -> None:
        from bot import round_setup

        q, source = _questionnaire(config, questionnaire)
        try:
            opened = await round_setup.open_round(
                db, q, source, due, system_clock().astimezone(config.zone), carry_forward
            )
        except round_setup.RoundSetupError as exc:
            raise UserError(str(exc)) from None
        say(
            "round_opened",
            deadline=due,
            partnerships=opened.partnerships,
            version=q.version,
            carries_from=opened.round.carries_from,
        )
        from bot.working_hours import WorkingHours

        today = system_clock().astimezone(config.zone).date()
        advice = round_setup.deadline_advice(due, today, WorkingHours.from_settings(config))
        if advice is not None:
            say("deadline_not_working_day", deadline=advice.deadline, earlier=advice.earlier)

    run(lambda: with_db(main))


@round_app.command("close")
def round_close(
    force: Annotated[
        bool, typer.Option("--force", help="Close it even with queries still unanswered.")
    ] = False,
) -> None:
    """Close the open round: no more answers or changes."""

    async def main(config: Settings, db: Database) -> None:
        from bot import round_setup

        try:
            now = system_clock()
            closed = await round_setup.close_round(db, now, force=force)
        except round_setup.RoundSetupError as exc:
            raise UserError(str(exc)) from None
        today = now.astimezone(config.zone).date()
        say("round_closed", deadline=closed.deadline, early=today < closed.deadline)

    run(lambda: with_db(main))


@app.command()
def status() -> None:
    """Progress of every partnership in the current round."""

    async def main(config: Settings, db: Database) -> None:
        from rich.table import Table

        from bot.texts import texts

        summary = await reports.summary_or_explain(config, db)
        t = texts()
        say("status_heading", deadline=summary.round.deadline, closed=not summary.round.is_open)
        table = Table(*(t.string(f"cli.column.{name}") for name in STATUS_COLUMNS))
        moment = t.string("reports.format.datetime")
        for result in summary.partnerships:
            last = max(
                (a for a in result.answers.values() if a.answered_at),
                key=lambda a: a.answered_at or summary.generated_at,
                default=None,
            )
            when = summary.local(result.last_activity_at)
            label = t.string(f"status.{result.status.value}")
            if result.amended_at:
                label += t.string("cli.amended_suffix")
            table.add_row(
                result.name,
                label,
                f"{result.answered}/{result.total}",
                when.strftime(moment) if when else "—",
                (last.contact_name if last else None) or "—",
                ", ".join(result.contacts),
            )
        out.print(table)
        reminders = await outbox.reminder_history(db, summary.round.id)
        if reminders:
            say("reminders_heading")
            out.print(outbox.reminders_table(reminders, config.zone))
        for channel in registry.configured(config):
            for line in await channel.status_lines(config):
                out.print(line, markup=False)

    run(lambda: with_db(main))


@app.command()
def export(
    format: Annotated[str, typer.Option("--format", help="Export format.")] = "csv",
    out_file: Annotated[
        Path | None, typer.Option("--out", help="File to write (default: print).")
    ] = None,
) -> None:
    """Export every answer of the current round: one row per partnership and question."""
    if format != "csv":
        from bot.texts import texts

        exit_with(texts().string("cli.bad_format", format=format))

    async def main(config: Settings, db: Database) -> None:
        from bot.summary.render_csv import render_csv

        summary = await reports.summary_or_explain(config, db)
        if out_file is None:
            sys.stdout.write(render_csv(summary))
        else:
            out.print(reports.write_answers_csv(summary, out_file), markup=False)

    run(lambda: with_db(main))


@app.command()
def chat(email: Annotated[str, typer.Option("--as", help="The contact's email address.")]) -> None:
    """Answer the audit in this terminal as the contact with EMAIL (works with piped input)."""
    run(lambda: with_db(lambda config, db: _chat(db, email, config=config)))


async def _chat(
    db: Database, email: str, throwaway: bool = False, config: Settings | None = None
) -> None:
    from bot.audit_service import AuditService
    from bot.channels.console import ConsoleChat
    from bot.submission_notices import SubmissionNotices
    from bot.texts import texts
    from storage import partnerships

    async with db.read() as conn:
        contact = await partnerships.contact_by_email(conn, email.strip())
    if contact is None:
        raise UserError(texts().string("cli.unknown_email", email=email))
    tty = sys.stdin.isatty()

    def read(prompt: str) -> str:
        if tty:
            return input(prompt)
        line = sys.stdin.readline()
        if not line:
            raise EOFError
        return line.rstrip("\n")

    # a submission here is told to the partnership through the channels set up here
    notices = SubmissionNotices.from_settings(config) if config is not None else None
    await ConsoleChat(
        AuditService(db, submission_notices=notices),
        contact.id,
        read,
        lambda text: out.print(text, markup=False),
        config or settings(),
        throwaway=throwaway,
    ).run()


@app.command()
def demo() -> None:
    """Try the bot: a throwaway database with demo partnerships and an open round, then chat."""

    async def main() -> None:
        import tempfile
        from importlib import resources

        from bot import round_setup
        from bot.directory import import_directory
        from storage import open_database, partnerships

        config = settings()
        with tempfile.TemporaryDirectory(prefix="auditbot-demo-") as folder:
            db = await open_database(Path(folder) / "demo.db")
            try:
                directory = resources.files("bot").joinpath("data/demo-partnerships.csv")
                now = system_clock()
                with resources.as_file(directory) as path:
                    await import_directory(db, path, now)
                q, source = _questionnaire(config)
                deadline = now.date() + timedelta(days=21)
                deadline -= timedelta(days=max(0, deadline.weekday() - 4))  # not a weekend
                await round_setup.open_round(db, q, source, deadline, now)
                async with db.read() as conn:
                    contact = (await partnerships.list_contacts(conn))[0]
                say("demo_intro", name=contact.name, partnership=contact.partnership)
                await _chat(db, contact.email, throwaway=True)
            finally:
                await db.close()

    run(main)


for module in (serve, reports, history, outbox, invite, stewardship, actions, queries):
    module.register(app)
for channel in registry.available():
    channel.register_commands(app)


def main() -> None:
    app()
