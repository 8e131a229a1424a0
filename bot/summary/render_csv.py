"""The summary as CSV: one row per partnership and question, text kept as typed except
that a cell a spreadsheet would run as a formula starts with ' (`spreadsheet_safe`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from bot.summary.context import Wording
from bot.summary.model import Summary

COLUMNS = (
    "partnership",
    "number",
    "section",
    "question_id",
    "question",
    "answer",
    "note",
    "answered_by",
    "answered_at",
    "channel",
    "note_by",
)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
"""OWASP's CSV injection list (and its full-width forms, which some spreadsheets accept)."""


def spreadsheet_safe(cell: str) -> str:
    """The cell for any CSV we write: text typed by anyone (`=HYPERLINK(...)`) must not run
    as a formula when the LA opens the file, so such a cell gets a leading '."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def csv_rows(summary: Summary) -> Iterator[list[str]]:
    """The header, then every partnership × question (blank answer: not answered yet);
    questions are numbered 1..N as in the chat, with their section beside the number."""
    w = Wording(summary)
    yield [w.s(f"column.{name}") for name in COLUMNS]
    for result in summary.partnerships:
        for question in summary.questions:
            answer = result.answer(question.item.id)
            value = answer.value if answer else None
            at = summary.local(answer.answered_at) if answer else None
            yield [
                result.name,
                str(question.number),
                str(question.section_number),
                question.item.id,
                question.item.text,
                "" if value is None else w.choice(question.item.kind, value),
                (answer.note or "") if answer else "",
                (answer.contact_name or "") if answer else "",
                at.strftime("%Y-%m-%d %H:%M") if at else "",
                (answer.channel or "") if answer and value is not None else "",
                (answer.note_by or "") if answer and answer.note else "",
            ]


def render_csv(summary: Summary) -> str:
    """CSV text; write it with encoding 'utf-8-sig' and newline='' so Excel reads it right."""
    buffer = io.StringIO()
    rows = ([spreadsheet_safe(cell) for cell in row] for row in csv_rows(summary))
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()
