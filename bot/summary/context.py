"""What every summary template is given: the summary and the helpers to word it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.questionnaire import Kind
from bot.summary.model import Attention, Reason, Summary
from bot.texts import texts
from storage.records import Answer, Status


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

    def status(self, status: Status) -> str:
        return self.t.string(f"status.{status.value}")

    def choice(self, kind: Kind, value: str | None) -> str:
        """A stored value as people read it; blank or missing reads 'Not answered'."""
        if value is None or (not kind.is_free_text and value not in kind.choices):
            return self.s("unanswered_short")
        return self.t.answer_label(Answer(value), kind)

    def title(self) -> str:
        return self.s("title", title=self.summary.questionnaire.title)

    def deadline(self) -> str:
        return self.s(
            "deadline", date=self.day(self.summary.round.deadline), days=self.summary.days_left
        )

    def attention(self, point: Attention) -> str:
        """One sentence saying why a point is listed (the answer's own text is shown apart)."""
        if point.reason is Reason.NO_PROGRESS:
            return self.s(
                "attention.no_progress", reminders=point.reminders, when=self.when(point.at)
            )
        if point.reason is Reason.UNREACHABLE:
            return self.s(
                "attention.unreachable", name=point.contact or "", when=self.when(point.at)
            )
        if point.reason is Reason.NOT_STARTED or point.question is None:
            return self.s("attention.not_started")
        kind = point.question.item.kind
        if kind.is_free_text:
            return self.s("attention.flagged_text")
        value = point.answer.value if point.answer else None
        return self.s("attention.flagged", answer=self.choice(kind, value))

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


def template_context(summary: Summary) -> dict[str, Any]:
    return {"summary": summary, "w": Wording(summary), "Reason": Reason, "Status": Status}
