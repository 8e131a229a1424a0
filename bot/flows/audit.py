"""The audit conversation: (context, state, event) -> decision. Pure and deterministic.

The engine never touches storage or a chat library; the caller commits the decision's
changes and state in one transaction and only then shows its effects.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bot.flows import effects as fx
from bot.flows import events as ev
from bot.flows.typed import Vocabulary, clean, read_choice
from bot.questionnaire import Item, Questionnaire
from storage.records import Answer, AnswerChange

MAX_TEXT = 2000
NOTHING_TO_ADD = "nothing"
"""The value a "nothing to add" button sends for a free-text question; stored as ''."""

RETURN_TO_REVIEW = -1
STILL_TYPING = timedelta(seconds=60)
"""Text this soon after a typed note moved the person on may be more of that note: ask."""


class Mode(StrEnum):
    ASKING = "asking"
    NOTE = "note"
    REVIEW = "review"
    CONFIRM = "confirm"
    PAUSED = "paused"


@dataclass(frozen=True, slots=True)
class FlowState:
    mode: Mode = Mode.ASKING
    position: int = 0
    started: bool = False
    then: int | None = None
    """Where to go after the current question: None for the next one, a position, or
    RETURN_TO_REVIEW."""
    asked_at: datetime | None = None
    """When the current question went out (whole seconds, as messages are dated): text sent
    before then was not meant as its answer."""
    previous: str | None = None
    """The question the person left to get here, and whether a typed note moved them on."""
    noted: bool = False
    held: str | None = None
    """Typed text that may be an answer or a note, kept until the person says which."""

    def to_json(self) -> str:
        return json.dumps(
            {
                "mode": self.mode.value,
                "position": self.position,
                "started": self.started,
                "then": self.then,
                "asked_at": self.asked_at.isoformat() if self.asked_at else None,
                "previous": self.previous,
                "noted": self.noted,
                "held": self.held,
            }
        )

    @classmethod
    def from_json(cls, raw: str | None, questionnaire: Questionnaire) -> FlowState:
        """Restore a saved state; anything unreadable or out of range starts afresh."""
        if not raw:
            return cls()
        try:
            data = json.loads(raw)
            asked_at = data.get("asked_at")
            previous, held = data.get("previous"), data.get("held")
            state = cls(
                mode=Mode(data["mode"]),
                position=int(data["position"]),
                started=bool(data["started"]),
                then=None if data["then"] is None else int(data["then"]),
                asked_at=datetime.fromisoformat(asked_at) if asked_at else None,
                previous=str(previous) if previous else None,
                noted=bool(data.get("noted")),
                held=str(held) if held else None,
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return cls()
        total = len(questionnaire.items)
        if not 0 <= state.position < total or (
            state.then is not None and not RETURN_TO_REVIEW <= state.then < total
        ):
            return cls()
        if state.previous is not None and questionnaire.position(state.previous) is None:
            state = replace(state, previous=None, noted=False)
        return state


@dataclass(frozen=True, slots=True)
class Context:
    questionnaire: Questionnaire
    answers: Mapping[str, Answer]
    submitted: bool
    round_open: bool = True
    contact_id: int | None = None
    """Who is acting: a change over a colleague's newer answer is confirmed first."""
    now: datetime | None = None
    vocabulary: Vocabulary = field(default_factory=dict)
    """The words people type for each choice (templates/strings.yaml, `typed`)."""


@dataclass(frozen=True, slots=True)
class Decision:
    state: FlowState
    effects: tuple[fx.Effect, ...]
    changes: tuple[AnswerChange, ...] = ()
    submit: bool = False


def unanswered(questionnaire: Questionnaire, answers: Mapping[str, Answer]) -> tuple[str, ...]:
    return tuple(
        item.id
        for item in questionnaire.items
        if (a := answers.get(item.id)) is None or a.value is None
    )


_WRITES = (ev.Choose, ev.Text, ev.Place, ev.Batch, ev.Submit, ev.Confirm)


def decide(ctx: Context, state: FlowState, event: ev.Event) -> Decision:
    if not ctx.round_open and isinstance(event, _WRITES):
        return Decision(state, (fx.Rejected(fx.Reason.ROUND_CLOSED),))
    return _Turn(ctx, state).handle(event)


