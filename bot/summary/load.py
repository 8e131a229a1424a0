"""Reads one round from the database and compiles its summary."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, tzinfo

from bot import history_chain
from bot.questionnaire_store import stored_questionnaire
from bot.summary.model import NOT_STARTED_WARNING_DAYS, Summary, compile_summary
from storage import Database, partnerships, reports, responses, rounds
from storage import reminders as reminder_store


class NoRoundError(LookupError):
    """There is no round to summarise; `round_id` None means no round at all yet."""

    def __init__(self, round_id: int | None) -> None:
        super().__init__(f"no round {round_id}" if round_id is not None else "no round yet")
        self.round_id = round_id


async def load_summary(
    db: Database,
    now: datetime,
    *,
    round_id: int | None = None,
    zone: tzinfo = UTC,
    warning_days: int = NOT_STARTED_WARNING_DAYS,
) -> Summary:
    """The summary of `round_id`, or of the open (else the latest closed) round."""
    async with db.read() as conn:
        found = (
            await rounds.latest_round(conn)
            if round_id is None
            else await rounds.round_by_id(conn, round_id)
        )
        if found is None:
            raise NoRoundError(round_id)
        questionnaire = await stored_questionnaire(conn, found.questionnaire_version)
        in_round = await responses.responses_in_round(conn, found.id)
        names = await partnerships.list_partnerships(conn)
        contacts = await partnerships.list_contacts(conn)
        answers = await reports.round_answers(conn, found.id)
        flags = await reminder_store.flags(conn, found.id)
        history = {r.id: await responses.history(conn, r.id) for r in in_round}
    verified = await history_chain.verify(db)
    summary = compile_summary(
        found,
        questionnaire,
        in_round,
        names,
        contacts,
        answers,
        now,
        zone=zone,
        warning_days=warning_days,
        flags=flags,
        history=history,
    )
    return replace(summary, history_verified=verified.history_ok)
