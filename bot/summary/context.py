"""What every summary template is given: the summary and the helpers to word it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from bot.questionnaire import Kind
from bot.summary.actions import Action
from bot.summary.compare import AnswerChange
from bot.summary.model import (
    Amendment,
    Attention,
    Question,
    Reason,
    RoundState,
    SectionSummary,
    Summary,
    stands_out,
)
from bot.texts import texts
from storage.records import Answer, Status

SCHOOL_YEAR_STARTS = 9
"""English schools' year starts in September: a round opened in November 2026 is 2026/27."""


class Wording:
    """Formats times, statuses and answers for one summary, with texts from strings.yaml."""

    def __init__(self, summary: Summary) -> None:
        self.summary = summary
        self.t = texts()

    def s(self, key: str, **context: Any) -> str:
        return self.t.string(f"reports.{key}", **context)

    def when(self, moment: datetime | None) -> str:
        local = self.summary.local(moment)
        return local.strftime(self.s("format.datetime")) if local else self.s("never")

    def day(self, value: date) -> str:
        return value.strftime(self.s("format.date"))

    def short_day(self, value: date) -> str:
        return value.strftime(self.s("format.short_date"))

    def status(self, status: Status) -> str:
        return self.t.string(f"status.{status.value}")

    def choice(self, kind: Kind, value: str | None) -> str:
        """A stored value as people read it; blank or missing reads 'Not answered'."""
        if value is None or (not kind.is_free_text and value not in kind.choices):
            return self.s("unanswered_short")
        return self.t.answer_label(Answer(value), kind)

    def title(self) -> str:
        return self.s("title", title=self.summary.questionnaire.title)

    def school_year(self) -> str:
        opened = self.summary.local(self.summary.round.opened_at)
        assert opened is not None
        start = opened.year if opened.month >= SCHOOL_YEAR_STARTS else opened.year - 1
        return self.s("school_year", start=start, end=f"{(start + 1) % 100:02d}")

    def round_title(self) -> str:
        """The audit's title with its school year, as the form's title reads."""
        return self.s(
            "round_title", title=self.summary.questionnaire.title, year=self.school_year()
        )

    def round_dates(self, *, relative: bool = True) -> str:
        """Round number, when it opened, the deadline (how far off, unless `relative` is
        False, as on a printed form), and when it closed (if it did)."""
        r = self.summary.round
        opened = self.summary.local(r.opened_at)
        return self.s(
            "round_dates",
            id=r.id,
            opened=self.day(opened.date()) if opened else "",
            deadline=self.deadline(relative=relative),
            closed=self.when(r.closed_at) if r.closed_at else "",
        )

    def deadline(self, *, relative: bool = True) -> str:
        """'Deadline 30 November 2026 (in 3 days)': how far off only while the round is open."""
        return self.s(
            "deadline",
            date=self.day(self.summary.round.deadline),
            days=self.summary.days_left,
            relative=relative and self.summary.state is not RoundState.CLOSED,
        )

    def question(self, question: Question) -> str:
        """'7. Attendance Records': the number people see in the chat, then the text."""
        return self.s("question", number=question.number, text=question.item.text)

    def questions(self, questions: Iterable[Question]) -> str:
        """'12. Photographs of the young person; 13. …': each with its number and text."""
        return "; ".join(self.question(question) for question in questions)

    def in_section(self, question: Question) -> str:
        return self.s("in_section", number=question.section_number)

    def section(self, section: SectionSummary) -> str:
        return self.s("section", number=section.number, heading=section.section.heading)

    def section_questions(self, section: SectionSummary) -> str:
        return self.s("section_questions", first=section.first, last=section.last)

    def attention(self, point: Attention) -> str:
        """Why a point is listed, in sentences (the answer's own text is shown apart); a
        partnership's other follow-up reasons follow in the same point."""
        return " ".join([self._reason(point), *(self._reason(more) for more in point.also)])

    def _reason(self, point: Attention) -> str:
        if point.reason is Reason.NO_PROGRESS:
            return self.s(
                "attention.no_progress", reminders=point.reminders, when=self.when(point.at)
            )
        if point.reason is Reason.UNREACHABLE:
            return self.s(
                "attention.unreachable", name=point.contact or "", when=self.when(point.at)
            )
        if point.reason is Reason.NOT_SUBMITTED:
            result = next(p for p in self.summary.partnerships if p.name == point.partnership)
            return self.s(
                "attention.not_submitted",
                state=self.summary.state.value,
                days=self.summary.days_left,
                answered=result.answered,
                total=result.total,
            )
        if point.reason is Reason.NOT_STARTED or point.question is None:
            return self.s(
                "attention.not_started",
                state=self.summary.state.value,
                days=self.summary.days_left,
                closed=self.when(self.summary.round.closed_at),
            )
        kind = point.question.item.kind
        if kind.is_free_text:
            return self.s("attention.flagged_text")
        value = point.answer.value if point.answer else None
        return self.s("attention.flagged", answer=self.choice(kind, value))

    def f(self, key: str, **context: Any) -> str:
        """A follow-up actions text."""
        return self.t.string(f"follow_up.{key}", **context)

    def c(self, key: str, **context: Any) -> str:
        """A text of the comparison with an earlier round."""
        return self.t.string(f"compare.{key}", **context)

    def severity(self, action: Action) -> str:
        return self.f(f"severity.{action.severity.value}")

    def action_status(self, action: Action) -> str:
        """'Open', 'Done by cli:jo, 02 Dec 2026 10:00', or open again after a change."""
        if action.done is not None:
            return self.f(
                "status.done", who=action.done.done_by, when=self.when(action.done.done_at)
            )
        if action.superseded is not None:
            earlier = action.superseded
            return self.f("status.reopened", who=earlier.done_by, when=self.when(earlier.done_at))
        return self.f("status.open")

    def answered_of(self, answered: int, total: int) -> str:
        return self.s("answered_of", answered=answered, total=total)

    def status_counts(self) -> str:
        summary = self.summary
        return self.s(
            "status_counts",
            submitted=summary.count(Status.SUBMITTED),
            in_progress=summary.count(Status.IN_PROGRESS),
            not_started=summary.count(Status.NOT_STARTED),
            total=len(summary.partnerships),
        )

    def split_label(self, kind: Kind, value: str | None) -> str:
        """A section chart's segment: a choice, 'Written answer', 'Nothing to add', 'Not
        answered'."""
        if value is None:
            return self.s("unanswered_short")
        if kind.is_free_text:
            return self.s("chart.wrote") if value else self.s("chart.nothing")
        return self.choice(kind, value)

    def version(self, amendment: Amendment, answer: Answer | None) -> str:
        """An answer as it stood, with its note: 'No (note: "Only for pupils on roll")'."""
        kind = amendment.question.item.kind
        value = answer.value if answer is not None else None
        note = answer.note if answer is not None and answer.note else ""
        return self.s("change.version", answer=self.choice(kind, value), note=note)

    def compared(self, change: AnswerChange) -> str:
        """'Yes → No (note: "Only for pupils on roll")': the earlier round's answer, then now."""
        before = self.answer_version(change.question, change.before)
        after = self.answer_version(change.question, change.after)
        return self.s("change.line", before=before, after=after)

    def answer_version(self, question: Question, answer: Answer | None) -> str:
        """An answer with its note, to `question`; None reads 'Not answered'."""
        value = answer.value if answer is not None else None
        note = (answer.note or "").strip() if answer is not None else ""
        return self.s("change.version", answer=self.choice(question.item.kind, value), note=note)


def template_context(summary: Summary) -> dict[str, Any]:
    return {
        "summary": summary,
        "w": Wording(summary),
        "Reason": Reason,
        "Status": Status,
        "RoundState": RoundState,
        "stands_out": stands_out,
    }
