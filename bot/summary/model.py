"""The LA summary as plain data: compiled once from a round, then rendered many ways.

Compiling is a pure function of what storage returns, so every format shows the same
numbers and the rules for "points to look at" live in one place (and in the questionnaire
YAML's `flag_when`, never in code that names a question).

Questions are numbered 1..N across the whole questionnaire, as the chat numbers them; the
section a question belongs to is shown beside that number, never instead of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.questionnaire import Item, Kind, Questionnaire, Section
from storage.records import Answer, Contact, Partnership, Response, Round, SignOff, Status
from storage.reminders import Flag
from storage.responses import HistoryEntry

if TYPE_CHECKING:
    from bot.summary.actions import Action
    from bot.summary.compare import Comparison
    from bot.summary.queries import QueryView

NOT_STARTED_WARNING_DAYS = 7
"""How close to the deadline a partnership that has not started becomes a point to look at."""

STANDS_OUT: Mapping[Kind, str] = {Kind.TICK: "no", Kind.STATEMENT: "differs"}
"""The answer of each choice kind that the LA reads first: highlighted wherever it appears."""


class Reason(StrEnum):
    """Why something is a point for the LA to look at; labels are in strings.yaml."""

    NOT_STARTED = "not_started"
    FLAGGED = "flagged"
    NO_PROGRESS = "no_progress"
    """Reminders stopped: the partnership made no progress after several (a reminder flag)."""
    UNREACHABLE = "unreachable"
    """A contact of a partnership that has not submitted cannot be reached (blocked the bot)."""
    NOT_SUBMITTED = "not_submitted"
    """Started, but not submitted by the deadline (from the deadline day on)."""


FOLLOW_UP = (Reason.NOT_STARTED, Reason.NO_PROGRESS, Reason.UNREACHABLE, Reason.NOT_SUBMITTED)
"""Reasons about a partnership as a whole (not one answer), in the order a point says them:
each partnership is one point, led by its first reason."""


class RoundState(StrEnum):
    """Where the round stands on the day the summary is compiled; wording follows it."""

    OPEN = "open"
    """Open, the deadline still ahead."""
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    """Open, the deadline passed."""
    CLOSED = "closed"


def round_state(round_: Round, today: date) -> RoundState:
    if not round_.is_open:
        return RoundState.CLOSED
    if today < round_.deadline:
        return RoundState.OPEN
    return RoundState.DUE_TODAY if today == round_.deadline else RoundState.OVERDUE


def stands_out(kind: Kind, value: str | None) -> bool:
    """Whether a stored value is one the LA wants highlighted ("No", "Our practice differs")."""
    return value is not None and STANDS_OUT.get(kind) == value


@dataclass(frozen=True, slots=True)
class Question:
    """An item with its number (1..N, as in the chat) and the section it belongs to."""

    number: int
    section_number: int
    section: Section
    item: Item


@dataclass(frozen=True, slots=True)
class Amendment:
    """One change to an answer after the partnership submitted: what it was, what it became."""

    partnership: str
    question: Question
    before: Answer | None
    """The answer and note as they stood just before (None: never answered before)."""
    after: Answer
    """The answer and note after the change, with who changed it, where and when."""

    @property
    def value_changed(self) -> bool:
        return (self.before.value if self.before else None) != self.after.value

    @property
    def note_changed(self) -> bool:
        return (self.before.note if self.before else None) != self.after.note


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
    submitted_by: str | None = None
    started_at: datetime | None = None
    """When the first answer or note was recorded."""
    answered_by: tuple[str, ...] = ()
    """Everyone who gave an answer or wrote a note, in the order they first did."""
    amendments: tuple[Amendment, ...] = ()
    signoff: SignOff | None = None
    """Who signed off the submission (the latest, if it was submitted more than once)."""

    @property
    def name(self) -> str:
        return self.partnership.name

    def answer(self, item_id: str) -> Answer | None:
        return self.answers.get(item_id)

    def amended(self, item_id: str) -> bool:
        """Whether this question's answer or note changed after the partnership submitted."""
        return any(a.question.item.id == item_id for a in self.amendments)


