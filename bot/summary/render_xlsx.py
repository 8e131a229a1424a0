"""The summary as an Excel workbook: Progress, Answers matrix, Notes, Points to look at."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.questionnaire import Kind
from bot.summary.context import Wording
from bot.summary.model import Summary

Cell = str | int | datetime | None
DATE_FORMAT = "yyyy-mm-dd hh:mm"
_WRAP = Alignment(wrap_text=True, vertical="top")
_BOLD = Font(bold=True)


def render_xlsx(summary: Summary) -> bytes:
    w = Wording(summary)
    book = Workbook()
    progress = book.active
    assert progress is not None
    _progress(progress, summary, w)
    _matrix(book.create_sheet(), summary, w)
    _notes(book.create_sheet(), summary, w)
    _attention(book.create_sheet(), summary, w)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _progress(sheet: Worksheet, summary: Summary, w: Wording) -> None:
    sheet.title = w.s("sheet.progress")
    header = [
        w.s(f"column.{key}")
        for key in ("partnership", "status", "answered", "total", "last_activity")
    ]
    header += [w.s("column.submitted_at"), w.s("column.contacts")]
    rows: list[list[Cell]] = [
        [
            p.name,
            w.status(p.status),
            p.answered,
            p.total,
            _local(summary, p.last_activity_at),
            _local(summary, p.submitted_at),
            ", ".join(p.contacts),
        ]
        for p in summary.partnerships
    ]
    _fill(sheet, header, rows, widths=(30, 14, 10, 8, 18, 18, 40), freeze="B2")


def _matrix(sheet: Worksheet, summary: Summary, w: Wording) -> None:
    sheet.title = w.s("sheet.matrix")
    totals: list[tuple[Kind, str]] = []
    for tally in summary.tallies:
        for value in tally.question.item.kind.choices:
            if (tally.question.item.kind, value) not in totals:
                totals.append((tally.question.item.kind, value))
    header = [w.s("column.section"), w.s("column.question_id"), w.s("column.question")]
    header += [p.name for p in summary.partnerships]
    header += [w.choice(kind, value) for kind, value in totals] + [w.s("unanswered_short")]
    rows: list[list[Cell]] = []
    for tally in summary.tallies:
        q = tally.question
        counts = dict(tally.counts)
        row: list[Cell] = [q.number, q.item.id, q.item.text]
        row += [w.choice(q.item.kind, value) for _, value in tally.values]
        row += [counts.get(value) if kind is q.item.kind else None for kind, value in totals]
        rows.append([*row, tally.unanswered])
    widths = (9, 22, 60, *(16 for _ in summary.partnerships), *(11 for _ in totals), 11)
    _fill(sheet, header, rows, widths=widths, freeze="D2")


def _notes(sheet: Worksheet, summary: Summary, w: Wording) -> None:
    sheet.title = w.s("sheet.notes")
    keys = ("partnership", "section", "question_id", "question", "answer", "note")
    header = [w.s(f"column.{key}") for key in (*keys, "answered_by", "answered_at")]
    rows: list[list[Cell]] = []
    for group in summary.comments:
        q = group.question
        for c in group.comments:
            answer = c.text if c.is_answer else w.choice(q.item.kind, c.value)
            note = None if c.is_answer else c.text
            at = _local(summary, c.answered_at)
            rows.append([c.partnership, q.number, q.item.id, q.item.text, answer, note])
            rows[-1] += [c.answered_by, at]
    _fill(sheet, header, rows, widths=(28, 9, 22, 50, 40, 50, 20, 18), freeze="B2")


def _attention(sheet: Worksheet, summary: Summary, w: Wording) -> None:
    sheet.title = w.s("sheet.attention")
    keys = ("partnership", "section", "question_id", "question", "reason", "answer", "note")
    header = [w.s(f"column.{key}") for key in keys]
    rows: list[list[Cell]] = []
    for a in summary.attention:
        q = a.question
        value = a.answer.value if a.answer else None
        answer = w.choice(q.item.kind, value) if q is not None and value is not None else None
        note = a.answer.note if a.answer else None
        if q is None:
            rows.append([a.partnership, None, None, None, w.attention(a), None, None])
        else:
            rows.append(
                [a.partnership, q.number, q.item.id, q.item.text, w.attention(a), answer, note]
            )
    _fill(sheet, header, rows, widths=(28, 9, 22, 50, 30, 40, 50), freeze="B2")


def _local(summary: Summary, moment: datetime | None) -> datetime | None:
    """Excel has no time zones: write the LA's local time without one."""
    local = summary.local(moment)
    return local.replace(tzinfo=None) if local else None


def _fill(
    sheet: Worksheet,
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    *,
    widths: Sequence[int],
    freeze: str,
) -> None:
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = _BOLD
        cell.alignment = _WRAP
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c)
            if isinstance(value, str):
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell.data_type = "s"  # text that starts with "=" stays text, not a formula
            else:
                cell.value = value
                if isinstance(value, datetime):
                    cell.number_format = DATE_FORMAT
            cell.alignment = _WRAP
    for c, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = width
    sheet.freeze_panes = freeze
    if rows:
        sheet.auto_filter.ref = sheet.dimensions
