"""What a channel can tell the audit flow. Button events name their question so that a
second tap on the same button can be recognised and ignored."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Start:
    pass


@dataclass(frozen=True, slots=True)
class Choose:
    """A button: a tick/statement value, or "nothing" for nothing to add."""

    question_id: str
    value: str


@dataclass(frozen=True, slots=True)
class Text:
    """Anything typed: an answer to a free-text question, or a note."""

    text: str


@dataclass(frozen=True, slots=True)
class Next:
    """Go on without (another) note; keeps the current answer."""

    question_id: str | None = None


@dataclass(frozen=True, slots=True)
class Skip:
    question_id: str | None = None


@dataclass(frozen=True, slots=True)
class Back:
    question_id: str | None = None


@dataclass(frozen=True, slots=True)
class Jump:
    question_id: str


@dataclass(frozen=True, slots=True)
class Review:
    pass


@dataclass(frozen=True, slots=True)
class Submit:
    pass


@dataclass(frozen=True, slots=True)
class Confirm:
    pass


@dataclass(frozen=True, slots=True)
class CancelSubmit:
    pass


@dataclass(frozen=True, slots=True)
class Pause:
    pass


@dataclass(frozen=True, slots=True)
class Status:
    pass


@dataclass(frozen=True, slots=True)
class BatchEntry:
    """One answer from a batch channel; None leaves that part as it was."""

    question_id: str
    value: str | None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Batch:
    """Several answers at once (an email reply): one event, one transaction."""

    entries: tuple[BatchEntry, ...]


Event = (
    Start
    | Choose
    | Text
    | Next
    | Skip
    | Back
    | Jump
    | Review
    | Submit
    | Confirm
    | CancelSubmit
    | Pause
    | Status
    | Batch
)
