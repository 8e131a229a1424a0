"""`auditbot summary`: the LA summary of a round as text, HTML, PDF, CSV, XLSX, a chart
picture, or each partnership's form (DOCX or PDF)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.clock import system_clock
from bot.commands.common import UserError, out, run, with_db
from bot.commands.outbox import deliver_now

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.summary.load import NoRoundError
    from bot.summary.model import Summary
    from storage import Database

# Each format's renderer is imported where it is used: openpyxl, docxtpl, WeasyPrint and
# matplotlib load only for the format asked for (and never for `auditbot --help`).


class Format(StrEnum):
    TEXT = "text"
    HTML = "html"
    CSV = "csv"
    XLSX = "xlsx"
    DOCX = "docx"
    PDF = "pdf"
    FORMS_PDF = "forms-pdf"
    PNG = "png"


def register(app: typer.Typer) -> None:
    @app.command("summary")
    def summary(
        fmt: Annotated[
            Format,
            typer.Option(
                "--format",
                "-f",
                help="text, html, pdf, csv, xlsx, png (the charts), or each partnership's "
                "form: docx or forms-pdf.",
            ),
        ] = Format.TEXT,
        out_path: Annotated[
            Path | None,
            typer.Option(
                "--out",
                "-o",
                help="File to write (docx: a directory, or a .zip; forms-pdf: one .pdf with "
                "every form, or a directory of one PDF each). Text goes to the screen "
                "without it; other formats get a name like audit-summary-round-1.html.",
            ),
        ] = None,
        round_id: Annotated[
            int | None, typer.Option("--round", help="Round number (default: the current one).")
        ] = None,
        send: Annotated[
            bool,
            typer.Option(
                "--send",
                help="Send it now to the LA recipients (LA_RECIPIENTS): the summary, then "
                "its files (charts, PDF, HTML, CSV, XLSX and the forms).",
            ),
        ] = False,
        compare_with: Annotated[
            int | None,
            typer.Option(
                "--compare-with",
                help="An earlier round: add what changed since it (each answer, old and "
                "new, counts per section, partnerships newly answering No or Our practice "
                "differs) to the summary, in any format.",
            ),
        ] = None,
    ) -> None:
        """Compile the summary across all partnerships of a round."""

        async def work(config: Settings, db: Database) -> None:
            if send:
                if compare_with is not None:
                    raise UserError(_c("not_with_send"))
                out.print(await send_summary(config, db, round_id), markup=False, emoji=False)
                return
            await _summary(config, db, fmt, out_path, round_id, compare_with)

        run(lambda: with_db(work))


async def send_summary(
    config: Settings, db: Database, round_id: int | None, now: datetime | None = None
) -> str:
    """Queue an on-demand summary to every LA recipient and deliver it; returns what happened."""
    from bot.channels import registry
    from bot.outbox import DrainResult
    from bot.summary.load import NoRoundError
    from bot.summary.schedule import demand_slot, queue_summary
    from bot.texts import texts

    if not config.la_recipients:
        raise UserError(texts().string("admin.cli.no_la_chats"))
    if not registry.configured(config):
        raise UserError(texts().string("cli.no_channel"))
    moment = now or system_clock()
    try:
        queued = await queue_summary(db, config, moment, demand_slot(moment), round_id=round_id)
    except NoRoundError as exc:
        raise _explain(exc) from None
    delivered = await deliver_now(config, db) or DrainResult()
    if not queued:
        return texts().string("admin.cli.already")
    return texts().string(
        "admin.cli.sent",
        chats=len(config.la_recipients),
        sent=delivered.sent,
        retried=delivered.retried,
        failed=delivered.failed,
        blocked=delivered.blocked,
    )


def _s(key: str, **context: object) -> str:
    from bot.texts import texts

    return texts().string(f"reports.cli.{key}", **context)


def _explain(exc: NoRoundError) -> UserError:
    if exc.round_id is None:
        return UserError(_s("no_round"))
    return UserError(_s("unknown_round", id=exc.round_id))


async def summary_or_explain(
    config: Settings, db: Database, round_id: int | None = None
) -> Summary:
    """The round's summary, or one sentence saying there is no such round."""
    from bot.summary.load import NoRoundError, load_summary

    try:
        return await load_summary(db, system_clock(), round_id=round_id, zone=config.zone)
    except NoRoundError as exc:
        raise _explain(exc) from None


def _c(key: str, **context: object) -> str:
    from bot.texts import texts

    return texts().string(f"compare.cli.{key}", **context)