@dataclass(frozen=True, slots=True)
class Cell:
    """One partnership's answer to one question, as a matrix or a list shows it."""

    partnership: str
    kind: Kind
    answer: Answer | None
    amended: bool = False

    @property
    def value(self) -> str | None:
        return self.answer.value if self.answer is not None else None

    @property
    def answered(self) -> bool:
        if self.kind.is_free_text:
            return self.value is not None
        return self.value in self.kind.choices

    @property
    def note(self) -> str | None:
        note = self.answer.note if self.answer is not None else None
        return note if note and note.strip() else None

    @property
    def stands_out(self) -> bool:
        return stands_out(self.kind, self.value)


@dataclass(frozen=True, slots=True)
class Tally:
    """A tick or statement question: every partnership's answer and the totals per choice."""

    question: Question
    cells: tuple[Cell, ...]
    counts: tuple[tuple[str, int], ...]
    unanswered: int

    @property
    def values(self) -> tuple[tuple[str, str | None], ...]:
        return tuple((c.partnership, c.value) for c in self.cells)

    def names(self, value: str | None) -> tuple[str, ...]:
        """Partnerships that gave `value`; None gives those that have not answered."""
        if value is None:
            return tuple(c.partnership for c in self.cells if not c.answered)
        return tuple(c.partnership for c in self.cells if c.value == value)


@dataclass(frozen=True, slots=True)
class Written:
    """A free-text question: what every partnership wrote, and who has not answered yet."""

    question: Question
    cells: tuple[Cell, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(c.partnership for c in self.cells if not c.answered)

    @property
    def nothing_to_add(self) -> int:
        return sum(1 for c in self.cells if c.answered and not (c.value or "").strip())

    @property
    def wrote(self) -> int:
        return sum(1 for c in self.cells if (c.value or "").strip())


@dataclass(frozen=True, slots=True)
class SectionSummary:
    """A section's questions, in order: the choice ones tallied, the free-text ones listed."""

    number: int
    section: Section
    first: int
    """Number of its first question; its last is `first + len(section.items) - 1`."""
    tallies: tuple[Tally, ...]
    written: tuple[Written, ...]

    @property
    def last(self) -> int:
        return self.first + len(self.section.items) - 1

    @property
    def kind(self) -> Kind:
        """The kind its chart counts: its choice kind, or free text when it has no choices."""
        if self.tallies:
            return self.tallies[0].question.item.kind
        return self.written[0].question.item.kind

    def split(self) -> tuple[tuple[str | None, int], ...]:
        """Answers across every partnership and question, by value; None: not answered.

        Choice sections count their choice questions; a section of free text only counts
        what was written ("answered"), "nothing to add" ('') and not answered.
        """
        if self.tallies:
            kind = self.kind
            totals = {value: 0 for value in kind.choices}
            missing = 0
            for tally in self.tallies:
                if tally.question.item.kind is not kind:
                    continue
                for value, count in tally.counts:
                    totals[value] += count
                missing += tally.unanswered
            return (*totals.items(), (None, missing))
        wrote = sum(w.wrote for w in self.written)
        nothing = sum(w.nothing_to_add for w in self.written)
        missing = sum(len(w.missing) for w in self.written)
        return (("answered", wrote), ("", nothing), (None, missing))


@dataclass(frozen=True, slots=True)
class Comment:
    """Free text a partnership wrote: the answer to a text question, or a note."""

    partnership: str
    text: str
    is_answer: bool
    value: str | None
    answered_by: str | None
    answered_at: datetime | None
    amended: bool = False


@dataclass(frozen=True, slots=True)
class Comments:
    question: Question
    comments: tuple[Comment, ...]

    @property
    def notes(self) -> tuple[Comment, ...]:
        return tuple(c for c in self.comments if not c.is_answer)


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
    also: tuple[Attention, ...] = ()
    """More about the same partnership (its other follow-up reasons), said in the same point."""

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return (self.reason, *(a.reason for a in self.also))


@dataclass(frozen=True, slots=True)
class ProgressDay:
    """How many partnerships stood where at the end of one day of the round."""

    day: date
    submitted: int
    in_progress: int
    not_started: int


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
    sections: tuple[SectionSummary, ...] = ()
    timeline: tuple[ProgressDay, ...] = ()
    """One entry per day from the opening to today (or the closing); empty if no days."""
    history_verified: bool | None = None
    """Whether every answer's history chain checked out when compiled (None: not checked)."""
    actions: tuple[Action, ...] = ()
    """Answers the questionnaire's rules mark for follow-up (`bot.summary.actions`)."""
    comparison: Comparison | None = None
    """What changed since an earlier round, when asked for (`bot.summary.compare`)."""
    queries: tuple[QueryView, ...] = ()
    """The LA's queries to partnerships, open ones first (`bot.summary.queries`)."""

    @property
    def days_left(self) -> int:
        """Days until the deadline (negative once it has passed)."""
        return (self.round.deadline - self.today).days

    @property
    def today(self) -> date:
        return self.generated_at.astimezone(self.zone).date()

    @property
    def state(self) -> RoundState:
        return round_state(self.round, self.today)

    @property
    def total_questions(self) -> int:
        return len(self.questions)

    @property
    def amendments(self) -> tuple[Amendment, ...]:
        """Every change after submission, every partnership, oldest first."""
        found = [a for p in self.partnerships for a in p.amendments]
        return tuple(sorted(found, key=lambda a: a.after.answered_at or self.generated_at))

    @property
    def written(self) -> tuple[Written, ...]:
        return tuple(w for s in self.sections for w in s.written)

    @property
    def notes(self) -> tuple[Comments, ...]:
        """Notes only (free-text answers are shown with every partnership's, in `written`)."""
        return tuple(c for c in self.comments if c.notes)

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
    history: Mapping[int, Sequence[HistoryEntry]] | None = None,
    signoffs: Mapping[int, SignOff] | None = None,
) -> Summary:
    """Build the summary from storage records; `answers`, `history` and `signoffs` are
    keyed by response id (`history` oldest first, as storage returns it).

    `flags` are the round's reminder flags: unresolved ones become points to look at, as do
    unreachable contacts of partnerships that have not submitted.
    """
    names = {p.id: p for p in partnerships}
    contacts = tuple(contacts)
    people: dict[int, list[str]] = {}
    for contact in contacts:
        people.setdefault(contact.partnership_id, []).append(contact.name)
    who = {c.id: c.name for c in contacts}
    questions = number_questions(questionnaire)
    results = sorted(
        (
            _result(
                response,
                names,
                people,
                who,
                answers.get(response.id, {}),
                (history or {}).get(response.id, ()),
                questions,
                (signoffs or {}).get(response.id),
            )
            for response in responses
            if response.partnership_id in names
        ),
        key=lambda r: r.name.casefold(),
    )
    tallies = tuple(_tally(q, results) for q in questions if not q.item.kind.is_free_text)
    summary = Summary(
        round=round_,
        questionnaire=questionnaire,
        generated_at=now,
        partnerships=tuple(results),
        questions=questions,
        tallies=tallies,
        comments=tuple(c for q in questions if (c := _comments(q, results)).comments),
        attention=(),
        zone=zone,
        sections=_sections(questions, tallies, results),
        timeline=_timeline(round_, results, now, zone),
    )
    follow_up = _follow_up(results, names, contacts, tuple(flags))
    return replace(summary, attention=_attention(summary, warning_days, follow_up))


