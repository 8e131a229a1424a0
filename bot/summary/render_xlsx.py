"""The summary as an Excel workbook: Progress, Charts (native Excel charts), Answers matrix,
Notes, Points to look at, Actions, Changes after submission (and, when compared with an
earlier round, what changed since).

Questions are numbered 1..N as in the chat, with their section beside the number. In the
matrix, "No" and "Our practice differs" are highlighted, a cell with a note carries it as a
cell comment, and an answer changed after submission says so in its comment.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.cell import Cell as SheetCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.questionnaire import Kind, Severity
from bot.summary.context import Wording
from bot.summary.model import Cell as AnswerCell
from bot.summary.model import Summary
from bot.summary.xlsx_charts import charts_sheet

Cell = str | int | datetime | None
DATE_FORMAT = "yyyy-mm-dd hh:mm"
_WRAP = Alignment(wrap_text=True, vertical="top")
_BOLD = Font(bold=True)
STAND_OUT = PatternFill("solid", fgColor="FDD9B5")
"""The HTML report's highlight for "No" and "Our practice differs"."""
UNANSWERED = Font(italic=True, color="777777")
SEVERITY_FILL = {
    Severity.RED: PatternFill("solid", fgColor="F4C7C3"),
    Severity.AMBER: PatternFill("solid", fgColor="FDE7B0"),
}
"""The HTML report's colours for an action's severity."""
COMMENT_AUTHOR = "Audit bot"


def render_xlsx(summary: Summary) -> bytes:
    w = Wording(summary)
    book = Workbook()
    progress = book.active
    assert progress is not None
    _progress(progress, summary, w)
    charts_sheet(book.create_sheet(), summary, w)
    _matrix(book.create_sheet(), summary, w)
    _notes(book.create_sheet(), summary, w)
    _attention(book.create_sheet(), summary, w)
    _actions(book.create_sheet(), summary, w)
    if summary.queries:
        _queries(book.create_sheet(), summary, w)
    if summary.comparison is not None:
        _compared(book.create_sheet(), summary, w)
    _changes(book.create_sheet(), summary, w)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _progress(sheet: Worksheet, summary: Summary, w: Wording) -> None:
    sheet.title = w.s("sheet.progress")
    keys = ("partnership", "status", "answered", "total", "last_activity", "submitted_at")
    header = [w.s(f"column.{key}") for key in (*keys, "contacts")]
    header += [w.s("column.submitted_by"), w.s("column.amended_at")]
    header += [w.s(f"column.{key}") for key in ("signed_off_by", "signoff_role", "signed_off_at")]
    rows: list[list[Cell]] = [
        [
            p.name,
            w.status(p.status),
            p.answered,
            p.total,
            _local(summary, p.last_activity_at),
            _local(summary, p.submitted_at),
            ", ".join(p.contacts),
            p.submitted_by,
            _local(summary, p.amended_at) if p.amendments else None,
            p.signoff.name if p.signoff else None,
            p.signoff.role if p.signoff else None,
            _local(summary, p.signoff.signed_at) if p.signoff else None,
        ]
        for p in summary.partnerships
    ]
    widths = (30, 14, 10, 8, 18, 18, 40, 20, 18, 24, 24, 18)
    _fill(sheet, header, rows, widths=widths, freeze="B2")


def _matrix(sheet: Worksheet, summary: Summary, w: Wording) -> None:
    """Every question (choice and free text) × partnership, then each choice's count."""
    sheet.title = w.s("sheet.matrix")
    totals: list[tuple[Kind, str]] = []
    for tally in summary.tallies:
        for value in tally.question.item.kind.choices:
            if (tally.question.item.kind, value) not in totals:
                totals.append((tally.question.item.kind, value))
    header = [w.s(f"column.{key}") for key in ("number", "section", "question_id", "question")]
    header += [p.name for p in summary.partnerships]
    header += [w.choice(kind, value) for kind, value in totals] + [w.s("unanswered_short")]
    rows: list[list[Cell]] = []
    cells: list[tuple[AnswerCell, ...]] = []
    by_id = {t.question.item.id: t for t in summary.tallies}
    written = {x.question.item.id: x for x in summary.written}
    for q in summary.questions:
        row: list[Cell] = [q.number, q.section_number, q.item.id, q.item.text]
        if q.item.id in by_id:
            tally = by_id[q.item.id]
            counts = dict(tally.counts)
            answers = tally.cells
            row += [w.choice(q.item.kind, c.value) for c in answers]
            row += [counts.get(v) if kind is q.item.kind else None for kind, v in totals]
            row.append(tally.unanswered)
        else:
            answers = written[q.item.id].cells
            row += [w.choice(q.item.kind, c.value) for c in answers]
            row += [None for _ in totals]
            row.append(len(written[q.item.id].missing))
        rows.append(row)
        cells.append(answers)
    widths = (6, 8, 22, 60, *(18 for _ in summary.partnerships), *(11 for _ in totals), 11)
    _fill(sheet, header, rows, widths=widths, freeze="E2")
    first = 5  # column of the first partnership
    for r, answers in enumerate(cells, start=2):
        for c, answer in enumerate(answers, start=first):
            _mark(sheet.cell(row=r, column=c), answer, w)


