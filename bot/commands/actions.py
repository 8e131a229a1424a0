"""`auditbot actions`: the answers the questionnaire marks for follow-up, and marking them
done (or open again) as the LA deals with them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from bot.commands.common import UserError, out, run, with_db

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.summary.actions import Action
    from bot.summary.model import Summary
    from storage import Database

RoundOption = Annotated[
    int | None, typer.Option("--round", help="Round number (default: the current one).")
]
CodeArgument = Annotated[str, typer.Argument(help="The action's ID, as `actions list` shows it.")]


def register(app: typer.Typer) -> None:
    actions_app = typer.Typer(
        help="Follow-up actions: answers the questionnaire marks for the LA to act on.",
        no_args_is_help=True,
        rich_markup_mode=None,
    )
    app.add_typer(actions_app, name="actions")

    @actions_app.command("list")
    def actions_list(
        round_id: RoundOption = None,
        only_open: Annotated[
            bool, typer.Option("--open", help="Only the actions not yet done.")
        ] = False,
    ) -> None:
        """List the actions, open ones first (red before amber), with their status."""
        run(lambda: with_db(lambda config, db: _list(config, db, round_id, only_open)))

    @actions_app.command("done")
    def actions_done(code: CodeArgument, round_id: RoundOption = None) -> None:
        """Mark an action done, with who and when (it opens again if the answer changes)."""
        run(lambda: with_db(lambda config, db: _done(config, db, code, round_id)))

    @actions_app.command("reopen")
    def actions_reopen(code: CodeArgument, round_id: RoundOption = None) -> None:
        """Open again an action marked done by mistake."""
        run(lambda: with_db(lambda config, db: _reopen(config, db, code, round_id)))


def _t(key: str, **context: object) -> str:
    from bot.texts import texts

    return texts().string(f"follow_up.{key}", **context)


async def _summary(config: Settings, db: Database, round_id: int | None) -> Summary:
    from bot.commands.reports import summary_or_explain

    return await summary_or_explain(config, db, round_id)


async def _list(config: Settings, db: Database, round_id: int | None, only_open: bool) -> None:
    from rich.table import Table

    from bot.summary.context import Wording

    summary = await _summary(config, db, round_id)
    shown = [a for a in summary.actions if a.is_open or not only_open]
    if not shown:
        key = "cli.none_open" if summary.actions else "cli.none"
        out.print(_t(key, round=summary.round.id), markup=False)
        return
    w = Wording(summary)
    done = sum(1 for a in summary.actions if not a.is_open)
    out.print(_t("intro", open=len(summary.actions) - done, done=done), markup=False)
    header = [_t("column.id"), _t("column.severity")]
    header += [w.s(f"column.{key}") for key in ("partnership", "question", "answer", "note")]
    header += [_t("column.suggested"), _t("column.status")]
    table = Table(*header)
    for a in shown:
        table.add_row(
            a.code,
            w.severity(a),
            a.partnership,
            w.question(a.question),
            w.choice(a.question.item.kind, a.answer.value),
            a.note or "",
            "\n".join(a.suggestions),
            w.action_status(a),
        )
    out.print(table, markup=False)
    out.print(_t("cli.hint"), markup=False)


def _find(summary: Summary, code: str) -> Action:
    from bot.summary.actions import find_action

    found = find_action(summary.actions, code)
    if found is None:
        raise UserError(_t("cli.unknown", code=code, round=summary.round.id))
    return found


async def _done(config: Settings, db: Database, code: str, round_id: int | None) -> None:
    from bot.audit_trail import cli_actor
    from bot.clock import system_clock
    from bot.summary.action_done import mark_action_done
    from bot.summary.context import Wording

    summary = await _summary(config, db, round_id)
    action = _find(summary, code)
    if not await mark_action_done(db, summary.round.id, action, cli_actor(config), system_clock()):
        if action.is_open:  # someone else marked it done a moment ago
            summary = await _summary(config, db, summary.round.id)
            action = _find(summary, code)
        status = Wording(summary).action_status(action)
        out.print(_t("cli.already", code=action.code, status=status), markup=False)
        return
    said = _t(
        "cli.done", code=action.code, partnership=action.partnership, number=action.question.number
    )
    out.print(said, markup=False)


async def _reopen(config: Settings, db: Database, code: str, round_id: int | None) -> None:
    from storage import actions as action_store

    summary = await _summary(config, db, round_id)
    action = _find(summary, code)
    if action.is_open:
        out.print(_t("cli.not_done", code=action.code), markup=False)
        return
    async with db.transaction() as conn:
        await action_store.reopen(
            conn, summary.round.id, action.partnership_id, action.question.item.id
        )
    said = _t(
        "cli.reopened",
        code=action.code,
        partnership=action.partnership,
        number=action.question.number,
    )
    out.print(said, markup=False)
