"""Actions that follow: answers the questionnaire's `actions` rules mark for the LA to follow
up, with how urgent, what to do, and whether someone has dealt with it.

Deriving them is a pure function of the answers and of what storage says was done; the
rules are questionnaire content, never code that names a question. One action per
partnership and question, however many rules match it: the most urgent severity leads and
every matching rule's suggestion is listed. "Done" applies to the answer as it stood when
it was marked: if the answer or its note changes afterwards, the action is open again.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from bot.questionnaire import ANSWERED, NOTHING, ActionRule, Item, Questionnaire, Severity
from bot.questionnaire import rule_items as covered_items
from bot.summary.model import PartnershipResult, Question
from storage.actions import ActionDone
from storage.records import Answer

SEVERITY_ORDER = (Severity.RED, Severity.AMBER)
"""Most urgent first."""


def answer_fingerprint(value: str | None, note: str | None) -> str:
    """What "done" is tied to: the answer and note as they stood (a hash, not a copy)."""
    canonical = json.dumps([value, note], ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def action_code(partnership_id: int, question_number: int) -> str:
    """The short id the LA types: partnership number, then question number ("3-24")."""
    return f"{partnership_id}-{question_number}"


@dataclass(frozen=True, slots=True)
class Action:
    """One answer that needs follow-up, with what to do about it and whether it is done."""

    partnership_id: int
    partnership: str
    question: Question
    answer: Answer
    severity: Severity
    suggestions: tuple[str, ...]
    """Every matching rule's suggested action, in the questionnaire's order."""
    rules: tuple[str, ...]
    done: ActionDone | None = None
    """Who marked it done, and when (None: open)."""
    superseded: ActionDone | None = None
    """Open again: it was marked done, then the answer or its note changed."""

    @property
    def code(self) -> str:
        return action_code(self.partnership_id, self.question.number)

    @property
    def is_open(self) -> bool:
        return self.done is None

    @property
    def note(self) -> str | None:
        note = self.answer.note
        return note if note and note.strip() else None


def derive_actions(
    questionnaire: Questionnaire,
    questions: Sequence[Question],
    results: Iterable[PartnershipResult],
    done: Mapping[tuple[int, str], ActionDone] | None = None,
) -> tuple[Action, ...]:
    """Every action the rules raise from the answers, open ones first (red before amber),
    then by partnership name and question number. `done` is keyed by (partnership id,
    question id), as storage returns it."""
    if not questionnaire.actions:
        return ()
    covered = {
        rule.id: {item.id for item in covered_items(questionnaire, rule)}
        for rule in questionnaire.actions
    }
    done = done or {}
    found: list[Action] = []
    for result in results:
        for question in questions:
            item = question.item
            answer = result.answer(item.id)
            if answer is None:
                continue
            matching = [
                rule
                for rule in questionnaire.actions
                if item.id in covered[rule.id] and rule_matches(rule, item, answer)
            ]
            if not matching:
                continue
            marked = done.get((result.partnership.id, item.id))
            current = marked is not None and marked.fingerprint == answer_fingerprint(
                answer.value, answer.note
            )
            found.append(
                Action(
                    partnership_id=result.partnership.id,
                    partnership=result.name,
                    question=question,
                    answer=answer,
                    severity=min((r.severity for r in matching), key=SEVERITY_ORDER.index),
                    suggestions=tuple(dict.fromkeys(r.action for r in matching)),
                    rules=tuple(r.id for r in matching),
                    done=marked if current else None,
                    superseded=marked if marked is not None and not current else None,
                )
            )
    return tuple(
        sorted(
            found,
            key=lambda a: (
                not a.is_open,
                SEVERITY_ORDER.index(a.severity),
                a.partnership.casefold(),
                a.question.number,
            ),
        )
    )


def rule_matches(rule: ActionRule, item: Item, answer: Answer) -> bool:
    """Whether `answer` to `item` is one `rule` asks to follow up (the rule covering `item`
    is checked apart, by `rule_items`)."""
    if rule.answers and not _answer_matches(rule.answers, item, answer.value):
        return False
    if rule.note_contains:
        texts = [answer.note or ""]
        if item.kind.is_free_text:
            texts.append(answer.value or "")
        return any(_words(rule.note_contains).search(text) for text in texts)
    return True


def _answer_matches(wanted: tuple[str, ...], item: Item, value: str | None) -> bool:
    if value is None:
        return False
    if not item.kind.is_free_text:
        return value in wanted
    written = value.strip() != ""
    return (ANSWERED in wanted and written) or (NOTHING in wanted and not written)


@cache
def _words(words: tuple[str, ...]) -> re.Pattern[str]:
    """Any of `words` as a whole word or phrase, whatever the case ("lost", not "lostock")."""
    alternatives = "|".join(re.escape(word.strip()) for word in words)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def open_count(actions: Iterable[Action]) -> int:
    return sum(1 for a in actions if a.is_open)


def find_action(actions: Iterable[Action], code: str) -> Action | None:
    wanted = code.strip()
    return next((a for a in actions if a.code == wanted), None)
