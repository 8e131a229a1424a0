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
from bot.questionnaire import Item, Kind, Questionnaire
from storage.records import Answer, AnswerChange

MAX_TEXT = 2000
MAX_SIGNER = 200
"""Characters of a name or role on a sign-off."""
NOTHING_TO_ADD = "nothing"
"""The value a "nothing to add" button sends for a free-text question; stored as ''."""

RETURN_TO_REVIEW = -1
RESHOW_AFTER = timedelta(seconds=5)
"""A tap repeated this long after the reply went out shows the reply again (it may have
been lost); sooner, it is a double tap and changes nothing."""
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
    outer: int | None = None
    """Where the question we go back to (`then`) itself goes next, after a detour to
    another question (a note, an old button): a question asked from the review returns there."""
    page: int = 0
    """The section of the review last shown."""
    sign_name: str | None = None
    sign_role: str | None = None
    """While confirming a submission: who signs it off, as shown."""
    signing: ev.SignerPart | None = None
    """While confirming: the part of the sign-off that typed text gives."""

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
                "outer": self.outer,
                "page": self.page,
                "sign_name": self.sign_name,
                "sign_role": self.sign_role,
                "signing": self.signing.value if self.signing else None,
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
            previous, held, outer = data.get("previous"), data.get("held"), data.get("outer")
            sign_name, sign_role, signing = (
                data.get("sign_name"),
                data.get("sign_role"),
                data.get("signing"),
            )
            state = cls(
                mode=Mode(data["mode"]),
                position=int(data["position"]),
                started=bool(data["started"]),
                then=None if data["then"] is None else int(data["then"]),
                asked_at=datetime.fromisoformat(asked_at) if asked_at else None,
                previous=str(previous) if previous else None,
                noted=bool(data.get("noted")),
                held=str(held) if held else None,
                outer=None if outer is None else int(outer),
                page=int(data.get("page") or 0),
                sign_name=str(sign_name) if sign_name else None,
                sign_role=str(sign_role) if sign_role else None,
                signing=ev.SignerPart(signing) if signing else None,
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return cls()
        total = len(questionnaire.items)
        if (
            not 0 <= state.position < total
            or any(
                where is not None and not RETURN_TO_REVIEW <= where < total
                for where in (state.then, state.outer)
            )
            or not 0 <= state.page < len(questionnaire.sections)
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
    signer_name: str | None = None
    """Who signs off a submission unless they say otherwise: the contact's name."""
    signer_role: str | None = None
    """The role the contact signed off with last time, if ever."""
    carried: Mapping[str, fx.Carried] = field(default_factory=dict)
    """Last round's answers by question id, in a round opened with carry-forward."""


@dataclass(frozen=True, slots=True)
class Decision:
    state: FlowState
    effects: tuple[fx.Effect, ...]
    changes: tuple[AnswerChange, ...] = ()
    submit: bool = False
    signer: fx.Signer | None = None
    """Who signed off the submission (with `submit`)."""


def unanswered(questionnaire: Questionnaire, answers: Mapping[str, Answer]) -> tuple[str, ...]:
    return tuple(
        item.id
        for item in questionnaire.items
        if (a := answers.get(item.id)) is None or a.value is None
    )


_WRITES = (
    ev.Choose,
    ev.Text,
    ev.Place,
    ev.Batch,
    ev.Submit,
    ev.Confirm,
    ev.StillTrue,
    ev.SectionStillTrue,
)
CARRY = "carry"
"""The vocabulary's entry for the words that confirm last round's answer ("same")."""
SAME = "same"


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
        self.signer: fx.Signer | None = None

    def decision(self) -> Decision:
        return Decision(
            self.state, tuple(self.effects), tuple(self.changes), self.submit, self.signer
        )

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
        """What the person should be looking at, again; nothing else changes."""
        if self.state.mode is Mode.ASKING:
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
            case ev.Next(question_id):
                return self.advance() if self.is_current(question_id) else self.quiet()
            case ev.StillTrue(question_id):
                return self.still_true(question_id)
            case ev.SectionStillTrue(question_id):
                return self.section_still_true(question_id)
            case ev.Skip(question_id):
                if not self.is_current(question_id):
                    return self.quiet()
                left = self.q.items[self.state.position].id
                if (answer := self.answers.get(left)) is None or answer.value is None:
                    self.effects.append(fx.Skipped(left))
                return self.advance()
            case ev.Note(question_id):
                return self.note(question_id)
            case ev.Keep(question_id):
                if self.is_current(question_id):
                    return self.advance()
                # the question in view is still there, just above: nothing to send again
                return self.start() if not self.state.started else self.quiet()
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
            case ev.Review(section):
                return self.review(section=section)
            case ev.Submit(name, role):
                if self.ctx.submitted:
                    return self.reject(fx.Reason.ALREADY_SUBMITTED)
                given = _signer_parts(name, role)
                if given is None:
                    return self.reject(fx.Reason.SIGNER_TOO_LONG)
                name, role = given
                return self.ask_confirm(name or self.ctx.signer_name, role or self.ctx.signer_role)
            case ev.Confirm(name, role):
                if self.ctx.submitted:
                    return self.quiet()
                if self.state.mode is not Mode.CONFIRM:
                    return self.reject(fx.Reason.STALE_BUTTON)
                given = _signer_parts(name, role)
                if given is None:
                    return self.reject(fx.Reason.SIGNER_TOO_LONG)
                name, role = given[0] or self.state.sign_name, given[1] or self.state.sign_role
                if not name or not role:
                    return self.ask_confirm(name, role)  # the sign-off needs both first
                self.submit = True
                self.signer = fx.Signer(name, role)
                self.state = replace(
                    self.state, mode=Mode.REVIEW, sign_name=None, sign_role=None, signing=None
                )
                self.effects.append(fx.Submitted(unanswered(self.q, self.answers), self.signer))
                return self.decision()
            case ev.Sign(part):
                if self.ctx.submitted or self.state.mode is not Mode.CONFIRM:
                    return self.reject(fx.Reason.STALE_BUTTON)
                return self.ask_confirm(self.state.sign_name, self.state.sign_role, part)
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
            case ev.Batch(entries, same_sections):
                return self.batch(entries, same_sections)
        raise TypeError(f"unknown event {event!r}")  # pragma: no cover

    def ask_confirm(
        self, name: str | None, role: str | None, typing: ev.SignerPart | None = None
    ) -> Decision:
        """Submit, signed off by `name` as `role`? Typed text gives `typing`, else the part
        still missing."""
        name, role = name or None, role or None
        if typing is None:
            typing = ev.SignerPart.NAME if not name else ev.SignerPart.ROLE if not role else None
        self.state = FlowState(
            Mode.CONFIRM,
            self.state.position,
            True,
            page=self.state.page,
            sign_name=name,
            sign_role=role,
            signing=typing,
        )
        self.effects.append(fx.AskConfirm(unanswered(self.q, self.answers), name, role, typing))
        return self.decision()

    def sign_text(self, text: str) -> Decision:
        """Typed while confirming a submission: the name or role it asked for (the role,
        unless the person chose to give another name)."""
        if len(text) > MAX_SIGNER:
            return self.reject(fx.Reason.SIGNER_TOO_LONG)
        text = " ".join(text.split())  # one line on the form and in the summary
        name, role = self.state.sign_name, self.state.sign_role
        if self.state.signing is ev.SignerPart.NAME:
            return self.ask_confirm(text, role)
        return self.ask_confirm(name, text)

    def start(self) -> Decision:
        if self.state.started and self.state.mode in (Mode.ASKING, Mode.NOTE, Mode.PAUSED):
            return self.ask(self.state.position, self.state.then)
        if self.state.started or self.ctx.submitted:
            return self.review()
        missing = unanswered(self.q, self.answers)
        first = self.q.position(missing[0]) if missing else len(self.q.items)
        return self.ask(first or 0)

    def confirm_carried(self, position: int, extra_note: str | None = None) -> Answer | None:
        """Record last round's answer and note to the question at `position` as given now;
        None if there is none to confirm."""
        if position not in self.confirmable(position):
            return None
        item = self.q.items[position]
        carried = self.ctx.carried[item.id]
        old = self.answers.get(item.id)
        note = _join(_join(carried.note, old.note if old else None), extra_note)
        if note is not None and len(note) > MAX_TEXT:
            return None
        return self.record(item.id, carried.value, note)

    def still_true(self, question_id: str | None, extra_note: str | None = None) -> Decision:
        if not self.is_current(question_id):
            return self.quiet()  # a tap on a question left already (a double tap)
        position = self.state.position
        answer = self.confirm_carried(position, extra_note)
        if answer is None:
            return self.reject(fx.Reason.NOTHING_CARRIED, self.q.items[position].id)
        self.effects.append(fx.Recorded(self.q.items[position].id, answer))
        self.state = replace(self.state, mode=Mode.ASKING, held=None)
        return self.advance()

    def section_still_true(self, question_id: str) -> Decision:
        position = self.q.position(question_id)
        if position is None:
            return self.reject(fx.Reason.UNKNOWN_QUESTION)
        if not self.is_current(question_id):
            return self.quiet()
        confirmed = [
            self.q.items[at].id
            for at in self.confirmable(position)
            if self.confirm_carried(at) is not None
        ]
        if not confirmed:
            return self.reject(fx.Reason.NOTHING_CARRIED, question_id)
        number = self.q.section_number(position)
        self.effects.append(fx.ConfirmedSection(number, tuple(confirmed)))
        missing = set(unanswered(self.q, self.answers))
        in_section = [
            at
            for at, item in enumerate(self.q.items)
            if self.q.section_number(at) == number and item.id in missing
        ]
        if in_section:  # a new or reworded question of the section is still to answer
            return self.ask(in_section[0], self.state.then, previous=question_id)
        after = max(at for at in range(len(self.q.items)) if self.q.section_number(at) == number)
        if self.state.then == RETURN_TO_REVIEW:
            return self.review()
        return self.ask(self.onward(after + 1), previous=question_id)

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
        note = _join(old.note if old else None, held)
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
        if held is None and self.state.position in self.confirmable(self.state.position):
            same = read_choice(text, CARRY, (SAME,), self.ctx.vocabulary)
            if same is not None:
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
        previous = self.note_target()
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

    def batch(
        self, entries: tuple[ev.BatchEntry, ...], same_sections: tuple[int, ...] = ()
    ) -> Decision:
        saved: list[str] = []
        still_true: list[str] = []
        rejected: list[fx.Rejected] = []
        for entry in entries:
            item_position = self.q.position(entry.question_id)
            if item_position is None:
                rejected.append(fx.Rejected(fx.Reason.UNKNOWN_QUESTION, entry.question_id))
                continue
            item = self.q.items[item_position]
            value = clean(entry.value) if entry.value is not None else None
            note = clean(entry.note) if entry.note is not None else None
            if entry.still_true:
                if note is not None and len(note) > MAX_TEXT:
                    rejected.append(fx.Rejected(fx.Reason.TOO_LONG, item.id))
                elif self.confirm_carried(item_position, note or None) is None:
                    rejected.append(fx.Rejected(fx.Reason.NOTHING_CARRIED, item.id))
                else:
                    saved.append(item.id)
                    still_true.append(item.id)
                continue
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
        for number in dict.fromkeys(same_sections):
            confirmed = self.batch_section(number)
            if confirmed:
                self.effects.append(fx.ConfirmedSection(number, confirmed))
            else:
                first = (
                    self.q.sections[number - 1].items[0].id if self.has_section(number) else None
                )
                rejected.append(fx.Rejected(fx.Reason.SECTION_NOTHING_CARRIED, first))
        self.effects.append(
            fx.BatchResult(
                tuple(saved),
                tuple(rejected),
                unanswered(self.q, self.answers),
                tuple(still_true),
            )
        )
        return self.decision()

    def has_section(self, number: int) -> bool:
        return 1 <= number <= len(self.q.sections)

    def batch_section(self, number: int) -> tuple[str, ...]:
        """Confirm every last-round answer of section `number` that can be; their ids."""
        if not self.has_section(number):
            return ()
        first = self.q.position(self.q.sections[number - 1].items[0].id)
        assert first is not None
        return tuple(
            self.q.items[at].id for at in self.confirmable(first) if self.confirm_carried(at)
        )


def _wants_note(item: Item, value: str) -> bool:
    """ "Our practice differs" asks how; every other choice moves straight on (a note stays
    one tap away)."""
    return item.kind is Kind.STATEMENT and value == "differs"


def _signer_parts(name: str | None, role: str | None) -> tuple[str, str] | None:
    """A name and role given with an event, cleaned ('' for one not given); None if
    either is too long."""
    parts = tuple(" ".join(clean(part or "").split()) for part in (name, role))
    if any(len(part) > MAX_SIGNER for part in parts):
        return None
    return parts[0], parts[1]


def _join(first: str | None, second: str | None) -> str | None:
    """Two pieces of a note, in the order they were typed."""
    if not first or not second:
        return first or second
    return f"{first}\n{second}"


def _before(sent_at: datetime | None, asked_at: datetime | None) -> bool:
    # message dates are whole seconds: one sent in the second a question went out is after it
    return (
        sent_at is not None and asked_at is not None and sent_at < asked_at.replace(microsecond=0)
    )


def _soon_after(sent_at: datetime | None, asked_at: datetime | None) -> bool:
    return sent_at is not None and asked_at is not None and sent_at - asked_at < STILL_TYPING
