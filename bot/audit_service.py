"""Runs one flow event for one contact: load, decide, commit, then report the effects.

Every channel goes through here, so "durable, then acknowledged" holds for all of them:
the answers and the new conversation state are committed in one transaction before the
caller shows anything. A tap is on the hot path: each statement is a round trip to
aiosqlite's thread, so each thing is read once, and only what changed is written.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field

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
from storage import Database, conversations, responses, rounds, signoffs, updates
from storage.records import Answer, Contact, Round, SignOff, Status
from storage.standing import standing


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
        """Apply `event`; with `update_key`, an event already handled is ignored."""
        now = self.clock()
        async with self.db.transaction() as conn:
            # the contact, round, response, answers and conversation state: one statement
            found = await standing(conn, contact_id, channel)
            if found is None:
                raise LookupError(f"no contact {contact_id}")
            contact = found.contact
            if update_key is not None and not await updates.mark_processed(
                conn, channel, update_key, now
            ):
                return Outcome(contact, (), duplicate=True)
            current = found.round
            if current is None:
                return Outcome(contact, (fx.Rejected(fx.Reason.NO_ROUND),))
            response = found.response or await responses.response_for(
                conn, current.id, contact.partnership_id, current.questionnaire_version
            )
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
            )
            decision = decide(ctx, state, event)
            if decision.changes:
                await responses.apply_changes(
                    conn, response, decision.changes, contact.id, channel, now
                )
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
                await conversations.save_state(
                    conn, contact.id, current.id, channel, decision.state.to_json(), now
                )
        return Outcome(contact, decision.effects, questionnaire, current, answers, carried=carried)
