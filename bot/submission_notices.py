"""When a partnership submits: a receipt to whoever submitted, and a word to each colleague.

`SubmissionNotices.queue` runs inside the transaction that marks the response submitted
(`AuditService.handle`), so the notices are exactly as durable as the submission: both
are committed, or neither. The receipt (kind "receipt") goes to the submitter in the
channel they submitted from (else where reminders would reach them) with a short summary
and the partnership's filled-in Word form, which the outbox worker attaches when it sends
it (bot/notice_forms.py), a moment after the submission (`RECEIPT_AFTER`), so that it
follows the reply that confirms it. Every other contact of the partnership gets
"submitted.colleague" at once, wherever reminders reach them (their preferred channel, else
the default one, e.g. Telegram if linked, else email): who submitted and when, and how
answers can still be changed. Both name the sign-off ("Submitted by Jane Smith, Head of
inclusion, on …"), read from the submission's transaction, where it was just recorded.

Each contact hears about their partnership's submission at most once per round (one
dedupe key per round, partnership and contact, whichever notice it was): should the
partnership ever submit again, nobody is told twice. A submission is final in the flow
(answers changed afterwards are amendments, which the LA sees in its summary).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiosqlite

from bot.config import Settings
from bot.notice_forms import with_form
from bot.notices import Action, Intent, Notice
from bot.questionnaire import Questionnaire
from bot.reminders import Policy
from bot.summary.model import number_questions
from bot.texts import texts
from storage import outbox, partnerships, signoffs
from storage.outbox import NewMessage
from storage.records import Address, Answer, Contact, Round, SignOff

RECEIPT = "receipt"
COLLEAGUE = "submitted.colleague"
FORM_CAPTION = "submission.file.form"
RECEIPT_AFTER = timedelta(seconds=2)
"""The receipt waits this long, so that it follows the reply to the submission (which the
email conversation queues in the outbox after the submission's transaction)."""
OPEN_LABEL = "submission.button.open"


def _nothing() -> None:
    """No outbox worker to wake (a test, or a process that does not send)."""


@dataclass(frozen=True, slots=True)
class SubmissionNotices:
    """What a submission sets off; `from_settings` for a process's own channels and zone."""

    channels: tuple[str, ...] = ("telegram", "email")
    """Where notices can go, the default channel first (as for reminders)."""
    timezone: str = "UTC"
    wake: Callable[[], None] = field(default=_nothing)
    """Asks the process's outbox worker to send now rather than at its next round."""

    @classmethod
    def from_settings(
        cls, settings: Settings, wake: Callable[[], None] = _nothing
    ) -> SubmissionNotices:
        return cls(Policy.from_settings(settings).channels, settings.timezone, wake)

    async def queue(
        self,
        conn: aiosqlite.Connection,
        submitter: Contact,
        round_: Round,
        questionnaire: Questionnaire,
        answers: Mapping[str, Answer],
        channel: str,
        now: datetime,
    ) -> int:
        """Queue the receipt and the colleagues' notices in `conn`'s transaction; returns
        how many rows were new (0 if everyone was told before)."""
        everyone = await partnerships.list_contacts(conn, submitter.partnership_id)
        colleagues = [
            (c, address)
            for c in everyone
            if c.id != submitter.id and (address := reach(c, self.channels)) is not None
        ]
        signed = await signoffs.for_partnership(conn, round_.id, submitter.partnership_id)
        facts = submission_facts(
            submitter,
            questionnaire,
            answers,
            now,
            ZoneInfo(self.timezone),
            signoff=signed[-1] if signed else None,
        )
        new = 0
        for colleague, where in colleagues:
            notice = colleague_notice(facts, colleague)
            message = _message(COLLEAGUE, round_, colleague, where, notice.to_payload())
            new += await outbox.enqueue(conn, message, now)
        address = reach(submitter, self.channels, prefer=channel)
        receipt = False
        if address is not None:
            notice = receipt_notice(facts, [c.name for c, _ in colleagues])
            payload = with_form(
                notice, round_.id, submitter.partnership_id, self.timezone, FORM_CAPTION
            )
            message = _message(RECEIPT, round_, submitter, address, payload)
            receipt = await outbox.enqueue(conn, message, now, due=now + RECEIPT_AFTER)
        # a drain woken now waits for this transaction's commit (one writer at a time)
        if new:
            self.wake()
        if receipt:
            asyncio.get_running_loop().call_later(RECEIPT_AFTER.total_seconds(), self.wake)
        return new + receipt


def reach(contact: Contact, channels: Sequence[str], prefer: str | None = None) -> Address | None:
    """Where a notice reaches `contact`: `prefer` if it can, else reminders' rule (their
    preferred channel, else the first of `channels` with a reachable address)."""
    usable = {a.channel: a for a in contact.addresses if a.channel in channels and a.reachable}
    for name in (prefer, contact.preferred_channel, *channels):
        if name is not None and name in usable:
            return usable[name]
    return None


def dedupe_key(round_id: int, partnership_id: int, contact_id: int) -> str:
    """One submission notice per contact per round and partnership, whichever kind."""
    return f"submission:r{round_id}:p{partnership_id}:c{contact_id}"


def _message(
    kind: str, round_: Round, contact: Contact, address: Address, payload: dict[str, object]
) -> NewMessage:
    return NewMessage(
        dedupe_key=dedupe_key(round_.id, contact.partnership_id, contact.id),
        channel=address.channel,
        recipient=address.address,
        kind=kind,
        payload=payload,
        round_id=round_.id,
        partnership_id=contact.partnership_id,
        contact_id=contact.id,
        slot="submitted",
    )


def submission_facts(
    submitter: Contact,
    questionnaire: Questionnaire,
    answers: Mapping[str, Answer],
    now: datetime,
    zone: ZoneInfo,
    signoff: SignOff | None = None,
) -> dict[str, object]:
    """What both notices say about the submission, as JSON values: who, when (in words, in
    the LA's time zone), how many answered, the unanswered [number, question] pairs, and
    the sign-off: "signed_by" ("Jane Smith, Head of inclusion", or None if there is none)
    and the words the signer confirmed ("attestation")."""
    questions = number_questions(questionnaire)
    missing = [
        [q.number, q.item.text]
        for q in questions
        if (a := answers.get(q.item.id)) is None or a.value is None
    ]
    when = now.astimezone(zone).strftime(texts().string("submission.format.when"))
    return {
        "partnership": submitter.partnership,
        "submitted_by": submitter.name,
        "when": when,
        "answered": len(questions) - len(missing),
        "total": len(questions),
        "unanswered": missing,
        "signed_by": (
            texts().string("signoff.by", name=signoff.name, role=signoff.role) if signoff else None
        ),
        "attestation": signoff.attestation if signoff else None,
    }


def receipt_notice(facts: Mapping[str, object], told: Iterable[str]) -> Notice:
    """The submitter's receipt: the facts, and which colleagues are being told."""
    context = {**facts, "contact_name": facts["submitted_by"], "told": list(told)}
    return Notice(RECEIPT, context)


def colleague_notice(facts: Mapping[str, object], colleague: Contact) -> Notice:
    """A colleague's word that the partnership has submitted, with a way into the audit."""
    context = {**facts, "contact_name": colleague.name}
    return Notice(COLLEAGUE, context, [[Action(OPEN_LABEL, Intent.CONTINUE)]])
