"""The LA summary as plain data: compiled once from a round, then rendered many ways.

Compiling is a pure function of what storage returns, so every format shows the same
numbers and the rules for "points to look at" live in one place (and in the questionnaire
YAML's `flag_when`, never in code that names a question).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, tzinfo
from enum import StrEnum

from bot.questionnaire import Item, Questionnaire, Section
from storage.records import Answer, Contact, Partnership, Response, Round, Status
from storage.reminders import Flag

NOT_STARTED_WARNING_DAYS = 7
"""How close to the deadline a partnership that has not started becomes a point to look at."""


class Reason(StrEnum):
    """Why something is a point for the LA to look at; labels are in strings.yaml."""

    NOT_STARTED = "not_started"
    FLAGGED = "flagged"
    NO_PROGRESS = "no_progress"
    """Reminders stopped: the partnership made no progress after several (a reminder flag)."""
    UNREACHABLE = "unreachable"
    """A contact of a partnership that has not submitted cannot be reached (blocked the bot)."""


@dataclass(frozen=True, slots=True)
class PartnershipResult:
    """One partnership's response in the round, with its progress."""

    partnership: Partnership
    status: Status
    answered: int
    total: int
    last_activity_at: datetime | None
    submitted_at: datetime | None
    amended_at: datetime | None
    contacts: tuple[str, ...]
    answers: Mapping[str, Answer] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.partnership.name

    def answer(self, item_id: str) -> Answer | None:
        return self.answers.get(item_id)


@dataclass(frozen=True, slots=True)
class Question:
    """An item with the section (and its 1-based number) it belongs to."""

    number: int
    section: Section
    item: Item


@dataclass(frozen=True, slots=True)
class Tally:
    """A tick or statement question: every partnership's value and the totals per choice."""

    question: Question
    values: tuple[tuple[str, str | None], ...]
    counts: tuple[tuple[str, int], ...]
    unanswered: int

    def names(self, value: str | None) -> tuple[str, ...]:
        """Partnerships that gave `value`; None gives those that have not answered."""
        choices = self.question.item.kind.choices
        if value is None:
            return tuple(name for name, v in self.values if v not in choices)
        return tuple(name for name, v in self.values if v == value)


@dataclass(frozen=True, slots=True)
class Comment:
    """Free text a partnership wrote: the answer to a text question, or a note."""

    partnership: str
    text: str
    is_answer: bool
    value: str | None
    answered_by: str | None
    answered_at: datetime | None


@dataclass(frozen=True, slots=True)
class Comments:
    question: Question
    comments: tuple[Comment, ...]


@dataclass(frozen=True, slots=True)
class Attention:
    """A point the LA should look at, with the answer that raised it (if any)."""

    reason: Reason
    partnership: str
    question: Question | None = None
    answer: Answer | None = None
    contact: str | None = None
    """UNREACHABLE: who cannot be reached."""
    at: datetime | None = None
    """NO_PROGRESS: when reminders stopped; UNREACHABLE: since when."""
    reminders: int = 0
    """NO_PROGRESS: how many reminders went unanswered."""


@dataclass(frozen=True, slots=True)
class Summary:
    round: Round
    questionnaire: Questionnaire
    generated_at: datetime
    partnerships: tuple[PartnershipResult, ...]
    questions: tuple[Question, ...]
    tallies: tuple[Tally, ...]
    comments: tuple[Comments, ...]
    attention: tuple[Attention, ...]
    zone: tzinfo = UTC

    @property
    def days_left(self) -> int:
        """Days until the deadline (negative once it has passed)."""
        return (self.round.deadline - self.today).days

    @property
    def today(self) -> date:
        return self.generated_at.astimezone(self.zone).date()

    @property
    def total_questions(self) -> int:
        return len(self.questions)

    def count(self, status: Status) -> int:
        return sum(1 for p in self.partnerships if p.status is status)

    def local(self, moment: datetime | None) -> datetime | None:
        """A stored (UTC) time as the LA reads it."""
        return moment.astimezone(self.zone) if moment is not None else None


