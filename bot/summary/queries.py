"""The LA's queries to partnerships as the summary shows them: open ones first, with their
age (days since asked, or days it took to reply), the comment and the reply."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from bot.summary.model import Question
from bot.texts import texts
from storage.queries import Query
from storage.records import Answer


@dataclass(frozen=True, slots=True)
class QueryView:
    id: int
    partnership_id: int
    partnership: str
    question_id: str
    question: str
    """"12. <the question's text>", or its id for a question this questionnaire lacks."""
    comment: str
    asked: str
    """When it was asked, in the LA's time, as the summary writes times."""
    asked_at: datetime
    age_days: int
    """Days since it was asked (open), or days it took to be answered."""
    is_open: bool
    status: str
    """"Open, 3 days" or "Answered by …, …"."""
    reply: str
    """The answer and note it was answered with; empty while open."""


def query_views(
    queries: Iterable[Query], questions: Iterable[Question], now: datetime, zone: tzinfo
) -> tuple[QueryView, ...]:
    t = texts()
    numbered = {q.item.id: q for q in questions}
    moment = t.string("reports.format.datetime")
    views: list[QueryView] = []
    for query in queries:
        asked = numbered.get(query.question_id)
        title = f"{asked.number}. {asked.item.text}" if asked else query.question_id
        if query.answered_at is None:
            age = (now - query.asked_at).days
            status, reply = t.string("queries.cli.open", days=age), ""
        else:
            age = (query.answered_at - query.asked_at).days
            by = query.answered_by_name or t.string("cli.history.former_contact")
            when = query.answered_at.astimezone(zone).strftime(moment)
            status = t.string("queries.cli.answered", by=by, when=when)
            label = (
                t.answer_label(Answer(query.answer_value), asked.item.kind)
                if asked
                else query.answer_value or ""
            )
            reply = t.string("queries.cli.reply", answer=label, note=query.answer_note or "")
        views.append(
            QueryView(
                id=query.id,
                partnership_id=query.partnership_id,
                partnership=query.partnership,
                question_id=query.question_id,
                question=title,
                comment=query.comment,
                asked=query.asked_at.astimezone(zone).strftime(moment),
                asked_at=query.asked_at,
                age_days=age,
                is_open=query.is_open,
                status=status,
                reply=reply,
            )
        )
    views.sort(key=lambda v: (not v.is_open, -v.age_days if v.is_open else 0, v.id))
    return tuple(views)
