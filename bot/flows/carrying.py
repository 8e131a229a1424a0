"""Carry forward: last round's answers confirmed as still true, one at a time or a whole
section at once, only where the question is unchanged and not answered this round."""

from __future__ import annotations

from dataclasses import replace

from bot.flows import effects as fx
from bot.flows.state import MAX_TEXT, RETURN_TO_REVIEW, Decision, Mode, join_notes, unanswered
from bot.flows.turn import Turn
from storage.records import Answer


class CarryForward(Turn):
    def confirm_carried(self, position: int, extra_note: str | None = None) -> Answer | None:
        """Record last round's answer and note to the question at `position` as given now;
        None if there is none to confirm."""
        if position not in self.confirmable(position):
            return None
        item = self.q.items[position]
        carried = self.ctx.carried[item.id]
        old = self.answers.get(item.id)
        note = join_notes(join_notes(carried.note, old.note if old else None), extra_note)
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
