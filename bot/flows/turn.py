"""One event's worth of work in the audit conversation: where the person is, what they see
next, and the changes and effects collected on the way. The rules for particular events
build on it (answering.py, carrying.py, signing.py; audit.py dispatches)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.flows import effects as fx
from bot.flows.state import (
    RESHOW_AFTER,
    RETURN_TO_REVIEW,
    Context,
    Decision,
    FlowState,
    Mode,
    unanswered,
)
from storage.records import Answer, AnswerChange


class Turn:
    """Collects changes and effects as it goes."""

    def __init__(self, ctx: Context, state: FlowState) -> None:
        self.ctx = ctx
        self.q = ctx.questionnaire
        self.state = state
        self.answers: dict[str, Answer] = dict(ctx.answers)
        self.changes: list[AnswerChange] = []
        self.effects: list[fx.Effect] = []
        self.submit = False
        self.signer: fx.Signer | None = None

    def decision(self) -> Decision:
        return Decision(
            self.state, tuple(self.effects), tuple(self.changes), self.submit, self.signer
        )

    def reject(self, reason: fx.Reason, question_id: str | None = None) -> Decision:
        return Decision(self.state, (fx.Rejected(reason, question_id),))

    def quiet(self) -> Decision:
        return Decision(self.state, ())

    def record(self, question_id: str, value: str | None, note: str | None) -> Answer:
        old = self.answers.get(question_id)
        if old is None or (old.value, old.note) != (value, note):
            self.changes.append(AnswerChange(question_id, value, note))
            self.answers[question_id] = Answer(value=value, note=note)
        return self.answers[question_id]

    def asked_now(self) -> datetime | None:
        now = self.ctx.now
        return now.astimezone(UTC) if now is not None else None

    def ask(self, position: int, then: int | None = None, previous: str | None = None) -> Decision:
        if position >= len(self.q.items):
            return self.review(at_end=True)
        page = self.state.page
        self.state = FlowState(
            Mode.ASKING, position, True, then, self.asked_now(), previous, page=page
        )
        self.effects.append(self.asking())
        return self.decision()

    def asking(self) -> fx.Ask:
        """The question in play, as the person should see it."""
        position = self.state.position
        item = self.q.items[position]
        answered = len(self.q.items) - len(unanswered(self.q, self.answers))
        in_review = self.state.then == RETURN_TO_REVIEW
        section = len(self.confirmable(position)) if self.q.starts_section(position) else 0
        return fx.Ask(
            item.id,
            position,
            self.answers.get(item.id),
            answered,
            in_review,
            self.ctx.carried.get(item.id),
            section if section > 1 else 0,
            self.ctx.queries.get(item.id),
        )

    def confirmable(self, position: int) -> list[int]:
        """The questions of `position`'s section whose last-round answer can be confirmed:
        unchanged since then and not answered this round."""
        number = self.q.section_number(position)
        return [
            at
            for at, item in enumerate(self.q.items)
            if self.q.section_number(at) == number
            and (carried := self.ctx.carried.get(item.id)) is not None
            and carried.unchanged
            and ((a := self.answers.get(item.id)) is None or a.value is None)
        ]

    def review(self, at_end: bool = False, section: int | None = None) -> Decision:
        """Show the answers: the section asked for, else the one the person was in (or, at
        the end, the first with a question left)."""
        missing = unanswered(self.q, self.answers)
        if section is None or not 0 <= section < len(self.q.sections):
            position = self.state.position
            if at_end and missing:
                position = self.q.position(missing[0]) or 0
            section = self.q.section_number(position) - 1
            if self.state.mode in (Mode.REVIEW, Mode.CONFIRM) and not at_end:
                section = self.state.page  # the section they were looking at
        self.state = FlowState(
            Mode.REVIEW, self.state.position, True, asked_at=self.asked_now(), page=section
        )
        self.effects.append(
            fx.ShowReview(
                dict(self.answers),
                missing,
                at_end=at_end,
                submitted=self.ctx.submitted or self.submit,
                section=section,
                queried=frozenset(self.ctx.queries),
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
            # resume where the user was (never this question), and where that was going
            self.ask(then, self.state.outer, previous=left)
        else:
            self.ask(self.onward(self.state.position + 1), previous=left)
        if noted and self.state.mode is Mode.ASKING:
            self.state = replace(self.state, noted=True)
        return self.decision()

    def onward(self, position: int) -> int:
        """The next question to ask from `position` on: in a round carrying answers
        forward, those answered this round already (a section confirmed at once) are
        passed over."""
        if not self.ctx.carried:
            return position
        while position < len(self.q.items) and (
            (a := self.answers.get(self.q.items[position].id)) is not None and a.value is not None
        ):
            position += 1
        return position

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

    def waited(self) -> bool:
        """Whether the person has waited for the reply to their last step (so may not have
        had it), rather than tapped twice in a row."""
        now, asked_at = self.asked_now(), self.state.asked_at
        return now is not None and asked_at is not None and now - asked_at >= RESHOW_AFTER

    def show_again(self) -> Decision:
        """What the person should be looking at, again; nothing else changes (but the time
        it went out: a tap just after this one is a double tap again)."""
        if self.state.mode is Mode.ASKING:
            self.state = replace(self.state, asked_at=self.asked_now())
            return Decision(self.state, (self.asking(),))
        previous = self.state.previous
        self.review()
        self.state = replace(self.state, previous=previous)  # a further tap is still a repeat
        return self.decision()

    def note_target(self) -> str | None:
        """The question just left, when text may still be about it: its note was being
        typed, or it was answered with one tap (a note on a tick often follows the tap)."""
        previous = self.state.previous
        if previous is None or self.state.mode not in (Mode.ASKING, Mode.REVIEW):
            return None
        if self.state.noted:
            return previous
        answer = self.answers.get(previous)
        if answer is None or answer.value is None or self.q.item(previous).kind.is_free_text:
            return None
        return previous