class _Turn:
    """One event's worth of work; collects changes and effects as it goes."""

    def __init__(self, ctx: Context, state: FlowState) -> None:
        self.ctx = ctx
        self.q = ctx.questionnaire
        self.state = state
        self.answers: dict[str, Answer] = dict(ctx.answers)
        self.changes: list[AnswerChange] = []
        self.effects: list[fx.Effect] = []
        self.submit = False

    def decision(self) -> Decision:
        return Decision(self.state, tuple(self.effects), tuple(self.changes), self.submit)

    def reject(self, reason: fx.Reason, question_id: str | None = None) -> Decision:
        return Decision(self.state, (fx.Rejected(reason, question_id),))

    def quiet(self) -> Decision:
        return Decision(self.state, ())

    # -- helpers -------------------------------------------------------------

    def record(self, question_id: str, value: str | None, note: str | None) -> Answer:
        old = self.answers.get(question_id)
        if old is None or (old.value, old.note) != (value, note):
            self.changes.append(AnswerChange(question_id, value, note))
            self.answers[question_id] = Answer(value=value, note=note)
        return self.answers[question_id]

    def asked_now(self) -> datetime | None:
        now = self.ctx.now
        return now.astimezone(UTC).replace(microsecond=0) if now is not None else None

    def ask(self, position: int, then: int | None = None, previous: str | None = None) -> Decision:
        if position >= len(self.q.items):
            return self.review(at_end=True)
        item = self.q.items[position]
        self.state = FlowState(Mode.ASKING, position, True, then, self.asked_now(), previous)
        self.effects.append(fx.Ask(item.id, position, self.answers.get(item.id)))
        return self.decision()

    def review(self, at_end: bool = False) -> Decision:
        self.state = FlowState(Mode.REVIEW, self.state.position, True)
        self.effects.append(
            fx.ShowReview(
                dict(self.answers),
                unanswered(self.q, self.answers),
                at_end=at_end,
                submitted=self.ctx.submitted or self.submit,
            )
        )
        return self.decision()

    def advance(self, noted: bool = False) -> Decision:
        """Go on from the current question; `noted`: a typed note is what moved us on."""
        left = self.q.items[self.state.position].id
        then = self.state.then
        if then == RETURN_TO_REVIEW:
            self.review()
            self.state = replace(self.state, previous=left)
            return self.decision()
        if then is not None and then != self.state.position:
            self.ask(then, previous=left)  # resume where the user was (never this question)
        else:
            self.ask(self.state.position + 1, previous=left)
        if noted and self.state.mode is Mode.ASKING:
            self.state = replace(self.state, noted=True)
        return self.decision()

    def is_current(self, question_id: str | None) -> bool:
        """Whether a button's question is the one in play (None: a typed command)."""
        if self.state.mode not in (Mode.ASKING, Mode.NOTE):
            return False
        return question_id is None or self.q.position(question_id) == self.state.position

    def seen(self, position: int, answer: Answer) -> bool:
        """Whether the current question went out after `answer` was given (so it showed it)."""
        return (
            self.is_current(self.q.items[position].id)
            and self.state.asked_at is not None
            and answer.answered_at is not None
            and answer.answered_at < self.state.asked_at
        )

    def colleague_answered(self, position: int, value: str) -> Answer | None:
        """A colleague's different answer that this person has not seen yet."""
        old = self.answers.get(self.q.items[position].id)
        if (
            old is None
            or old.value is None
            or old.value == value
            or old.contact_id is None
            or self.ctx.contact_id is None
            or old.contact_id == self.ctx.contact_id
            or self.seen(position, old)
        ):
            return None
        return old

    # -- events --------------------------------------------------------------

    def handle(self, event: ev.Event) -> Decision:
        if self.state.held is not None and not isinstance(
            event, ev.Choose | ev.Text | ev.Place | ev.Status
        ):
            self.state = replace(self.state, held=None)  # they chose to do something else
        match event:
            case ev.Start():
                return self.start()
            case ev.Choose(question_id, value, confirmed):
                return self.choose(question_id, value, confirmed)
            case ev.Text(text, sent_at):
                return self.text(text, sent_at)
            case ev.Place(question_id, use):
                return self.place(question_id, use)
            case ev.Next(question_id) | ev.Skip(question_id):
                return self.advance() if self.is_current(question_id) else self.quiet()
            case ev.Keep(question_id):
                return self.advance() if self.is_current(question_id) else self.start()
            case ev.Back(question_id):
                if not self.is_current(question_id):
                    return self.quiet()
                if self.state.position == 0:
                    return self.reject(fx.Reason.NOTHING_BEFORE)
                return self.ask(self.state.position - 1, self.state.then)
            case ev.Jump(question_id):
                position = self.q.position(question_id)
                if position is None:
                    return self.reject(fx.Reason.UNKNOWN_QUESTION)
                return self.ask(position, then=RETURN_TO_REVIEW)
            case ev.Review():
                return self.review()
            case ev.Submit():
                if self.ctx.submitted:
                    return self.reject(fx.Reason.ALREADY_SUBMITTED)
                self.state = FlowState(Mode.CONFIRM, self.state.position, True)
                return Decision(self.state, (fx.AskConfirm(unanswered(self.q, self.answers)),))
            case ev.Confirm():
                if self.ctx.submitted:
                    return self.quiet()
                if self.state.mode is not Mode.CONFIRM:
                    return self.reject(fx.Reason.STALE_BUTTON)
                self.submit = True
                self.state = replace(self.state, mode=Mode.REVIEW)
                self.effects.append(fx.Submitted(unanswered(self.q, self.answers)))
                return self.decision()
            case ev.CancelSubmit():
                return self.review() if self.state.mode is Mode.CONFIRM else self.quiet()
            case ev.Pause():
                self.state = replace(self.state, mode=Mode.PAUSED)
                return Decision(self.state, (fx.Paused(),))
            case ev.Status():
                total = len(self.q.items)
                missing = len(unanswered(self.q, self.answers))
                return Decision(
                    self.state, (fx.ShowStatus(total - missing, total, self.ctx.submitted),)
                )
            case ev.Batch(entries):
                return self.batch(entries)
        raise TypeError(f"unknown event {event!r}")  # pragma: no cover

    def start(self) -> Decision:
        if self.state.started and self.state.mode in (Mode.ASKING, Mode.NOTE, Mode.PAUSED):
            return self.ask(self.state.position, self.state.then)
        if self.state.started or self.ctx.submitted:
            return self.review()
        missing = unanswered(self.q, self.answers)
        first = self.q.position(missing[0]) if missing else len(self.q.items)
        return self.ask(first or 0)

    def choose(self, question_id: str, value: str, confirmed: bool = False) -> Decision:
        position = self.q.position(question_id)
        if position is None:
            return self.reject(fx.Reason.UNKNOWN_QUESTION)
        item = self.q.items[position]
        if item.kind.is_free_text and value == NOTHING_TO_ADD:
            value = ""
        elif value not in item.kind.choices:
            return self.reject(fx.Reason.INVALID_CHOICE, question_id)
        if not confirmed and (theirs := self.colleague_answered(position, value)) is not None:
            return Decision(self.state, (fx.ConfirmChange(question_id, value, theirs),))
        old = self.answers.get(question_id)
        # the question in play, or the one the user paused on (answering it resumes)
        current = self.is_current(question_id) or (
            self.state.mode is Mode.PAUSED and self.state.position == position
        )
        held = self.state.held if current and not item.kind.is_free_text else None
        if held is None and old is not None and old.value == value:
            if self.state.mode is Mode.NOTE and self.state.position == position:
                # A second tap: show the same offer again, in case the first reply was
                # lost on the way; channels make that an idempotent edit.
                return Decision(self.state, (fx.OfferNote(question_id, old),))
            if (item.kind.is_free_text and not current) or (
                self.state.mode in (Mode.ASKING, Mode.REVIEW) and question_id == self.state.previous
            ):
                return self.quiet()  # the same button again, after it moved the person on
        note = _join(old.note if old else None, held)
        if note is not None and len(note) > MAX_TEXT:
            return self.reject(fx.Reason.TOO_LONG, question_id)
        answer = self.record(question_id, value, note)
        self.effects.append(fx.Recorded(question_id, answer))
        then = self.state.then if current else self._resume_point()
        asked_at = self.state.asked_at if self.state.position == position else None
        self.state = FlowState(Mode.ASKING, position, True, then, asked_at, self.state.previous)
        if item.kind.is_free_text or held is not None:
            return self.advance(noted=held is not None)
        self.state = replace(self.state, mode=Mode.NOTE)
        self.effects.append(fx.OfferNote(question_id, answer))
        return self.decision()

    def _resume_point(self) -> int | None:
        """After answering a question out of turn, come back to where the user was."""
        if self.state.mode in (Mode.REVIEW, Mode.CONFIRM) or not self.state.started:
            return RETURN_TO_REVIEW if self.state.started else None
        return self.state.position

    def text(self, raw: str, sent_at: datetime | None) -> Decision:
        if self.state.mode is Mode.PAUSED:
            return self.ask(self.state.position, self.state.then)
        text = clean(raw)
        if not text:
            return self.reject(fx.Reason.EMPTY)
        if len(text) > MAX_TEXT:
            return self.reject(fx.Reason.TOO_LONG)
        if self.state.mode not in (Mode.ASKING, Mode.NOTE) or not self.state.started:
            return self.reject(fx.Reason.NOT_EXPECTED)
        item = self.q.items[self.state.position]
        old = self.answers.get(item.id)
        if self.state.mode is Mode.NOTE:
            answer = self.record(item.id, old.value if old else None, text)
            self.effects.append(fx.Recorded(item.id, answer))
            return self.advance(noted=True)
        held, asked_at = self.state.held, self.state.asked_at
        if held is None and _before(sent_at, asked_at):
            # typed before this question was shown, so not meant as its answer
            if self.state.noted and self.state.previous is not None:
                return self.add_to_note(self.state.previous, text)
            return self.ask_where(item, text)
        if not item.kind.is_free_text:
            return self.typed_choice(item, text)
        if held is not None or (self.state.noted and _soon_after(sent_at, asked_at)):
            return self.ask_where(item, text)
        answer = self.record(item.id, text, old.note if old else None)
        self.effects.append(fx.Recorded(item.id, answer))
        return self.advance()

    def typed_choice(self, item: Item, text: str) -> Decision:
        typed = read_choice(text, item.kind.value, item.kind.choices, self.ctx.vocabulary)
        if typed is None:
            return self.ask_where(item, text)
        held = _join(self.state.held, typed.note)
        if held is not None and len(held) > MAX_TEXT:
            return self.reject(fx.Reason.TOO_LONG)
        self.state = replace(self.state, held=held)
        return self.choose(item.id, typed.value)

    def ask_where(self, item: Item, text: str) -> Decision:
        """Keep the text (with any kept before it) and ask whether it is an answer or a note."""
        held = _join(self.state.held, text) or text
        if len(held) > MAX_TEXT:
            return self.reject(fx.Reason.TOO_LONG)
        previous = self.state.previous if self.state.noted else None
        self.state = replace(self.state, held=held)
        return Decision(self.state, (fx.AskWhere(item.id, held, previous),))

    def add_to_note(self, question_id: str, text: str) -> Decision:
        old = self.answers.get(question_id)
        note = _join(old.note if old else None, text)
        if note is not None and len(note) > MAX_TEXT:
            return self.reject(fx.Reason.TOO_LONG)
        answer = self.record(question_id, old.value if old else None, note)
        self.state = replace(self.state, held=None)
        self.effects.append(fx.Recorded(question_id, answer, added=True))
        return self.decision()

    def place(self, question_id: str, use: ev.Use) -> Decision:
        held = self.state.held
        if held is None or self.state.mode is not Mode.ASKING:
            return self.reject(fx.Reason.NOTHING_HELD)
        item = self.q.items[self.state.position]
        if use is ev.Use.NOTE and self.state.noted and question_id == self.state.previous:
            return self.add_to_note(question_id, held)
        if question_id != item.id:
            return self.reject(fx.Reason.NOTHING_HELD)
        old = self.answers.get(item.id)
        if use is ev.Use.ANSWER and item.kind.is_free_text:
            self.state = replace(self.state, held=None)
            answer = self.record(item.id, held, old.note if old else None)
            self.effects.append(fx.Recorded(item.id, answer))
            return self.advance()
        refused = self.add_to_note(item.id, held)
        if not self.effects:
            return refused
        if self.answers[item.id].value is not None:
            return self.advance(noted=True)
        return self.ask(self.state.position, self.state.then, self.state.previous)

    def batch(self, entries: tuple[ev.BatchEntry, ...]) -> Decision:
        saved: list[str] = []
        rejected: list[fx.Rejected] = []
        for entry in entries:
            item_position = self.q.position(entry.question_id)
            if item_position is None:
                rejected.append(fx.Rejected(fx.Reason.UNKNOWN_QUESTION, entry.question_id))
                continue
            item = self.q.items[item_position]
            value = clean(entry.value) if entry.value is not None else None
            note = clean(entry.note) if entry.note is not None else None
            if item.kind.is_free_text and value == NOTHING_TO_ADD:
                value = ""
            if value is None and not note:
                rejected.append(fx.Rejected(fx.Reason.EMPTY, entry.question_id))
                continue
            if value is not None and not item.kind.is_free_text and value not in item.kind.choices:
                rejected.append(fx.Rejected(fx.Reason.INVALID_CHOICE, entry.question_id))
                continue
            if any(len(part) > MAX_TEXT for part in (value or "", note or "")):
                rejected.append(fx.Rejected(fx.Reason.TOO_LONG, entry.question_id))
                continue
            old = self.answers.get(item.id)
            self.record(
                item.id,
                value if value is not None else (old.value if old else None),
                note if note is not None else (old.note if old else None),
            )
            saved.append(item.id)
        self.effects.append(
            fx.BatchResult(tuple(saved), tuple(rejected), unanswered(self.q, self.answers))
        )
        return self.decision()


def _join(first: str | None, second: str | None) -> str | None:
    """Two pieces of a note, in the order they were typed."""
    if not first or not second:
        return first or second
    return f"{first}\n{second}"


def _before(sent_at: datetime | None, asked_at: datetime | None) -> bool:
    return sent_at is not None and asked_at is not None and sent_at < asked_at


def _soon_after(sent_at: datetime | None, asked_at: datetime | None) -> bool:
    return sent_at is not None and asked_at is not None and sent_at - asked_at < STILL_TYPING