def compile_summary(
    round_: Round,
    questionnaire: Questionnaire,
    responses: Iterable[Response],
    partnerships: Iterable[Partnership],
    contacts: Iterable[Contact],
    answers: Mapping[int, Mapping[str, Answer]],
    now: datetime,
    *,
    zone: tzinfo = UTC,
    warning_days: int = NOT_STARTED_WARNING_DAYS,
    flags: Iterable[Flag] = (),
) -> Summary:
    """Build the summary from storage records; `answers` is keyed by response id.

    `flags` are the round's reminder flags: unresolved ones become points to look at, as do
    unreachable contacts of partnerships that have not submitted.
    """
    names = {p.id: p for p in partnerships}
    contacts = tuple(contacts)
    people: dict[int, list[str]] = {}
    for contact in contacts:
        people.setdefault(contact.partnership_id, []).append(contact.name)
    questions = tuple(
        Question(number, section, item)
        for number, section in enumerate(questionnaire.sections, start=1)
        for item in section.items
    )
    results = sorted(
        (
            _result(response, names, people, answers.get(response.id, {}), questions)
            for response in responses
            if response.partnership_id in names
        ),
        key=lambda r: r.name.casefold(),
    )
    summary = Summary(
        round=round_,
        questionnaire=questionnaire,
        generated_at=now,
        partnerships=tuple(results),
        questions=questions,
        tallies=tuple(_tally(q, results) for q in questions if not q.item.kind.is_free_text),
        comments=tuple(c for q in questions if (c := _comments(q, results)).comments),
        attention=(),
        zone=zone,
    )
    follow_up = _follow_up(results, names, contacts, tuple(flags))
    return replace(summary, attention=_attention(summary, warning_days, follow_up))


def _result(
    response: Response,
    names: Mapping[int, Partnership],
    people: Mapping[int, list[str]],
    answers: Mapping[str, Answer],
    questions: tuple[Question, ...],
) -> PartnershipResult:
    relevant = {q.item.id: answers[q.item.id] for q in questions if q.item.id in answers}
    return PartnershipResult(
        partnership=names[response.partnership_id],
        status=response.status,
        answered=sum(1 for a in relevant.values() if a.answered),
        total=len(questions),
        last_activity_at=response.last_activity_at,
        submitted_at=response.submitted_at,
        amended_at=response.amended_at,
        contacts=tuple(people.get(response.partnership_id, ())),
        answers=relevant,
    )


def _tally(question: Question, results: Iterable[PartnershipResult]) -> Tally:
    values = tuple(
        (r.name, a.value if (a := r.answer(question.item.id)) is not None else None)
        for r in results
    )
    choices = question.item.kind.choices
    counts = tuple((choice, sum(1 for _, v in values if v == choice)) for choice in choices)
    return Tally(question, values, counts, sum(1 for _, v in values if v not in choices))


def _comments(question: Question, results: Iterable[PartnershipResult]) -> Comments:
    found: list[Comment] = []
    for r in results:
        answer = r.answer(question.item.id)
        if answer is None:
            continue
        texts = []
        if question.item.kind.is_free_text and answer.value and answer.value.strip():
            texts.append((answer.value, True))
        if answer.note and answer.note.strip():
            texts.append((answer.note, False))
        found.extend(
            Comment(
                partnership=r.name,
                text=text,
                is_answer=is_answer,
                value=None if question.item.kind.is_free_text else answer.value,
                # a note has its own author, who may not be who gave the answer
                answered_by=answer.contact_name if is_answer else answer.note_by,
                answered_at=answer.answered_at if is_answer else answer.note_at,
            )
            for text, is_answer in texts
        )
    return Comments(question, tuple(found))


def _follow_up(
    results: Iterable[PartnershipResult],
    names: Mapping[int, Partnership],
    contacts: Iterable[Contact],
    flags: Iterable[Flag],
) -> list[Attention]:
    """Partnerships the reminders gave up on, and contacts the bot cannot reach."""
    waiting = {r.partnership.id for r in results if r.status is not Status.SUBMITTED}
    found = [
        Attention(
            Reason.NO_PROGRESS,
            names[f.partnership_id].name,
            at=f.flagged_at,
            reminders=f.reminders,
        )
        for f in flags
        if not f.resolved and f.partnership_id in waiting
    ]
    found.extend(
        Attention(Reason.UNREACHABLE, c.partnership, contact=c.name, at=c.unreachable_at)
        for c in contacts
        if c.unreachable_at is not None and c.partnership_id in waiting
    )
    return sorted(found, key=lambda a: (a.partnership.casefold(), a.reason != Reason.NO_PROGRESS))


def _attention(
    summary: Summary, warning_days: int, follow_up: Iterable[Attention] = ()
) -> tuple[Attention, ...]:
    found: list[Attention] = []
    if summary.round.is_open and summary.days_left <= warning_days:
        found.extend(
            Attention(Reason.NOT_STARTED, r.name)
            for r in summary.partnerships
            if r.status is Status.NOT_STARTED
        )
    found.extend(follow_up)
    for question in summary.questions:
        for r in summary.partnerships:
            answer = r.answer(question.item.id)
            if answer is not None and question.item.flags(answer.value):
                found.append(Attention(Reason.FLAGGED, r.name, question, answer))
    return tuple(found)
