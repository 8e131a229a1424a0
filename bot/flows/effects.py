"""What the audit flow asks a channel to show. Channels render these through templates."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.flows.events import SignerPart
from storage.records import Answer


class Reason(StrEnum):
    """Why an event was refused; each has a one-sentence text in the templates."""

    TOO_LONG = "too_long"
    EMPTY = "empty"
    UNKNOWN_QUESTION = "unknown_question"
    INVALID_CHOICE = "invalid_choice"
    ROUND_CLOSED = "round_closed"
    NO_ROUND = "no_round"
    NOTHING_BEFORE = "nothing_before"
    NOT_EXPECTED = "not_expected"
    STALE_BUTTON = "stale_button"
    ALREADY_SUBMITTED = "already_submitted"
    NOTHING_HELD = "nothing_held"
    AFTER_SUBMIT = "after_submit"
    """Text after the audit was submitted (often a thank-you): answered kindly."""
    SIGNER_TOO_LONG = "signer_too_long"
    NOTHING_CARRIED = "nothing_carried"
    """"Still true" where there is no last-round answer left to confirm."""
    SECTION_NOTHING_CARRIED = "section_nothing_carried"
    """A section confirmed as last year where no last-round answer is left to confirm
    (the question is the section's first; an unknown section has none)."""


@dataclass(frozen=True, slots=True)
class Carried:
    """Last round's answer and note to a question, in a round opened with carry-forward.
    `unchanged`: the question is asked as it was then, so the answer can be confirmed as
    still true; otherwise (reworded) it is shown for reference only."""

    value: str
    note: str | None = None
    unchanged: bool = True


@dataclass(frozen=True, slots=True)
class Ask:
    """A question. `answered`: how many questions have an answer (progress counts answers,
    not position); `in_review`: asked from the review, which it returns to. `carried`:
    last round's answer, when the round carries answers forward; `section_carried`: on a
    section's first question, how many of its last-round answers can be confirmed at once;
    `query`: the LA's open question about this answer."""

    question_id: str
    position: int
    answer: Answer | None
    answered: int = 0
    in_review: bool = False
    carried: Carried | None = None
    section_carried: int = 0
    query: str | None = None

    @property
    def can_confirm(self) -> bool:
        """Whether "Still true" confirms last round's answer here (nothing given yet)."""
        return (
            self.carried is not None
            and self.carried.unchanged
            and (self.answer is None or self.answer.value is None)
        )


@dataclass(frozen=True, slots=True)
class ConfirmedSection:
    """Last round's answers to these questions of a section were confirmed as still true
    (`section`: 1-based)."""

    section: int
    question_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Skipped:
    """The person chose to leave this question for now."""

    question_id: str


@dataclass(frozen=True, slots=True)
class Recorded:
    """An answer or note was saved (committed before the channel shows this). `added`: the
    text went onto the note of a question the person had already left."""

    question_id: str
    answer: Answer
    added: bool = False


@dataclass(frozen=True, slots=True)
class AskWhere:
    """Typed text could be an answer or a note: ask which, keeping the text until then.
    `previous` is the question whose note it may continue."""

    question_id: str
    text: str
    previous: str | None = None


@dataclass(frozen=True, slots=True)
class ConfirmChange:
    """A colleague gave another answer since this person last saw the question."""

    question_id: str
    value: str
    current: Answer


@dataclass(frozen=True, slots=True)
class OfferNote:
    """Ask for a note on an answered question (its answer can still be changed)."""

    question_id: str
    answer: Answer


@dataclass(frozen=True, slots=True)
class ShowReview:
    """The answers so far. `section` (0-based) is the part in view where a channel shows one
    section at a time; `queried`: the questions the LA has an open query about."""

    answers: Mapping[str, Answer]
    unanswered: tuple[str, ...]
    at_end: bool = False
    submitted: bool = False
    section: int = 0
    queried: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Signer:
    """Who signs off a submission: their name and role ("Head of inclusion")."""

    name: str
    role: str


@dataclass(frozen=True, slots=True)
class AskConfirm:
    """Submit, signed off by `name` as `role`? Either may be None: not known yet.
    `typing`: what text typed now gives (the part missing, or the one the person chose to
    change); None when both are there and confirming is one step."""

    unanswered: tuple[str, ...]
    name: str | None = None
    role: str | None = None
    typing: SignerPart | None = None

    @property
    def signer(self) -> Signer | None:
        return Signer(self.name, self.role) if self.name and self.role else None

    @property
    def asks(self) -> SignerPart | None:
        """What the person is asked to type: `typing`, else a part that is missing."""
        if self.typing is not None:
            return self.typing
        return SignerPart.NAME if not self.name else SignerPart.ROLE if not self.role else None


@dataclass(frozen=True, slots=True)
class Submitted:
    unanswered: tuple[str, ...]
    signer: Signer | None = None


@dataclass(frozen=True, slots=True)
class Paused:
    pass


@dataclass(frozen=True, slots=True)
class ShowStatus:
    answered: int
    total: int
    submitted: bool


@dataclass(frozen=True, slots=True)
class Rejected:
    reason: Reason
    question_id: str | None = None


@dataclass(frozen=True, slots=True)
class BatchResult:
    saved: tuple[str, ...]
    rejected: tuple[Rejected, ...]
    unanswered: tuple[str, ...]
    still_true: tuple[str, ...] = ()
    """The saved questions whose last-round answer was confirmed."""


Effect = (
    Ask
    | Skipped
    | Recorded
    | ConfirmedSection
    | AskWhere
    | ConfirmChange
    | OfferNote
    | ShowReview
    | AskConfirm
    | Submitted
    | Paused
    | ShowStatus
    | Rejected
    | BatchResult
)


_WORD_START = re.compile(r"(?<!^)(?=[A-Z])")


def template_name(effect: Effect | type[Effect]) -> str:
    """The name every channel gives the template that shows an effect: AskConfirm ->
    "ask_confirm" (templates/<channel>/ask_confirm.<ext>.j2)."""
    kind = effect if isinstance(effect, type) else type(effect)
    return _WORD_START.sub("_", kind.__name__).lower()
