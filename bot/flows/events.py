"""What a channel can tell the audit flow. Button events name their question so that a
second tap on the same button can be recognised and ignored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Start:
    pass


@dataclass(frozen=True, slots=True)
class Choose:
    """A button: a tick/statement value, or "nothing" for nothing to add. `confirmed`: the
    person has been told that a colleague gave another answer and still wants this one."""

    question_id: str
    value: str
    confirmed: bool = False


@dataclass(frozen=True, slots=True)
class Text:
    """Anything typed: an answer, a note, or a typed choice ("no - only pupils on roll").
    `sent_at` is when the person sent it, where the channel says (Telegram does)."""

    text: str
    sent_at: datetime | None = None


class Use(StrEnum):
    NOTE = "note"
    ANSWER = "answer"


@dataclass(frozen=True, slots=True)
class Place:
    """Where the text the bot asked about goes: a note on `question_id`, or its answer."""

    question_id: str
    use: Use


@dataclass(frozen=True, slots=True)
class Next:
    """Go on without (another) note; keeps the current answer."""

    question_id: str | None = None


@dataclass(frozen=True, slots=True)
class Note:
    """Add or change the note on a question already answered (it can be re-answered too)."""

    question_id: str


@dataclass(frozen=True, slots=True)
class Keep:
    """Keep the stored answer (a colleague's) rather than change it, and carry on."""

    question_id: str


@dataclass(frozen=True, slots=True)
class StillTrue:
    """Last round's answer and note to this question still hold: record them as given now."""

    question_id: str | None = None


@dataclass(frozen=True, slots=True)
class SectionStillTrue:
    """Every last-round answer in this question's section still holds (where the question
    is unchanged and not answered this round yet)."""

    question_id: str


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
    """Show the answers; `section` (0-based) picks the part in view, None: where I am."""

    section: int | None = None


class SignerPart(StrEnum):
    """A part of the sign-off that the person types: their name or their role."""

    NAME = "name"
    ROLE = "role"


@dataclass(frozen=True, slots=True)
class Submit:
    """Start submitting; `name` and `role` sign it off at once where a channel has them
    (an email's "SUBMIT name, role")."""

    name: str | None = None
    role: str | None = None


@dataclass(frozen=True, slots=True)
class Confirm:
    """Submit, signed off as shown; `name`/`role` given here replace what was shown."""

    name: str | None = None
    role: str | None = None


@dataclass(frozen=True, slots=True)
class Sign:
    """The person will type this part of the sign-off next (another name, another role)."""

    part: SignerPart


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
    """One answer from a batch channel; None leaves that part as it was. `still_true`:
    last round's answer holds (`value` unused; `note` is added to last round's note)."""

    question_id: str
    value: str | None
    note: str | None = None
    still_true: bool = False


@dataclass(frozen=True, slots=True)
class Batch:
    """Several answers at once (an email reply): one event, one transaction.
    `same_sections`: sections (1-based) whose last-round answers all still hold, applied
    after the entries, so that an answer given with them wins."""

    entries: tuple[BatchEntry, ...]
    same_sections: tuple[int, ...] = ()


Event = (
    Start
    | Choose
    | Text
    | Place
    | Next
    | Note
    | Keep
    | StillTrue
    | SectionStillTrue
    | Skip
    | Back
    | Jump
    | Review
    | Submit
    | Confirm
    | Sign
    | CancelSubmit
    | Pause
    | Status
    | Batch
)
