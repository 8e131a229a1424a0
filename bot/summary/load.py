"""Reads one round from the database and compiles its summary."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, tzinfo

from bot import history_chain
from bot.questionnaire_store import stored_questionnaire
from bot.summary.actions import derive_actions
from bot.summary.compare import compare_rounds
from bot.summary.model import NOT_STARTED_WARNING_DAYS, Summary, compile_summary
from bot.summary.queries import query_views
from storage import Database, partnerships, reports, responses, rounds, signoffs
from storage import actions as action_store
from storage import queries as query_store
from storage import reminders as reminder_store

log = logging.getLogger(__name__)


class NoRoundError(LookupError):
    """There is no round to summarise; `round_id` None means no round at all yet."""

    def __init__(self, round_id: int | None) -> None:
        super().__init__(f"no round {round_id}" if round_id is not None else "no round yet")
        self.round_id = round_id


class SameRoundError(ValueError):
    """A round was to be compared with itself."""

    def __init__(self, round_id: int) -> None:
        super().__init__(f"round {round_id} compared with itself")
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
        found = await rounds.round_or_latest(conn, round_id)
        if found is None:
            raise NoRoundError(round_id)
        questionnaire = await stored_questionnaire(conn, found.questionnaire_version)
        in_round = await responses.responses_in_round(conn, found.id)
        names = await partnerships.list_partnerships(conn)
        contacts = await partnerships.list_contacts(conn)
        answers = await reports.round_answers(conn, found.id)
        flags = await reminder_store.flags(conn, found.id)
        history = {r.id: await responses.history(conn, r.id) for r in in_round}
        signed = await signoffs.latest(conn, (r.id for r in in_round))
        done = await action_store.done_in_round(conn, found.id)
        verified = await history_chain.round_intact(conn, found.id)
        asked = await query_store.in_round(conn, found.id)
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
        signoffs=signed,
    )
    actions = derive_actions(questionnaire, summary.questions, summary.partnerships, done)
    queries = query_views(asked, summary.questions, now, zone)
    return replace(summary, history_verified=verified, actions=actions, queries=queries)


async def with_comparison(
    db: Database, summary: Summary, earlier_round: int, *, zone: tzinfo = UTC
) -> Summary:
    """`summary` with what changed since `earlier_round` (NoRoundError if there is none)."""
    earlier = await load_summary(db, summary.generated_at, round_id=earlier_round, zone=zone)
    return replace(summary, comparison=compare_rounds(summary, earlier))


async def load_la_summary(
    db: Database,
    now: datetime,
    *,
    round_id: int | None = None,
    zone: tzinfo = UTC,
    compare_with: int | None = None,
) -> Summary:
    """The summary as the LA gets it, wherever it goes (`auditbot summary`, the scheduled and
    on-demand summaries, /summary in Telegram): with what changed since `compare_with`, or,
    for a round opened with carry-forward, since the round it carries from.

    An earlier round asked for that is missing raises `NoRoundError` (or `SameRoundError`
    for the round itself); the round a carry-forward round came from, once purged, only
    leaves the comparison out.
    """
    summary = await load_summary(db, now, round_id=round_id, zone=zone)
    if compare_with is not None:
        if compare_with == summary.round.id:
            raise SameRoundError(compare_with)
        return await with_comparison(db, summary, compare_with, zone=zone)
    earlier = summary.round.carries_from
    if earlier is None or earlier == summary.round.id:
        return summary
    try:
        return await with_comparison(db, summary, earlier, zone=zone)
    except NoRoundError:
        log.info("round %s carries from round %s, which is gone", summary.round.id, earlier)
        return summary
