"""The audit conversation: (context, state, event) -> decision. Pure and deterministic.

The engine never touches storage or a chat library; the caller commits the decision's
changes and state in one transaction and only then shows its effects.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from bot.flows import effects as fx
from bot.flows import events as ev
from bot.questionnaire import Questionnaire
from storage.records import Answer, AnswerChange

MAX_TEXT = 2000
NOTHING_TO_ADD = "nothing"
"""The value a "nothing to add" button sends for a free-text question; stored as ''."""

RETURN_TO_REVIEW = -1


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

    def to_json(self) -> str:
        return json.dumps(
            {
                "mode": self.mode.value,
                "position": self.position,
                "started": self.started,
                "then": self.then,
            }
        )

    @classmethod
    def from_json(cls, raw: str | None, questionnaire: Questionnaire) -> FlowState:
        """Restore a saved state; anything unreadable or out of range starts afresh."""
        if not raw:
            return cls()
        try:
            data = json.loads(raw)
            state = cls(
                mode=Mode(data["mode"]),
                position=int(data["position"]),
                started=bool(data["started"]),
                then=None if data["then"] is None else int(data["then"]),
            )
        except (ValueError, KeyError, TypeError):
            return cls()
        total = len(questionnaire.items)
        if not 0 <= state.position < total or (
            state.then is not None and not RETURN_TO_REVIEW <= state.then < total
        ):
            return cls()
        return state


@dataclass(frozen=True, slots=True)
class Context:
    questionnaire: Questionnaire
    answers: Mapping[str, Answer]
    submitted: bool
    round_open: bool = True


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


_WRITES = (ev.Choose, ev.Text, ev.Batch, ev.Submit, ev.Confirm)


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

    def ask(self, position: int, then: int | None = None) -> Decision:
        if position >= len(self.q.items):
            return self.review(at_end=True)
        item = self.q.items[position]
        self.state = FlowState(Mode.ASKING, position, True, then)
        self.effects.append(fx.Ask(item.id, position, self.answers.get(item.id)))
        return self.decision()

    def review(self, at_end: bool = False) -> Decision:
        self.state = replace(self.state, mode=Mode.REVIEW, started=True, then=None)
        self.effects.append(
            fx.ShowReview(
                dict(self.answers),
                unanswered(self.q, self.answers),
                at_end=at_end,
                submitted=self.ctx.submitted or self.submit,
            )
        )
        return self.decision()

    def advance(self) -> Decision:
        then = self.state.then
        if then == RETURN_TO_REVIEW:
            return self.review()
        if then is not None and then != self.state.position:
            return self.ask(then)  # resume where the user was (never this same question)
        return self.ask(self.state.position + 1)

    def is_current(self, question_id: str | None) -> bool:
        """Whether a button's question is the one in play (None: a typed command)."""
        if self.state.mode not in (Mode.ASKING, Mode.NOTE):
            return False
        return question_id is None or self.q.position(question_id) == self.state.position

    # -- events --------------------------------------------------------------

    def handle(self, event: ev.Event) -> Decision:
        match event:
            case ev.Start():
                return self.start()
            case ev.Choose(question_id, value):
                return self.choose(question_id, value)
            case ev.Text(text):
                return self.text(text)
            case ev.Next(question_id) | ev.Skip(question_id):
                return self.advance() if self.is_current(question_id) else self.quiet()
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
                self.state = replace(self.state, mode=Mode.CONFIRM, started=True, then=None)
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

    def choose(self, question_id: str, value: str) -> Decision:
        position = self.q.position(question_id)
        if position is None:
            return self.reject(fx.Reason.UNKNOWN_QUESTION)
        item = self.q.items[position]
        if item.kind.is_free_text and value == NOTHING_TO_ADD:
            value = ""
        elif value not in item.kind.choices:
            return self.reject(fx.Reason.INVALID_CHOICE, question_id)
        old = self.answers.get(question_id)
        # the question in play, or the one the user paused on (answering it resumes)
        current = self.is_current(question_id) or (
            self.state.mode is Mode.PAUSED and self.state.position == position
        )
        if old is not None and old.value == value:
            if self.state.mode is Mode.NOTE and self.state.position == position:
                # A second tap: show the same offer again, in case the first reply was
                # lost on the way; channels make that an idempotent edit.
                return Decision(self.state, (fx.OfferNote(question_id, old),))
            if item.kind.is_free_text and not current:
                return self.quiet()  # "nothing to add" again, after moving on
        answer = self.record(question_id, value, old.note if old else None)
        self.effects.append(fx.Recorded(question_id, answer))
        then = self.state.then if current else self._resume_point()
        self.state = FlowState(Mode.ASKING, position, True, then)
        if item.kind.is_free_text:
            return self.advance()
        self.state = replace(self.state, mode=Mode.NOTE)
        self.effects.append(fx.OfferNote(question_id, answer))
        return self.decision()

    def _resume_point(self) -> int | None:
        """After answering a question out of turn, come back to where the user was."""
        if self.state.mode in (Mode.REVIEW, Mode.CONFIRM) or not self.state.started:
            return RETURN_TO_REVIEW if self.state.started else None
        return self.state.position

    def text(self, raw: str) -> Decision:
        if self.state.mode is Mode.PAUSED:
            return self.ask(self.state.position, self.state.then)
        text = raw.strip()
        if not text:
            return self.reject(fx.Reason.EMPTY)
        if len(text) > MAX_TEXT:
            return self.reject(fx.Reason.TOO_LONG)
        if self.state.mode not in (Mode.ASKING, Mode.NOTE) or not self.state.started:
            return self.reject(fx.Reason.NOT_EXPECTED)
        item = self.q.items[self.state.position]
        old = self.answers.get(item.id)
        if self.state.mode is Mode.ASKING and item.kind.is_free_text:
            answer = self.record(item.id, text, old.note if old else None)
            self.effects.append(fx.Recorded(item.id, answer))
            return self.advance()
        answer = self.record(item.id, old.value if old else None, text)
        self.effects.append(fx.Recorded(item.id, answer))
        if self.state.mode is Mode.NOTE:
            return self.advance()
        return self.ask(self.state.position, self.state.then)

    def batch(self, entries: tuple[ev.BatchEntry, ...]) -> Decision:
        saved: list[str] = []
        rejected: list[fx.Rejected] = []
        for entry in entries:
            item_position = self.q.position(entry.question_id)
            if item_position is None:
                rejected.append(fx.Rejected(fx.Reason.UNKNOWN_QUESTION, entry.question_id))
                continue
            item = self.q.items[item_position]
            value = entry.value.strip() if entry.value is not None else None
            note = entry.note.strip() if entry.note is not None else None
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