def _mark(cell: SheetCell, answer: AnswerCell, w: Wording) -> None:
    """Highlight, grey out, and comment one matrix cell as the HTML report marks it."""
    if answer.stands_out:
        cell.fill = STAND_OUT
        cell.font = _BOLD
    elif not answer.answered:
        cell.font = UNANSWERED
    said = []
    if answer.note:
        said.append(w.s("marker.note_title", note=answer.note))
    if answer.amended:
        said.append(w.s("marker.amended_title"))
    if said:
        text = ILLEGAL_CHARACTERS_RE.sub("", "\n".join(said))
        cell.comment = Comment(text, COMMENT_AUTHOR, width=300, height=120)


def _notes(sheet: Worksheet, summary: Summary, w: Wording) -> None:
    sheet.title = w.s("sheet.notes")
    keys = ("partnership", "number", "section", "question_id", "question", "answer", "note")
    header = [w.s(f"column.{key}") for key in (*keys, "answered_by", "answered_at")]
    rows: list[list[Cell]] = []
    for group in summary.comments:
        q = group.question
        for c in group.comments:
            answer = c.text if c.is_answer else w.choice(q.item.kind, c.value)
            note = None if c.is_answer else c.text
            at = _local(summary, c.answered_at)
            rows.append([c.partnership, q.number, q.section_number, q.item.id, q.item.text])
            rows[-1] += [answer, note, c.answered_by, at]
    _fill(sheet, header, rows, widths=(28, 6, 8, 22, 50, 40, 50, 20, 18), freeze="B2")


def _attention(sheet: Worksheet, summary: Summary, w: Wording) -> None:
    sheet.title = w.s("sheet.attention")
    keys = ("partnership", "number", "section", "question_id", "question", "reason", "answer")
    header = [w.s(f"column.{key}") for key in (*keys, "note")]
    rows: list[list[Cell]] = []
    for a in summary.attention:
        q = a.question
        value = a.answer.value if a.answer else None
        answer = w.choice(q.item.kind, value) if q is not None and value is not None else None
        note = a.answer.note if a.answer else None
        if q is None:
            rows.append([a.partnership, None, None, None, None, w.attention(a), None, None])
        else:
            rows.append([a.partnership, q.number, q.section_number, q.item.id, q.item.text])
            rows[-1] += [w.attention(a), answer, note]
    _fill(sheet, header, rows, widths=(28, 6, 8, 22, 50, 40, 40, 50), freeze="B2")


def _actions(sheet: Worksheet, summary: Summary, w: Wording) -> None:
    """Answers that need follow-up: severity, what to do, and whether it is done."""
    sheet.title = w.f("sheet")
    header = [w.f("column.id"), w.f("column.severity")]
    keys = ("partnership", "number", "section", "question_id", "question", "answer", "note")
    header += [w.s(f"column.{key}") for key in keys]
    header += [w.f("column.suggested"), w.f("column.status")]
    rows: list[list[Cell]] = []
    for a in summary.actions:
        q = a.question
        rows.append([a.code, w.severity(a), a.partnership, q.number, q.section_number])
        rows[-1] += [q.item.id, q.item.text, w.choice(q.item.kind, a.answer.value), a.note]
        rows[-1] += ["\n".join(a.suggestions), w.action_status(a)]
    widths = (8, 10, 28, 6, 8, 22, 50, 30, 40, 50, 30)
    _fill(sheet, header, rows, widths=widths, freeze="C2")
    for r, a in enumerate(summary.actions, start=2):
        severity = sheet.cell(row=r, column=2)
        severity.fill = SEVERITY_FILL[a.severity]
        severity.font = _BOLD


