"""What the audit conversation remembers between events, what it is given with each one
(the context) and what it decides: the engine's data, without its rules."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from bot.flows import effects as fx
from bot.flows import events as ev
from bot.flows.typed import Vocabulary
from bot.questionnaire import Questionnaire
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


CARRY = "carry"
"""The vocabulary's entry for the words that confirm last round's answer ("same")."""
SAME = "same"


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
    queries: Mapping[str, str] = field(default_factory=dict)
    """The LA's open questions about the partnership's answers: comment by question id,
    oldest first. Starting the conversation opens the first."""


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


def join_notes(first: str | None, second: str | None) -> str | None:
    """Two pieces of a note, in the order they were typed."""
    if not first or not second:
        return first or second
    return f"{first}\n{second}"
