"""What changed since an earlier round, for the LA: a pure comparison of two summaries.

Questions are matched by id across questionnaire versions (the id links answers to
questions); a question whose wording changed is still compared, and marked reworded.
Partnerships are matched by their number, so a renamed partnership is still itself. Only
answers given in this round are compared: a question not answered yet is not a change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.summary.model import PartnershipResult, Question, Summary, stands_out
from storage.records import Answer, Round


@dataclass(frozen=True, slots=True)
class AnswerChange:
    """One partnership's answer to one question, as it was in the earlier round and is now."""

    partnership: str
    question: Question
    before: Answer | None
    """None: not answered in the earlier round."""
    after: Answer
    reworded: bool = False
    """The question's wording differs from the earlier round's."""

    @property
    def value_changed(self) -> bool:
        return (self.before.value if self.before else None) != self.after.value

    @property
    def note_changed(self) -> bool:
        return _note(self.before) != _note(self.after)

    @property
    def newly_stands_out(self) -> bool:
        """Now "No" or "Our practice differs", and not before."""
        kind = self.question.item.kind
        before = self.before.value if self.before else None
        return stands_out(kind, self.after.value) and not stands_out(kind, before)


@dataclass(frozen=True, slots=True)
class PartnershipChanges:
    partnership: str
    changes: tuple[AnswerChange, ...]


@dataclass(frozen=True, slots=True)
class SectionChanges:
    """How many answers changed in one section, and in how many partnerships."""

    number: int
    heading: str
    answers: int
    partnerships: int


@dataclass(frozen=True, slots=True)
class Comparison:
    previous: Round
    partnerships: tuple[PartnershipChanges, ...]
    """Partnerships with at least one change, by name."""
    sections: tuple[SectionChanges, ...]
    """Every section of this round's questionnaire, in order."""
    new_partnerships: tuple[str, ...]
    """Partnerships with no response in the earlier round (nothing to compare)."""
    new_questions: tuple[Question, ...]
    """Questions this round asks that the earlier one did not."""
    removed_questions: tuple[str, ...]
    """The earlier round's questions (their text) that this round no longer asks."""
    earlier: Mapping[int, Mapping[str, Answer]] = field(default_factory=dict)
    """Every answer of the earlier round, by partnership id, then question id."""
    reworded: frozenset[str] = frozenset()
    """Ids of the questions asked in both rounds whose wording changed since."""

    @property
    def changes(self) -> tuple[AnswerChange, ...]:
        return tuple(c for p in self.partnerships for c in p.changes)

    @property
    def newly_standing_out(self) -> tuple[AnswerChange, ...]:
        """Answers that became "No" or "Our practice differs", by partnership."""
        return tuple(c for c in self.changes if c.newly_stands_out)


def compare_rounds(current: Summary, previous: Summary) -> Comparison:
    """Each answer of `current` that differs (answer or note) from `previous`."""
    earlier = {p.partnership.id: p for p in previous.partnerships}
    earlier_texts = {q.item.id: q.item.text for q in previous.questions}
    found: list[PartnershipChanges] = []
    new_partnerships: list[str] = []
    for result in current.partnerships:
        before = earlier.get(result.partnership.id)
        if before is None:
            new_partnerships.append(result.name)
            continue
        changes = tuple(_changes(result, before, current.questions, earlier_texts))
        if changes:
            found.append(PartnershipChanges(result.name, changes))
    current_ids = {q.item.id for q in current.questions}
    reworded = frozenset(
        q.item.id
        for q in current.questions
        if q.item.id in earlier_texts and earlier_texts[q.item.id] != q.item.text
    )
    sections = tuple(
        SectionChanges(
            number=s.number,
            heading=s.section.heading,
            answers=sum(
                1 for p in found for c in p.changes if c.question.section_number == s.number
            ),
            partnerships=sum(
                1 for p in found if any(c.question.section_number == s.number for c in p.changes)
            ),
        )
        for s in current.sections
    )
    return Comparison(
        previous=previous.round,
        partnerships=tuple(found),
        sections=sections,
        new_partnerships=tuple(new_partnerships),
        new_questions=tuple(q for q in current.questions if q.item.id not in earlier_texts),
        removed_questions=tuple(
            q.item.text for q in previous.questions if q.item.id not in current_ids
        ),
        earlier={p.partnership.id: p.answers for p in previous.partnerships},
        reworded=reworded,
    )


def _changes(
    result: PartnershipResult,
    before: PartnershipResult,
    questions: Iterable[Question],
    earlier_texts: dict[str, str],
) -> Iterable[AnswerChange]:
    for question in questions:
        item = question.item
        if item.id not in earlier_texts:
            continue
        now = result.answer(item.id)
        if now is None or now.value is None:
            continue
        was = before.answer(item.id)
        was_value = was.value if was else None
        if (was_value, _note(was)) == (now.value, _note(now)):
            continue
        yield AnswerChange(
            result.name, question, was, now, reworded=earlier_texts[item.id] != item.text
        )


def _note(answer: Answer | None) -> str | None:
    note = answer.note if answer is not None else None
    return note.strip() if note and note.strip() else None