def number_questions(questionnaire: Questionnaire) -> tuple[Question, ...]:
    """Every item with its number 1..N and its section's number, in questionnaire order."""
    numbered = (
        (section_number, section, item)
        for section_number, section in enumerate(questionnaire.sections, start=1)
        for item in section.items
    )
    return tuple(
        Question(number, section_number, section, item)
        for number, (section_number, section, item) in enumerate(numbered, start=1)
    )


def _result(
    response: Response,
    names: Mapping[int, Partnership],
    people: Mapping[int, list[str]],
    who: Mapping[int, str],
    answers: Mapping[str, Answer],
    history: Sequence[HistoryEntry],
    questions: tuple[Question, ...],
    signoff: SignOff | None = None,
) -> PartnershipResult:
    relevant = {q.item.id: answers[q.item.id] for q in questions if q.item.id in answers}
    name = names[response.partnership_id].name
    # who recorded anything, in the order they first did
    authors = [h.contact_name for h in history]
    authors += [a.contact_name for a in relevant.values() if a.value is not None]
    authors += [a.note_by for a in relevant.values() if a.note]
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
        submitted_by=who.get(response.submitted_by) if response.submitted_by else None,
        started_at=history[0].changed_at if history else None,
        answered_by=tuple(dict.fromkeys(n for n in authors if n)),
        amendments=_amendments(name, response.submitted_at, history, questions),
        signoff=signoff,
    )


