"""Answering the audit by email: each reply in the mailbox is checked, read, applied through
the audit service like any other channel's events, and answered (through the outbox) with
what was recorded, what could not be read, and the next section."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.audit_service import AuditService, Outcome, contact_lock
from bot.channels.email.compose import reply_token
from bot.channels.email.deliver import keyword
from bot.channels.email.inbound import Inbound, read_message
from bot.channels.email.mailbox import Mailbox, MailboxError
from bot.channels.email.name import CHANNEL
from bot.channels.email.replies import Command, ParsedReply, QuestionRef, parse_with_texts
from bot.channels.registry import Wake
from bot.clock import Clock
from bot.config import Settings
from bot.flows import effects as fx
from bot.flows import events as ev
from bot.flows.state import unanswered
from bot.notices import Notice
from bot.questionnaire import Questionnaire
from bot.questionnaire_store import stored_questionnaire
from bot.reminders import SnoozeChoice, snooze
from bot.signoff import read_signer
from bot.submission_notices import SubmissionNotices
from bot.texts import texts
from storage import Database, outbox, partnerships, rounds
from storage.outbox import NewMessage
from storage.records import Contact

log = logging.getLogger(__name__)

_TOKENS = re.compile(r"\+([a-z2-7]{12})@|\[ref ([a-z2-7]{12})\]", re.IGNORECASE)
_PROMPTS = (fx.ShowReview, fx.AskConfirm, fx.Submitted)
"""Effects after which the reply does not go on to the next section."""
MAX_BACKOFF = 300.0


def question_refs(
    questionnaire: Questionnaire, carried: Mapping[str, fx.Carried] | None = None
) -> tuple[QuestionRef, ...]:
    """The questions as the emails number them (1..N, the chat's numbers too), with whether
    last round's answer can be confirmed."""
    confirmable = {qid for qid, c in (carried or {}).items() if c.unchanged}
    return tuple(
        QuestionRef(
            number, item.id, item.kind.value, item.kind.choices, item.text, item.id in confirmable
        )
        for number, item in enumerate(questionnaire.items, start=1)
    )


def template_of(effect: fx.Effect) -> str:
    """email/<effect in snake case>.txt.j2, the same file names as the other channels."""
    return f"email/{fx.template_name(effect)}.txt.j2"


def signed(message: Inbound, secret: str) -> bool:
    """Whether the message carries the sender's reply token (in the plus-address it was sent
    to, or in the subject): proof it answers an email the bot sent to that address."""
    expected = reply_token(secret, message.sender)
    found = (
        token.lower()
        for header in (*message.recipients, message.subject)
        for match in _TOKENS.finditer(header)
        for token in match.groups()
        if token
    )
    return any(hmac.compare_digest(token, expected) for token in found)


@dataclass
class EmailConversation:
    settings: Settings
    db: Database
    clock: Clock
    wake: Wake
    service: AuditService = field(init=False)

    def __post_init__(self) -> None:
        notices = SubmissionNotices.from_settings(self.settings, self.wake)
        self.service = AuditService(self.db, self.clock, notices)

    async def poll(self) -> None:
        """Read the mailbox until cancelled, reconnecting (with growing pauses) when the
        server goes away."""
        email = self.settings.email
        delay = 1.0
        while True:
            try:
                async with Mailbox(email) as box:
                    delay = 1.0
                    while True:
                        for fetched in await box.fetch_new():
                            await box.move(fetched.uid, await self.take(fetched.raw))
                        await box.wait(email.poll_seconds)
            except (MailboxError, OSError, TimeoutError) as exc:
                log.warning("email: %s; trying again in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)

    async def take(self, raw: bytes) -> str:
        """Deal with one message; returns the folder it goes to afterwards."""
        email = self.settings.email
        try:
            message = read_message(raw)
            if message.automatic:
                return email.imap_done_folder  # out-of-office, bounces: never answered
            async with self.db.read() as conn:
                contact = await partnerships.contact_by_account(conn, CHANNEL, message.sender)
            if contact is None:
                return email.imap_attention_folder  # a stranger learns nothing
            async with contact_lock(contact.id):
                return await self._answer(contact, message)
        except Exception:  # one bad message must not stop the mailbox
            log.exception("email: could not deal with a message; left for a person")
            return email.imap_attention_folder

    async def _answer(self, contact: Contact, message: Inbound) -> str:
        email = self.settings.email
        assert email.reply_secret is not None
        key = hashlib.sha256(message.message_id.encode()).hexdigest()[:32]
        if not signed(message, email.reply_secret.get_secret_value()):
            # the genuine contact gets a fresh email to reply to; the sender, if it was
            # someone else, gets nothing
            await self._send(contact, "unsigned", f"unsigned:{key}", message.message_id)
            return email.imap_attention_folder
        found = await self._questionnaire(contact)
        if found is None:
            effects: list[fx.Effect] = [fx.Rejected(fx.Reason.NO_ROUND)]
            await self._send(contact, "reply", key, message.message_id, effects=effects)
            return email.imap_done_folder
        parsed = parse_with_texts(message.text, question_refs(*found))
        outcomes = await self._apply(contact, parsed, key)
        if outcomes is None:
            return email.imap_done_folder  # already applied before a restart
        await self._link(contact, message.sender)
        last = outcomes[-1]
        effects = [
            e for o in outcomes for e in o.effects if not isinstance(e, fx.ShowStatus | fx.Ask)
        ]
        effects.extend(self._next(last, effects))
        await self._send(
            contact,
            "reply",
            key,
            message.message_id,
            effects=effects,
            outcome=last,
            parsed=parsed,
            snoozed=await self._snooze(contact, parsed, last),
            submitted=_submitted(last),
        )
        if parsed.unreadable and not parsed.answers and not parsed.commands:
            return email.imap_attention_folder  # nothing in it could be read: a person looks
        return email.imap_done_folder

    async def _apply(self, contact: Contact, parsed: ParsedReply, key: str) -> list[Outcome] | None:
        """The reply's events, in order: its answers as one batch, then its commands. The
        first carries the message's key, so a message applied before a restart is not
        applied again."""
        events: list[ev.Event] = []
        if parsed.answers or parsed.same_sections:
            entries = tuple(
                ev.BatchEntry(a.question_id, a.value, a.note, a.still_true) for a in parsed.answers
            )
            events.append(ev.Batch(entries, parsed.same_sections))
        name, role = read_signer(parsed.signer) if parsed.signer else (None, None)
        commands: dict[Command, ev.Event] = {
            Command.REVIEW: ev.Review(),
            Command.SUBMIT: ev.Submit(name, role),
            Command.CONFIRM: ev.Confirm(name, role),
        }
        events.extend(commands[c] for c in parsed.commands if c in commands)
        events.append(ev.Status())  # last: where the response stands now
        outcomes: list[Outcome] = []
        for index, event in enumerate(events):
            outcome = await self.service.handle(
                contact.id, CHANNEL, event, update_key=key if index == 0 else None
            )
            if outcome.duplicate:
                return None
            if isinstance(event, ev.Submit) and _nothing_missing(outcome):
                # everything is answered: "submit" needs no second email to confirm
                outcome = await self.service.handle(contact.id, CHANNEL, ev.Confirm(name, role))
            outcomes.append(outcome)
        return outcomes

    def _next(self, last: Outcome, effects: Sequence[fx.Effect]) -> list[fx.Effect]:
        """What to show after the effects: the next section with unanswered questions, or
        the review once everything is answered."""
        q = last.questionnaire
        if q is None or _submitted(last) or any(isinstance(e, _PROMPTS) for e in effects):
            return []
        missing = unanswered(q, last.answers)
        if missing:
            position = q.position(missing[0])
            assert position is not None
            answered = len(q.items) - len(missing)
            return [fx.Ask(missing[0], position, last.answers.get(missing[0]), answered)]
        return [fx.ShowReview(dict(last.answers), (), at_end=True)]

    async def _snooze(self, contact: Contact, parsed: ParsedReply, last: Outcome) -> str | None:
        choices = {Command.LATER: SnoozeChoice.TOMORROW, Command.NEXT_WEEK: SnoozeChoice.NEXT_WEEK}
        wanted = [choices[c] for c in parsed.commands if c in choices]
        if not wanted or last.round is None:
            return None
        return await snooze(
            self.db, self.settings, contact.id, last.round.id, wanted[-1], self.clock()
        )

    async def _questionnaire(
        self, contact: Contact
    ) -> tuple[Questionnaire, dict[str, fx.Carried]] | None:
        """The round's questionnaire, and last round's answers the contact can confirm."""
        async with self.db.read() as conn:
            current = await rounds.latest_round(conn)
            if current is None:
                return None
            questionnaire = await stored_questionnaire(conn, current.questionnaire_version)
            carried = await self.service.carried(
                conn, current, contact.partnership_id, questionnaire
            )
            return questionnaire, carried

    async def _link(self, contact: Contact, sender: str) -> None:
        """The first signed reply shows the contact uses email: the address is theirs."""
        if contact.linked(CHANNEL):
            return
        address = contact.address(CHANNEL)
        async with self.db.transaction() as conn:
            await partnerships.link_address(
                conn,
                contact.id,
                CHANNEL,
                sender,
                address.address if address else sender,
                self.clock(),
            )

    async def _send(
        self,
        contact: Contact,
        template: str,
        key: str,
        in_reply_to: str | None,
        **context: Any,
    ) -> None:
        """Queue the answer to a message, once per message."""
        address = contact.address(CHANNEL)
        if address is None:
            return
        notice = conversation_notice(template, contact, in_reply_to, **context)
        async with self.db.transaction() as conn:
            await outbox.enqueue(
                conn,
                NewMessage(
                    dedupe_key=f"{CHANNEL}:{template}:{key}",
                    channel=CHANNEL,
                    recipient=address.address,
                    kind="conversation",
                    payload=notice.to_payload(),
                    partnership_id=contact.partnership_id,
                    contact_id=contact.id,
                ),
                self.clock(),
            )
        self.wake()


def conversation_notice(
    template: str,
    contact: Contact,
    in_reply_to: str | None = None,
    outcome: Outcome | None = None,
    **context: Any,
) -> Notice:
    """An answer in the conversation, worded by email/<template>(.subject).txt.j2: the
    effects (each through its own template), with the outcome's questionnaire and answers."""
    values = {
        "contact": contact,
        "q": outcome.questionnaire if outcome is not None else None,
        "answers": outcome.answers if outcome is not None else {},
        "carried": outcome.carried if outcome is not None else {},
        "queries": outcome.queries if outcome is not None else {},
        "round": outcome.round if outcome is not None else None,
        "effects": (),
        "template_of": template_of,
        "keyword": lambda name: keyword(f"email.keywords.{name}"),
        **context,
    }
    subject = texts().render(f"email/{template}.subject.txt.j2", **values)
    text = texts().render(f"email/{template}.txt.j2", **values)
    return Notice(
        "conversation",
        {"subject": " ".join(subject.split()), "text": text, "in_reply_to": in_reply_to},
    )


def _submitted(outcome: Outcome) -> bool:
    return any(isinstance(e, fx.ShowStatus) and e.submitted for e in outcome.effects)


def _nothing_missing(outcome: Outcome) -> bool:
    """Everything is answered and the sign-off has a name and role: nothing to confirm."""
    return any(
        isinstance(e, fx.AskConfirm) and not e.unanswered and e.signer is not None
        for e in outcome.effects
    )