def _queries(sheet: Worksheet, summary: Summary, w: Wording) -> None:
    """The LA's queries to partnerships, open ones first, with their age in days."""
    sheet.title = w.t.string("queries.summary.sheet")
    keys = ("id", "partnership", "question", "comment", "asked", "status", "reply")
    header = [w.t.string(f"queries.cli.column.{key}") for key in keys]
    header.insert(5, w.t.string("queries.summary.age_column"))
    rows: list[list[Cell]] = [
        [q.id, q.partnership, q.question, q.comment, q.asked, q.age_days, q.status, q.reply]
        for q in summary.queries
    ]
    _fill(sheet, header, rows, widths=(6, 28, 50, 50, 20, 8, 36, 40), freeze="C2")


def _compared(sheet: Worksheet, summary: Summary, w: Wording) -> None:
    """Every answer that differs from the earlier round's, newly "No"/"differs" marked and
    highlighted; below the table, the questions asked for the first time and those no
    longer asked (as the text and HTML summaries say them)."""
    comparison = summary.comparison
    assert comparison is not None
    earlier = comparison.previous.id
    sheet.title = w.c("sheet", round=earlier)
    keys = ("partnership", "number", "section", "question_id", "question")
    header = [w.s(f"column.{key}") for key in keys]
    header += [w.c("column.before", round=earlier), w.s("column.note")]
    header += [w.c("column.after"), w.s("column.note"), w.c("column.reworded")]
    header.append(w.c("newly"))
    rows: list[list[Cell]] = []
    for change in comparison.changes:
        q, before, after = change.question, change.before, change.after
        rows.append([change.partnership, q.number, q.section_number, q.item.id, q.item.text])
        rows[-1] += [
            w.choice(q.item.kind, before.value if before else None),
            before.note if before and before.note else None,
            w.choice(q.item.kind, after.value),
            after.note or None,
            w.c("reworded") if change.reworded else None,
            w.c("newly_marker", answer=w.choice(q.item.kind, after.value))
            if change.newly_stands_out
            else None,
        ]
    widths = (28, 6, 8, 22, 50, 20, 40, 20, 40, 20, 24)
    _fill(sheet, header, rows, widths=widths, freeze="B2")
    for r, change in enumerate(comparison.changes, start=2):
        if change.newly_stands_out:
            for column in (8, 11):
                now = sheet.cell(row=r, column=column)
                now.fill = STAND_OUT
                now.font = _BOLD
    # below the table (and outside its filter), one row per question added or removed
    notes: list[list[Cell]] = []
    if not comparison.changes:
        notes.append([w.c("none", round=earlier)])
    notes += [
        [w.c("column.new_question"), q.number, q.section_number, q.item.id, q.item.text]
        for q in comparison.new_questions
    ]
    notes += [
        [w.c("column.removed_question"), None, None, None, text]
        for text in comparison.removed_questions
    ]
    first = sheet.max_row + 2
    for r, row in enumerate(notes, start=first):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c)
            cell.value = ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
            if isinstance(value, str):
                cell.data_type = "s"
            cell.alignment = _WRAP
        sheet.cell(row=r, column=1).font = _BOLD


def _changes(sheet: Worksheet, summary: Summary, w: Wording) -> None:
    """Every answer changed after submission: what it was and became, who changed it, when."""
    sheet.title = w.s("sheet.changes")
    keys = ("changed_at", "partnership", "number", "section", "question_id", "question")
    header = [w.s(f"column.{key}") for key in keys]
    header += [w.s(f"column.{key}") for key in ("before", "before_note", "after", "after_note")]
    header += [w.s("column.changed_by"), w.s("column.channel")]
    rows: list[list[Cell]] = []
    for a in summary.amendments:
        q = a.question
        before = a.before
        rows.append([_local(summary, a.after.answered_at), a.partnership, q.number])
        rows[-1] += [q.section_number, q.item.id, q.item.text]
        rows[-1] += [
            w.choice(q.item.kind, before.value if before else None),
            before.note if before else None,
            w.choice(q.item.kind, a.after.value),
            a.after.note,
            a.after.contact_name,
            a.after.channel,
        ]
    widths = (18, 28, 6, 8, 22, 50, 20, 40, 20, 40, 20, 12)
    _fill(sheet, header, rows, widths=widths, freeze="C2")


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
