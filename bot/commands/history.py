"""`auditbot history`: every change to one partnership's answers, for the LA to check who
answered what, and when (answers and notes each show their own author)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from bot.commands.common import UserError, out, run, with_db

if TYPE_CHECKING:
    from bot.config import Settings
    from storage import Database


def register(app: typer.Typer) -> None:
    @app.command("history")
    def history(
        partnership: Annotated[str, typer.Option("--partnership", help="The partnership's name.")],
        question: Annotated[
            str | None,
            typer.Option("--question", help="Only this question: its number or its id."),
        ] = None,
        round_id: Annotated[
            int | None, typer.Option("--round", help="Round number (default: the current one).")
        ] = None,
    ) -> None:
        """Every change to one partnership's answers, oldest first: when, what, and who."""
        run(
            lambda: with_db(
                lambda config, db: _history(config, db, partnership, question, round_id)
            )
        )


async def _history(
    config: Settings, db: Database, name: str, question: str | None, round_id: int | None
) -> None:
    from rich.table import Table
    from rich.text import Text

    from bot.questionnaire_store import stored_questionnaire
    from bot.texts import texts
    from storage import partnerships, responses, rounds, signoffs
    from storage.records import Answer

    t = texts()
    async with db.read() as conn:
        found = await partnerships.partnership_by_name(conn, name.strip())
        if found is None:
            raise UserError(t.string("cli.history.unknown_partnership", name=name))
        round_ = await rounds.round_or_latest(conn, round_id)
        if round_ is None:
            key = "reports.cli.unknown_round" if round_id else "reports.cli.no_round"
            raise UserError(t.string(key, id=round_id))
        q = await stored_questionnaire(conn, round_.questionnaire_version)
        entries = await responses.partnership_history(conn, round_.id, found.id)
        signed = await signoffs.for_partnership(conn, round_.id, found.id)
    wanted: str | None = None
    if question is not None:
        if question.isascii() and question.isdigit() and 1 <= int(question) <= len(q.items):
            wanted = q.items[int(question) - 1].id
        elif q.position(question) is not None:
            wanted = question
        else:
            raise UserError(
                t.string("cli.history.unknown_question", question=question, total=len(q.items))
            )
    entries = [e for e in entries if wanted is None or e.question_id == wanted]
    if wanted is not None:
        signed = []  # a sign-off is of the whole return, not of one question
    if not entries and not signed:
        out.print(t.string("cli.history.empty", name=found.name), markup=False)
        return
    columns = ("when", "question", "answer", "note", "by", "channel")
    table = Table(*(t.string(f"cli.history.column.{c}") for c in columns))
    moment = t.string("reports.format.datetime")
    rows: list[tuple[datetime, tuple[str, ...]]] = [
        (
            signoff.signed_at,
            (
                signoff.signed_at.astimezone(config.zone).strftime(moment),
                t.string("cli.history.signed_off"),
                t.string("signoff.by", name=signoff.name, role=signoff.role),
                signoff.attestation,
                signoff.name,
                signoff.channel,
            ),
        )
        for signoff in signed
    ]
    for entry in entries:
        position = q.position(entry.question_id)
        if position is None:  # stored under an id this questionnaire no longer has
            asked, answer = entry.question_id, entry.value or ""
        else:
            item = q.items[position]
            asked = f"{position + 1}. {item.text}"
            answer = t.answer_label(Answer(entry.value), item.kind)
        cells: tuple[str, ...] = (
            entry.changed_at.astimezone(config.zone).strftime(moment),
            asked,
            answer,
            entry.note or "",
            entry.contact_name or t.string("cli.history.former_contact"),
            entry.channel,
        )
        rows.append((entry.changed_at, cells))
    for _, cells in sorted(rows, key=lambda row: row[0]):  # stable: equal times keep order
        table.add_row(*(Text(cell) for cell in cells))  # Text: what people typed is not markup
    out.print(table)
