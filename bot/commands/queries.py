"""`auditbot query`: ask a partnership about one of its answers, and list the queries.

`auditbot query --partnership P --question Q "comment"` asks; `auditbot query list [--open]`
lists them with their age and replies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from bot.commands.common import UserError, out, run, with_db

if TYPE_CHECKING:
    from bot.config import Settings
    from storage import Database

LIST = "list"


def register(app: typer.Typer) -> None:
    @app.command("query")
    def query(
        comment: Annotated[
            str | None,
            typer.Argument(
                help='The comment or question for the partnership (in quotes); or "list".'
            ),
        ] = None,
        partnership: Annotated[
            str | None, typer.Option("--partnership", help="The partnership's name.")
        ] = None,
        question: Annotated[
            str | None, typer.Option("--question", help="The question: its number or its id.")
        ] = None,
        only_open: Annotated[
            bool, typer.Option("--open", help="With list: only the queries not yet answered.")
        ] = False,
        round_id: Annotated[
            int | None,
            typer.Option("--round", help="With list: round number (default: the current one)."),
        ] = None,
    ) -> None:
        """Ask a partnership about one answer (they are told in their channel, and their
        reply comes back to the LA), or `query list [--open]` to see the queries."""
        if comment == LIST and partnership is None and question is None:
            run(lambda: with_db(lambda config, db: _list(config, db, round_id, only_open)))
            return
        run(lambda: with_db(lambda config, db: _ask(config, db, partnership, question, comment)))


def _t(key: str, **context: object) -> str:
    from bot.texts import texts

    return texts().string(f"queries.{key}", **context)


async def _ask(
    config: Settings,
    db: Database,
    partnership: str | None,
    question: str | None,
    comment: str | None,
) -> None:
    from bot.audit_trail import cli_actor
    from bot.clock import system_clock
    from bot.commands.outbox import deliver_now
    from bot.queries import QueryError, QueryLoop

    if partnership is None or question is None or comment is None:
        raise UserError(_t("cli.list_usage"))
    try:
        asked = await QueryLoop.from_settings(config).ask(
            db, partnership, question, comment, cli_actor(config), system_clock()
        )
    except QueryError as exc:
        raise UserError(str(exc)) from None
    drained = await deliver_now(config, db) if asked.told else None
    said = _t(
        "cli.asked",
        id=asked.query_id,
        partnership=asked.partnership,
        number=asked.number,
        told=", ".join(asked.told),
        sent=drained is not None and drained.sent > 0 and drained.claimed == drained.sent,
    )
    out.print(said, markup=False)


async def _list(config: Settings, db: Database, round_id: int | None, only_open: bool) -> None:
    from rich.table import Table
    from rich.text import Text

    from bot.clock import system_clock
    from bot.queries import round_queries
    from bot.questionnaire_store import stored_questionnaire
    from bot.summary.model import number_questions
    from bot.texts import texts
    from storage import rounds
    from storage.records import Answer

    t = texts()
    async with db.read() as conn:
        round_ = await rounds.round_or_latest(conn, round_id)
        if round_ is None:
            key = "reports.cli.unknown_round" if round_id else "reports.cli.no_round"
            raise UserError(t.string(key, id=round_id))
        questionnaire = await stored_questionnaire(conn, round_.questionnaire_version)
    found = await round_queries(db, round_.id, only_open)
    if not found:
        key = "cli.none_open" if only_open else "cli.none"
        out.print(_t(key, round=round_.id), markup=False)
        return
    numbered = {q.item.id: q for q in number_questions(questionnaire)}
    now = system_clock()
    moment = t.string("reports.format.datetime")
    columns = ("id", "partnership", "question", "comment", "asked", "status", "reply")
    table = Table(*(_t(f"cli.column.{c}") for c in columns))
    for query in found:
        asked = numbered.get(query.question_id)
        title = f"{asked.number}. {asked.item.text}" if asked else query.question_id
        if query.answered_at is None:
            status, reply = _t("cli.open", days=(now - query.asked_at).days), ""
        else:
            when = query.answered_at.astimezone(config.zone).strftime(moment)
            by = query.answered_by_name or t.string("cli.history.former_contact")
            status = _t("cli.answered", by=by, when=when)
            label = (
                t.answer_label(Answer(query.answer_value), asked.item.kind)
                if asked
                else query.answer_value or ""
            )
            reply = _t("cli.reply", answer=label, note=query.answer_note or "")
        cells = (
            str(query.id),
            query.partnership,
            title,
            query.comment,
            query.asked_at.astimezone(config.zone).strftime(moment),
            status,
            reply,
        )
        table.add_row(*(Text(cell) for cell in cells))  # Text: what people typed is not markup
    out.print(table)