def _amendments(
    partnership: str,
    submitted_at: datetime | None,
    history: Sequence[HistoryEntry],
    questions: tuple[Question, ...],
) -> tuple[Amendment, ...]:
    """Changes recorded after submission, each with the answer as it stood just before."""
    if submitted_at is None:
        return ()
    by_id = {q.item.id: q for q in questions}
    last: dict[str, Answer] = {}
    found: list[Amendment] = []
    for entry in history:
        before = last.get(entry.question_id)
        after = Answer(
            entry.value,
            entry.note,
            contact_name=entry.contact_name,
            channel=entry.channel,
            answered_at=entry.changed_at,
        )
        last[entry.question_id] = after
        unchanged = before is not None and (before.value, before.note) == (after.value, after.note)
        question = by_id.get(entry.question_id)
        if entry.changed_at > submitted_at and question is not None and not unchanged:
            found.append(Amendment(partnership, question, before, after))
    return tuple(found)


def _cell(question: Question, result: PartnershipResult) -> Cell:
    item = question.item
    return Cell(result.name, item.kind, result.answer(item.id), result.amended(item.id))


def _tally(question: Question, results: Iterable[PartnershipResult]) -> Tally:
    cells = tuple(_cell(question, r) for r in results)
    choices = question.item.kind.choices
    counts = tuple((choice, sum(1 for c in cells if c.value == choice)) for choice in choices)
    return Tally(question, cells, counts, sum(1 for c in cells if not c.answered))


def _sections(
    questions: tuple[Question, ...],
    tallies: tuple[Tally, ...],
    results: Sequence[PartnershipResult],
) -> tuple[SectionSummary, ...]:
    by_id = {t.question.item.id: t for t in tallies}
    found: list[SectionSummary] = []
    for question in questions:
        if not found or found[-1].number != question.section_number:
            found.append(
                SectionSummary(question.section_number, question.section, question.number, (), ())
            )
        current = found[-1]
        if question.item.id in by_id:
            current = replace(current, tallies=(*current.tallies, by_id[question.item.id]))
        else:
            cells = tuple(_cell(question, r) for r in results)
            current = replace(current, written=(*current.written, Written(question, cells)))
        found[-1] = current
    return tuple(found)


def _timeline(
    round_: Round, results: Sequence[PartnershipResult], now: datetime, zone: tzinfo
) -> tuple[ProgressDay, ...]:
    """Each day's end state, from the day the round opened to today (or the day it closed)."""
    first = round_.opened_at.astimezone(zone).date()
    end = (round_.closed_at or now).astimezone(zone).date()
    days: list[ProgressDay] = []
    day = first
    while day <= end:
        submitted = started = 0
        for r in results:
            if r.submitted_at is not None and r.submitted_at.astimezone(zone).date() <= day:
                submitted += 1
            elif r.started_at is not None and r.started_at.astimezone(zone).date() <= day:
                started += 1
        days.append(ProgressDay(day, submitted, started, len(results) - submitted - started))
        day += timedelta(days=1)
    return tuple(days)


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
                amended=r.amended(question.item.id),
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
    return found


def _attention(
    summary: Summary, warning_days: int, follow_up: Iterable[Attention] = ()
) -> tuple[Attention, ...]:
    """Follow-up points (one per partnership, every reason in it), then flagged answers."""
    points: list[Attention] = []
    closed = summary.state is RoundState.CLOSED
    if closed or summary.days_left <= warning_days:
        points.extend(
            Attention(Reason.NOT_STARTED, r.name)
            for r in summary.partnerships
            if r.status is Status.NOT_STARTED
        )
    if summary.state is not RoundState.OPEN:
        points.extend(
            Attention(Reason.NOT_SUBMITTED, r.name)
            for r in summary.partnerships
            if r.status is Status.IN_PROGRESS
        )
    points.extend(follow_up)
    found = list(_one_per_partnership(points))
    for question in summary.questions:
        for r in summary.partnerships:
            answer = r.answer(question.item.id)
            if answer is not None and question.item.flags(answer.value):
                found.append(Attention(Reason.FLAGGED, r.name, question, answer))
    return tuple(found)


def _one_per_partnership(points: Iterable[Attention]) -> Iterable[Attention]:
    """Each partnership once, in name order: its first reason leads, the rest go in `also`."""
    grouped: dict[str, list[Attention]] = {}
    for point in sorted(points, key=lambda a: FOLLOW_UP.index(a.reason)):
        grouped.setdefault(point.partnership, []).append(point)
    for name in sorted(grouped, key=str.casefold):
        lead, *rest = grouped[name]
        yield replace(lead, also=tuple(rest))
