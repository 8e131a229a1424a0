"""Plain, immutable records that storage returns; no behaviour, no SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class Status(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


@dataclass(frozen=True, slots=True)
class Partnership:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Address:
    """Where a contact is reached on one channel."""

    channel: str
    address: str
    """Where to send: a Telegram chat id, an email address."""
    account: str | None = None
    """Who they are there (a Telegram user id), once they have linked it."""
    linked_at: datetime | None = None
    unreachable_at: datetime | None = None
    """When sending there failed for good (the bot was blocked, the mailbox is gone)."""

    @property
    def reachable(self) -> bool:
        return self.unreachable_at is None

    @property
    def in_use(self) -> bool:
        """Linked by the person, or tried and found unreachable (not merely on file)."""
        return self.linked_at is not None or self.unreachable_at is not None


@dataclass(frozen=True, slots=True)
class Contact:
    id: int
    partnership_id: int
    partnership: str
    name: str
    email: str
    telegram_username: str | None = None
    """As given in the directory, to recognise them; not an address."""
    addresses: tuple[Address, ...] = ()
    preferred_channel: str | None = None

    def address(self, channel: str) -> Address | None:
        return next((a for a in self.addresses if a.channel == channel), None)

    def linked(self, channel: str) -> bool:
        found = self.address(channel)
        return found is not None and found.linked_at is not None

    @property
    def unreachable_at(self) -> datetime | None:
        """When the last address in use became unreachable, if none in use is reachable."""
        used = [a for a in self.addresses if a.in_use]
        if not used or any(a.reachable for a in used):
            return None
        return max(a.unreachable_at for a in used if a.unreachable_at is not None)


@dataclass(frozen=True, slots=True)
class Round:
    id: int
    questionnaire_version: str
    opened_at: datetime
    deadline: date
    closed_at: datetime | None
    carries_from: int | None = None
    """The round whose answers this one offers to confirm (opened with carry-forward)."""

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True, slots=True)
class Response:
    id: int
    round_id: int
    partnership_id: int
    questionnaire_version: str
    status: Status
    submitted_at: datetime | None
    submitted_by: int | None
    amended_at: datetime | None
    last_activity_at: datetime | None


@dataclass(frozen=True, slots=True)
class Answer:
    """A stored answer: `value` None means only a note so far (not yet answered)."""

    value: str | None
    note: str | None = None
    contact_id: int | None = None
    contact_name: str | None = None
    channel: str | None = None
    answered_at: datetime | None = None
    note_contact_id: int | None = None
    note_by: str | None = None
    note_at: datetime | None = None

    @property
    def note_by_other(self) -> str | None:
        """The note's author, when someone other than who gave the answer wrote it."""
        return self.note_by if self.note_contact_id != self.contact_id else None

    @property
    def answered(self) -> bool:
        return self.value is not None


@dataclass(frozen=True, slots=True)
class SignOff:
    """Who signed off a submission, as what, agreeing to which words, and when."""

    name: str
    role: str
    attestation: str
    signed_at: datetime
    channel: str
    contact_id: int | None = None


@dataclass(frozen=True, slots=True)
class AnswerChange:
    """A new value and note for one question, as decided by the flow engine."""

    question_id: str
    value: str | None
    note: str | None
