"""What people are told about the audit before they answer it, in the welcome, /help and
the invitation: its title and school year, how long it takes, why the LA runs it and who
sees the answers (AUDITBOT_PRIVACY_NOTE), and whom to ask (AUDITBOT_LA_CONTACT_*)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from bot.texts import texts
from bot.time_to_answer import minutes_to_answer

if TYPE_CHECKING:
    from bot.audit_service import Outcome
    from bot.config import Settings
    from bot.questionnaire import Questionnaire
    from storage import Database
    from storage.records import Contact, Round

SCHOOL_YEAR_STARTS = 9
"""English schools' year starts in September: a round opened in November 2026 is 2026/27."""


def school_year(opened: date) -> str:
    """'2026/27' for a round opened (local date) between September 2026 and August 2027."""
    start = opened.year if opened.month >= SCHOOL_YEAR_STARTS else opened.year - 1
    return texts().string("reports.school_year", start=start, end=f"{(start + 1) % 100:02d}")


def round_title(title: str, opened: date) -> str:
    """The audit's title with the school year of its round, as the LA's forms read."""
    return texts().string("reports.round_title", title=title, year=school_year(opened))


@dataclass(frozen=True, slots=True)
class About:
    """The facts the welcome and /help templates show (`about` in their context)."""

    title: str
    questions: int
    sections: int
    answered: int
    deadline: date | None
    why: str
    contact_name: str | None
    contact_email: str | None
    submitted_by: str | None = None
    submitted_at: datetime | None = None
    """Set once the partnership has submitted: a colleague joining late is told so."""

    @property
    def remaining(self) -> int:
        return max(self.questions - self.answered, 0)

    @property
    def minutes(self) -> int:
        """About how long what is left takes, estimated as the reminders estimate it."""
        return minutes_to_answer(self.remaining)

    @property
    def has_contact(self) -> bool:
        return bool(self.contact_name or self.contact_email)

    def as_context(self) -> dict[str, Any]:
        """The same facts as plain JSON values, for a notice's stored context."""
        return {
            "title": self.title,
            "questions": self.questions,
            "sections": self.sections,
            "answered": self.answered,
            "remaining": self.remaining,
            "minutes": self.minutes,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "why": self.why,
            "contact_name": self.contact_name,
            "contact_email": self.contact_email,
            "has_contact": self.has_contact,
        }


def about_audit(
    settings: Settings, questionnaire: Questionnaire, round_: Round | None, answered: int = 0
) -> About:
    """The audit as the person about to answer it should see it: `round_` is the round they
    answer (None before one is open), `answered` how many questions their partnership has
    answered already."""
    if round_ is not None:
        opened = round_.opened_at.astimezone(settings.zone).date()
        title = round_title(questionnaire.title, opened)
    else:
        title = questionnaire.title
    return About(
        title=title,
        questions=len(questionnaire.items),
        sections=len(questionnaire.sections),
        answered=answered,
        deadline=round_.deadline if round_ is not None else None,
        why=settings.privacy_note or texts().string("about.why"),
        contact_name=settings.la_contact_name,
        contact_email=settings.la_contact_email,
    )


def about_outcome(settings: Settings, outcome: Outcome) -> About | None:
    """`about_audit` for what the flow just answered with (None outside a round)."""
    if outcome.questionnaire is None:
        return None
    answered = sum(1 for answer in outcome.answers.values() if answer.answered)
    return about_audit(settings, outcome.questionnaire, outcome.round, answered)


async def about_now(db: Database, settings: Settings, contact: Contact) -> About | None:
    """`about_audit` for a contact's partnership in the latest round, read afresh (for
    /help, which does not go through the flow); None before any round."""
    from bot.questionnaire_store import stored_questionnaire
    from storage import partnerships
    from storage.standing import standing

    async with db.read() as conn:
        # where the contact stands, in one statement (no channel: no conversation needed)
        where = await standing(conn, contact.id, channel="")
        if where is None or where.round is None:
            return None
        questionnaire = await stored_questionnaire(conn, where.round.questionnaire_version)
        response = where.response
        submitter = None
        if response is not None and response.submitted_by is not None:
            submitter = await partnerships.contact_by_id(conn, response.submitted_by)
    answered = sum(1 for answer in where.answers.values() if answer.answered)
    about = about_audit(settings, questionnaire, where.round, answered)
    if response is not None and response.submitted_at is not None:
        by = submitter.name if submitter is not None else texts().string("about.a_colleague")
        about = replace(about, submitted_by=by, submitted_at=response.submitted_at)
    return about
