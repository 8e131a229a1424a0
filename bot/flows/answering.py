"""Answering: a tap, typed text (an answer, a note, or "same"), and text kept until the
person says whether it is an answer or a note."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.flows import effects as fx
from bot.flows import events as ev
from bot.flows.carrying import CarryForward
from bot.flows.signing import SignOff
from bot.flows.state import (
    CARRY,
    MAX_TEXT,
    NOTHING_TO_ADD,
    RETURN_TO_REVIEW,
    SAME,
    STILL_TYPING,
    Decision,
    FlowState,
    Mode,
    join_notes,
    unanswered,
)
from bot.flows.typed import clean, read_choice
from bot.questionnaire import Item, Kind
from storage.records import Answer


class Answering(CarryForward, SignOff):
    def start(self) -> Decision:
        """Carry on where the person was; an LA query on one of the answers comes first,
        then back to where they were."""
        queried = next(
            (at for qid in self.ctx.queries if (at := self.q.position(qid)) is not None), None
        )
        if queried is not None and not (
            self.state.mode in (Mode.ASKING, Mode.NOTE) and self.state.position == queried
        ):
            then, outer = self._resume_point()
            if then is None and self.ctx.submitted:
                then = RETURN_TO_REVIEW  # a submitted audit: back to its answers
            self.ask(queried, then)
            self.state = replace(self.state, outer=outer)
            return self.decision()
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
                # the same button again, after it moved the person on: a double tap, or,
                # a while later, a person whose reply was lost on the way (show it again)
                return self.show_again() if self.waited() else self.quiet()
        note = join_notes(old.note if old else None, held)
        if note is not None and len(note) > MAX_TEXT:
            return self.reject(fx.Reason.TOO_LONG, question_id)
        answer = self.record(question_id, value, note)
        self.effects.append(fx.Recorded(question_id, answer))
        then, outer = (self.state.then, None) if current else self._resume_point()
        asked_at = self.state.asked_at if self.state.position == position else None
        self.state = FlowState(
            Mode.ASKING,
            position,
            True,
            then,
            asked_at,
            self.state.previous,
            outer=outer,
            page=self.state.page,
        )
        if held is None and _wants_note(item, value):
            self.state = replace(self.state, mode=Mode.NOTE)
            self.effects.append(fx.OfferNote(question_id, answer))
            return self.decision()
        return self.advance(noted=held is not None)

    def note(self, question_id: str) -> Decision:
        """Open the note of a question the person has left; they come back where they were."""
        position = self.q.position(question_id)
        if position is None:
            return self.reject(fx.Reason.UNKNOWN_QUESTION)
        if self.state.mode is Mode.NOTE and self.state.position == position:
            answer = self.answers.get(question_id) or Answer(value=None)
            return Decision(self.state, (fx.OfferNote(question_id, answer),))
        if self.state.position == position and self.state.mode is Mode.ASKING:
            then, outer = self.state.then, self.state.outer  # a note on the question in view
        else:
            then, outer = self._resume_point()
        self.state = FlowState(
            Mode.NOTE,
            position,
            True,
            then,
            self.asked_now(),
            self.state.previous,
            outer=outer,
            page=self.state.page,
        )
        answer = self.answers.get(question_id) or Answer(value=None)
        self.effects.append(fx.OfferNote(question_id, answer))
        return self.decision()

    def _resume_point(self) -> tuple[int | None, int | None]:
        """After a detour to another question, come back to where the user was: the
        question in view (and where it goes next: `outer`), or the review."""
        if self.state.mode is Mode.NOTE and self.state.then is not None:
            # they leave a note they had opened on another question
            return self.state.then, self.state.outer
        if self.state.mode in (Mode.REVIEW, Mode.CONFIRM) or not self.state.started:
            return (RETURN_TO_REVIEW if self.state.started else None), None
        return self.state.position, self.state.then

    def text(self, raw: str, sent_at: datetime | None) -> Decision:
        if self.state.mode is Mode.PAUSED:
            return self.ask(self.state.position, self.state.then)
        text = clean(raw)
        if not text:
            return self.reject(fx.Reason.EMPTY)
        if len(text) > MAX_TEXT:
            return self.reject(fx.Reason.TOO_LONG)
        if self.state.mode is Mode.CONFIRM and not self.ctx.submitted:
            return self.sign_text(text)
        target = self.note_target() if self.state.mode is Mode.REVIEW else None
        if target is not None and _soon_after(sent_at, self.state.asked_at):
            return self.add_to_note(target, text)  # typed just after the tap that got here
        if self.state.mode not in (Mode.ASKING, Mode.NOTE) or not self.state.started:
            if self.ctx.submitted:
                return self.reject(fx.Reason.AFTER_SUBMIT)
            return self.reject(fx.Reason.NOT_EXPECTED)
        item = self.q.items[self.state.position]
        old = self.answers.get(item.id)
        if self.state.mode is Mode.NOTE:
            answer = self.record(item.id, old.value if old else None, text)
            self.effects.append(fx.Recorded(item.id, answer))
            if answer.value is None and self.state.then in (None, self.state.position):
                # a note on the question in view, before answering it: it stays in view
                return self.ask(self.state.position, self.state.outer, self.state.previous)
            return self.advance(noted=True)
        held, asked_at = self.state.held, self.state.asked_at
        if held is None and _before(sent_at, asked_at):
            # typed before this question was shown, so not meant as its answer
            if (previous := self.note_target()) is not None:
                return self.add_to_note(previous, text)
            return self.ask_where(item, text)
        if held is None and self.ctx.carried:
            same = read_choice(text, CARRY, (SAME,), self.ctx.vocabulary)
            if same is not None:  # refused where nothing is left to confirm (new, reworded)
                return self.still_true(item.id, same.note)
        if not item.kind.is_free_text:
            return self.typed_choice(item, text, sent_at)
        if held is not None or (self.state.noted and _soon_after(sent_at, asked_at)):
            return self.ask_where(item, text)
        answer = self.record(item.id, text, old.note if old else None)
        self.effects.append(fx.Recorded(item.id, answer))
        return self.advance()

    def typed_choice(self, item: Item, text: str, sent_at: datetime | None) -> Decision:
        typed = read_choice(text, item.kind.value, item.kind.choices, self.ctx.vocabulary)
        if typed is None:
            target = self.note_target()
            if self.state.held is None and target and _soon_after(sent_at, self.state.asked_at):
                # not an answer to this question, typed just after answering the last one
                return self.add_to_note(target, text)
            return self.ask_where(item, text)
        held = join_notes(self.state.held, typed.note)
        if held is not None and len(held) > MAX_TEXT:
            return self.reject(fx.Reason.TOO_LONG)
        self.state = replace(self.state, held=held)
        return self.choose(item.id, typed.value)

    def ask_where(self, item: Item, text: str) -> Decision:
        """Keep the text (with any kept before it) and ask whether it is an answer or a note."""
        held = join_notes(self.state.held, text) or text
        if len(held) > MAX_TEXT:
            return self.reject(fx.Reason.TOO_LONG)
        previous = self.note_target()
        self.state = replace(self.state, held=held)
        return Decision(self.state, (fx.AskWhere(item.id, held, previous),))

    def add_to_note(self, question_id: str, text: str) -> Decision:
        old = self.answers.get(question_id)
        note = join_notes(old.note if old else None, text)
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
        if use is ev.Use.NOTE and question_id == self.note_target():
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


def _wants_note(item: Item, value: str) -> bool:
    """ "Our practice differs" asks how; every other choice moves straight on (a note stays
    one tap away)."""
    return item.kind is Kind.STATEMENT and value == "differs"


def _before(sent_at: datetime | None, asked_at: datetime | None) -> bool:
    # message dates are whole seconds: one sent in the second a question went out is after it
    return (
        sent_at is not None and asked_at is not None and sent_at < asked_at.replace(microsecond=0)
    )


def _soon_after(sent_at: datetime | None, asked_at: datetime | None) -> bool:
    return sent_at is not None and asked_at is not None and sent_at - asked_at < STILL_TYPING
