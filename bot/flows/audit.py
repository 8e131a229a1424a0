"""The audit conversation: (context, state, event) -> decision. Pure and deterministic.

The engine never touches storage or a chat library; the caller commits the decision's
changes and state in one transaction and only then shows its effects.
"""

from __future__ import annotations

from dataclasses import replace

from bot.flows import effects as fx
from bot.flows import events as ev
from bot.flows.answering import Answering
from bot.flows.state import (
    MAX_TEXT,
    NOTHING_TO_ADD,
    RETURN_TO_REVIEW,
    Context,
    Decision,
    FlowState,
    Mode,
    unanswered,
)
from bot.flows.typed import clean

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


def decide(ctx: Context, state: FlowState, event: ev.Event) -> Decision:
    if not ctx.round_open and isinstance(event, _WRITES):
        return Decision(state, (fx.Rejected(fx.Reason.ROUND_CLOSED),))
    return _Turn(ctx, state).handle(event)


class _Turn(Answering):
    """Dispatches one event to the rule for it."""

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
                return self.submit_asked(name, role)
            case ev.Confirm(name, role):
                return self.confirm(name, role)
            case ev.Sign(part):
                return self.sign(part)
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