async def la_summary_or_explain(
    config: Settings, db: Database, round_id: int | None, compare_with: int | None = None
) -> Summary:
    """The LA's summary of the round (with what changed since `compare_with`, or since the
    round a carry-forward round came from), or one sentence saying why not."""
    from bot.summary.load import NoRoundError, SameRoundError, load_la_summary

    try:
        return await load_la_summary(
            db, system_clock(), round_id=round_id, zone=config.zone, compare_with=compare_with
        )
    except NoRoundError as exc:
        raise _explain(exc) from None
    except SameRoundError as exc:
        raise UserError(_c("same_round", id=exc.round_id)) from None


async def _summary(
    config: Settings,
    db: Database,
    fmt: Format,
    path: Path | None,
    round_id: int | None,
    compare_with: int | None = None,
) -> None:
    summary = await la_summary_or_explain(config, db, round_id, compare_with)
    if fmt is Format.TEXT and path is None:
        from bot.summary.render_text import render_text

        typer.echo(render_text(summary), nl=False)
        return
    message = write_report(summary, fmt, path or Path(_default_name(summary, fmt)))
    out.print(message, markup=False, emoji=False)


def _default_name(summary: Summary, fmt: Format) -> str:
    n = summary.round.id
    match fmt:
        case Format.DOCX:
            return f"audit-forms-round-{n}"
        case Format.FORMS_PDF:
            return f"audit-forms-round-{n}.pdf"
        case Format.PNG:
            return f"audit-charts-round-{n}.png"
    return f"audit-summary-round-{n}.{fmt.value}"


def write_report(summary: Summary, fmt: Format, target: Path) -> str:
    """Write the report; returns the sentence telling the officer where it went."""
    from bot.summary.charts import ChartsUnavailable
    from bot.summary.render_pdf import PdfUnavailable

    try:
        return _write(summary, fmt, target)
    except PdfUnavailable:
        raise UserError(_s("no_pdf")) from None
    except ChartsUnavailable:
        raise UserError(_s("no_png")) from None
    except OSError as exc:
        raise _cannot_write(target, exc) from None


def write_answers_csv(summary: Summary, target: Path) -> str:
    """`auditbot export --out`: the answers alone (the summary's CSV adds the comparison,
    actions, queries and sign-off); returns the sentence saying where it went."""
    from bot.summary.render_csv import render_csv

    try:
        _write_csv(render_csv(summary), target)
    except OSError as exc:
        raise _cannot_write(target, exc) from None
    return _s("wrote", path=target)


def _cannot_write(target: Path, exc: OSError) -> UserError:
    return UserError(_s("cannot_write", path=target, reason=exc.strerror or str(exc)))


def _write_csv(text: str, target: Path) -> None:
    """With a byte-order mark, so that Excel reads it as UTF-8."""
    with target.open("w", encoding="utf-8-sig", newline="") as file:
        file.write(text)


def _write(summary: Summary, fmt: Format, target: Path) -> str:
    match fmt:
        case Format.TEXT:
            from bot.summary.render_text import render_text

            target.write_text(render_text(summary), "utf-8")
        case Format.HTML:
            from bot.summary.render_html import render_html

            target.write_text(render_html(summary), "utf-8")
        case Format.CSV:
            from bot.summary.render_csv import render_summary_csv

            _write_csv(render_summary_csv(summary), target)
        case Format.XLSX:
            from bot.summary.render_xlsx import render_xlsx

            target.write_bytes(render_xlsx(summary))
        case Format.DOCX if target.suffix.lower() == ".zip":
            from bot.summary.render_docx import write_docx_zip

            count = write_docx_zip(summary, target)
            return _s("wrote_forms", count=count, path=target)
        case Format.DOCX:
            from bot.summary.render_docx import iter_docx

            return _write_forms(iter_docx(summary), target)
        case Format.PDF:
            from bot.summary.render_pdf import summary_pdf

            target.write_bytes(summary_pdf(summary))
        case Format.FORMS_PDF if target.suffix.lower() == ".pdf":
            from bot.summary.render_pdf import forms_pdf

            combined = forms_pdf(summary)
            if combined is not None:
                target.write_bytes(combined)
            return _s("wrote_forms", count=len(summary.partnerships), path=target)
        case Format.FORMS_PDF:
            from bot.summary.render_pdf import render_all_pdf

            return _write_forms(render_all_pdf(summary).items(), target)
        case Format.PNG:
            from bot.summary.charts import dashboard_png

            target.write_bytes(dashboard_png(summary))
    return _s("wrote", path=target)


def _write_forms(forms: Iterable[tuple[str, bytes]], folder: Path) -> str:
    """One file per partnership into `folder`, each written as soon as it is made."""
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for name, data in forms:
        (folder / name).write_bytes(data)
        count += 1
    return _s("wrote_forms", count=count, path=folder)
