"""The answers as CSV: one row per partnership and question, text kept as typed except that
a cell a spreadsheet would run as a formula starts with ' (`spreadsheet_safe`).

Two tables share the answer columns: `auditbot export` writes the answers alone
(`render_csv`); the LA summary (`render_summary_csv`) adds, on the same rows, the sign-off,
what the answer was in the round compared with and whether it changed, the follow-up action
on it and the LA's query about it. Its header is always the same, so that scripts can rely
on it: a column that does not apply to a row (or to the whole summary) is left blank.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime

from bot.summary.actions import Action
from bot.summary.compare import Comparison
from bot.summary.context import Wording
from bot.summary.model import PartnershipResult, Question, Summary
from bot.summary.queries import QueryView

ANSWER_COLUMNS = (
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
"""The answer's own columns (labels in strings.yaml, reports.column)."""

SUMMARY_COLUMNS = (
    "signed_off_by",
    "signed_off_as",
    "signed_off_at",
    "compared_with",
    "earlier_answer",
    "earlier_note",
    "since",
    "reworded",
    "action",
    "severity",
    "suggested",
    "action_status",
    "done_by",
    "done_at",
    "query",
    "query_asked",
    "query_status",
    "query_reply",
)
"""What the summary adds after them (labels in strings.yaml, reports.csv.column)."""

TIME_FORMAT = "%Y-%m-%d %H:%M"
"""Times in the LA's zone, sortable as text."""

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
    yield [w.s(f"column.{name}") for name in ANSWER_COLUMNS]
    for result in summary.partnerships:
        for question in summary.questions:
            yield _answer_cells(w, result, question)


def summary_rows(summary: Summary) -> Iterator[list[str]]:
    """`csv_rows` with the summary's columns added to each row (`SUMMARY_COLUMNS`)."""
    w = Wording(summary)
    header = [w.s(f"column.{name}") for name in ANSWER_COLUMNS]
    yield header + [w.s(f"csv.column.{name}") for name in SUMMARY_COLUMNS]
    actions = {(a.partnership_id, a.question.item.id): a for a in summary.actions}
    queries = _latest_queries(summary.queries)
    compared = _Compared(w, summary.comparison)
    for result in summary.partnerships:
        signed = _signoff_cells(w, result)
        for question in summary.questions:
            key = (result.partnership.id, question.item.id)
            yield [
                *_answer_cells(w, result, question),
                *signed,
                *compared.cells(result, question),
                *_action_cells(w, actions.get(key)),
                *_query_cells(w, queries.get(key)),
            ]


def render_csv(summary: Summary) -> str:
    """The answers alone (`auditbot export`); write it with encoding 'utf-8-sig' and
    newline='' so Excel reads it right."""
    return _write(csv_rows(summary))


def render_summary_csv(summary: Summary) -> str:
    """The LA summary as one flat table (`auditbot summary --format csv`); written as
    `render_csv` is."""
    return _write(summary_rows(summary))


def _write(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def _time(w: Wording, moment: datetime | None) -> str:
    local = w.summary.local(moment)
    return local.strftime(TIME_FORMAT) if local else ""


def _answer_cells(w: Wording, result: PartnershipResult, question: Question) -> list[str]:
    answer = result.answer(question.item.id)
    value = answer.value if answer else None
    return [
        result.name,
        str(question.number),
        str(question.section_number),
        question.item.id,
        question.item.text,
        "" if value is None else w.choice(question.item.kind, value),
        (answer.note or "") if answer else "",
        (answer.contact_name or "") if answer else "",
        _time(w, answer.answered_at) if answer else "",
        (answer.channel or "") if answer and value is not None else "",
        (answer.note_by or "") if answer and answer.note else "",
    ]


def _signoff_cells(w: Wording, result: PartnershipResult) -> list[str]:
    signed = result.signoff
    if signed is None:
        return ["", "", ""]
    return [signed.name, signed.role, _time(w, signed.signed_at)]


class _Compared:
    """The comparison, looked up per row: the round, the earlier answer, what became of it."""

    def __init__(self, w: Wording, comparison: Comparison | None) -> None:
        self.w = w
        self.comparison = comparison
        self.new = {q.item.id for q in comparison.new_questions} if comparison else set()
        self.since = {
            key: w.s(f"csv.since.{key}")
            for key in ("changed", "unchanged", "not_answered", "new_question", "new_partnership")
        }
        self.reworded = w.s("csv.reworded")
        self.changed = (
            {
                (p.partnership, c.question.item.id)
                for p in comparison.partnerships
                for c in p.changes
            }
            if comparison
            else set()
        )

    def cells(self, result: PartnershipResult, question: Question) -> list[str]:
        """Round compared with, the answer and note then, what became of it, reworded."""
        comparison, w = self.comparison, self.w
        if comparison is None:
            return ["", "", "", "", ""]
        item = question.item
        round_ = str(comparison.previous.id)
        reworded = self.reworded if item.id in comparison.reworded else ""
        earlier = comparison.earlier.get(result.partnership.id)
        if item.id in self.new:
            return [round_, "", "", self.since["new_question"], reworded]
        if earlier is None:
            return [round_, "", "", self.since["new_partnership"], reworded]
        was = earlier.get(item.id)
        was_value = was.value if was else None
        now = result.answer(item.id)
        if now is None or now.value is None:
            since = "not_answered"
        elif (result.name, item.id) in self.changed:
            since = "changed"
        else:
            since = "unchanged"
        return [
            round_,
            "" if was_value is None else w.choice(item.kind, was_value),
            (was.note or "").strip() if was else "",
            self.since[since],
            reworded,
        ]


def _action_cells(w: Wording, action: Action | None) -> list[str]:
    """ID, severity, every suggestion, Open/Open again/Done, and who did it when."""
    if action is None:
        return ["", "", "", "", "", ""]
    if action.done is not None:
        status, by, at = "done", action.done.done_by, _time(w, action.done.done_at)
    else:
        status = "reopened" if action.superseded is not None else "open"
        by = at = ""
    return [
        action.code,
        w.severity(action),
        " ".join(action.suggestions),
        w.s(f"csv.action_status.{status}"),
        by,
        at,
    ]


def _query_cells(w: Wording, query: QueryView | None) -> list[str]:
    if query is None:
        return ["", "", "", ""]
    return [query.comment, _time(w, query.asked_at), query.status, query.reply]


def _latest_queries(queries: Iterable[QueryView]) -> Mapping[tuple[int, str], QueryView]:
    """One query per answer: the newest open one, else the newest answered."""
    found: dict[tuple[int, str], QueryView] = {}
    for query in queries:
        key = (query.partnership_id, query.question_id)
        current = found.get(key)
        if current is None or (query.is_open, query.id) > (current.is_open, current.id):
            found[key] = query
    return found
