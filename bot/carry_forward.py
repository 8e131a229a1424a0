"""Carry forward: last round's answers offered to confirm in a round opened with
`--carry-forward`. Questions are matched by id; one whose wording or kind changed (its
content hash differs) shows last round's answer for reference only."""

from __future__ import annotations

from collections.abc import Mapping

from bot.flows.effects import Carried
from bot.questionnaire import Questionnaire
from storage.records import Answer


def carried(
    current: Questionnaire, earlier: Questionnaire, answers: Mapping[str, Answer]
) -> dict[str, Carried]:
    """Last round's answers (given to `earlier`) to the questions `current` still asks."""
    found: dict[str, Carried] = {}
    for item in current.items:
        answer = answers.get(item.id)
        if answer is None or answer.value is None or earlier.position(item.id) is None:
            continue
        then = earlier.item(item.id)
        unchanged = then.content_hash == item.content_hash
        found[item.id] = Carried(answer.value, answer.note or None, unchanged)
    return found


def removed(current: Questionnaire, earlier: Questionnaire) -> tuple[str, ...]:
    """The ids of last round's questions that `current` no longer asks."""
    return tuple(item.id for item in earlier.items if current.position(item.id) is None)
