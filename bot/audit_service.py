"""Runs one flow event for one contact: load, decide, commit, then report the effects.

Every channel goes through here, so "durable, then acknowledged" holds for all of them:
the answers and the new conversation state are committed in one transaction before the
caller shows anything. A tap is on the hot path: each statement is a round trip to
aiosqlite's thread, so each thing is read once, and only what changed is written.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

import aiosqlite

from bot import carry_forward
from bot.clock import Clock, system_clock
from bot.flows import effects as fx
from bot.flows import events as ev
from bot.flows.audit import decide
from bot.flows.state import Context, FlowState
from bot.queries import record_replies
from bot.questionnaire import Questionnaire
from bot.questionnaire_store import stored_questionnaire
from bot.signoff import attestation
from bot.submission_notices import SubmissionNotices
from bot.texts import texts
from storage import Database, conversations, responses, rounds, signoffs, standing
from storage.records import Answer, AnswerChange, Contact, Round, SignOff, Status


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened, with what a channel needs to render it."""

    contact: Contact
    effects: tuple[fx.Effect, ...]
    questionnaire: Questionnaire | None = None
    round: Round | None = None
    answers: Mapping[str, Answer] = field(default_factory=dict)
    duplicate: bool = False
    carried: Mapping[str, fx.Carried] = field(default_factory=dict)
    """Last round's answers offered to confirm (a round opened with carry-forward)."""
    queries: Mapping[str, str] = field(default_factory=dict)
    """The LA's open queries on the response as it stood before the event."""


_contact_locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()


def contact_lock(contact_id: int) -> asyncio.Lock:
    """One lock per contact for every channel in the process: a contact answering in two
    channels at once is handled one event at a time, each with its reply. Locks nobody
    holds or waits for are dropped."""
    lock = _contact_locks.get(contact_id)
    if lock is None:
        lock = _contact_locks[contact_id] = asyncio.Lock()
    return lock


class AuditService:
    def __init__(
        self,
        db: Database,
        clock: Clock = system_clock,
        submission_notices: SubmissionNotices | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.submission_notices = submission_notices or SubmissionNotices()

    async def questionnaire(self, conn: aiosqlite.Connection, version: str) -> Questionnaire:
        """The questionnaire a round was opened with, as stored then (cached)."""
        return await stored_questionnaire(conn, version)

    async def carried(
        self,
        conn: aiosqlite.Connection,
        current: Round,
        partnership_id: int,
        questionnaire: Questionnaire,
    ) -> dict[str, fx.Carried]:
        """Last round's answers to offer, in a round opened with carry-forward (one more
        read, only then)."""
        if current.carries_from is None:
            return {}
        found = await rounds.carried_answers(conn, current.carries_from, partnership_id)
        if found is None:
            return {}
        version, answers = found
        earlier = await self.questionnaire(conn, version)
        return carry_forward.carried(questionnaire, earlier, answers)

    async def handle(
        self,
        contact_id: int,
        channel: str,
        event: ev.Event,
        update_key: str | None = None,
    ) -> Outcome:
        """Apply `event`; with `update_key`, an event already handled is ignored.

        A tap takes two calls to aiosqlite's thread: one reads where the contact stands
        and records the update, one writes the answers and the conversation state with the
        COMMIT; anything rarer (a reply to an LA query, a submission) adds its own."""
        now = self.clock()
        begin = partial(
            standing.begin_event,
            contact_id=contact_id,
            channel=channel,
            update_key=update_key,
            now=now,
        )
        async with self.db.batched(begin) as tx:
            if tx.first is None:
                raise LookupError(f"no contact {contact_id}")
            found = tx.first.standing
            contact = found.contact
            if tx.first.duplicate:
                return Outcome(contact, (), duplicate=True)
            current, response = found.round, tx.first.response
            if current is None or response is None:
                return Outcome(contact, (fx.Rejected(fx.Reason.NO_ROUND),))
            conn = tx.conn
            questionnaire = await self.questionnaire(conn, response.questionnaire_version)
            answers = found.answers  # none yet when the response was only just made
            state = FlowState.from_json(found.state, questionnaire)
            carried = await self.carried(conn, current, contact.partnership_id, questionnaire)
            ctx = Context(
                questionnaire=questionnaire,
                answers=answers,
                submitted=response.status is Status.SUBMITTED,
                round_open=current.is_open,
                contact_id=contact.id,
                now=now,
                vocabulary=texts().vocabulary,
                signer_name=contact.name,
                signer_role=found.role,
                carried=carried,
                queries=found.queries,
            )
            decision = decide(ctx, state, event)
            if decision.changes:
                tx.later(
                    partial(
                        responses.apply_changes_sync,
                        response=response,
                        changes=decision.changes,
                        contact_id=contact.id,
                        channel=channel,
                        now=now,
                    )
                )
                if any(change.question_id in found.queries for change in decision.changes):
                    await tx.flush()
                    await record_replies(
                        conn,
                        response,
                        questionnaire,
                        answers,
                        decision.changes,
                        contact,
                        channel,
                        now,
                        self.submission_notices.timezone,
                        self.submission_notices.wake,
                    )
                answers = responses.merged(
                    answers, decision.changes, contact.id, contact.name, channel, now
                )
            if decision.submit:
                await tx.flush()
                await responses.mark_submitted(conn, response.id, contact.id, now)
                if decision.signer is not None:
                    signoff = SignOff(
                        decision.signer.name,
                        decision.signer.role,
                        attestation(questionnaire),
                        now,
                        channel,
                        contact.id,
                    )
                    await signoffs.record(conn, response.id, contact.id, signoff)
                await self.submission_notices.queue(
                    conn, contact, current, questionnaire, answers, channel, now
                )
            if decision.state != state:
                tx.later(
                    partial(
                        conversations.save_state_sync,
                        contact_id=contact.id,
                        round_id=current.id,
                        channel=channel,
                        state=decision.state.to_json(),
                        now=now,
                    )
                )
        return Outcome(
            contact,
            decision.effects,
            questionnaire,
            current,
            answers,
            carried=carried,
            queries=_still_open(found.queries, decision.changes),
        )


def _still_open(queries: Mapping[str, str], changes: Sequence[AnswerChange]) -> dict[str, str]:
    """The queries left open after `changes`: a change to the answer or note replies."""
    changed = {change.question_id for change in changes}
    return {qid: comment for qid, comment in queries.items() if qid not in changed}
