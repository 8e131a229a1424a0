"""Answering the audit by email, end to end: the process runs with the email channel only,
reads replies from a real Dovecot over IMAP and answers through a real SMTP server
(aiosmtpd); and each reply's checks: who sent it, its reply token, auto-replies, a message
read twice after a restart."""

from __future__ import annotations

import asyncio
import csv
import io
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import pytest

from bot.channels import registry
from bot.channels.email.compose import reply_token
from bot.channels.email.conversation import EmailConversation
from bot.commands.invite import create_invites, queue_invitation_emails
from bot.commands.outbox import deliver_now
from bot.commands.reports import send_summary
from bot.config import EmailSettings, Recipient, Settings, TelegramSettings
from bot.flows.events import Status
from bot.questionnaire import Questionnaire
from bot.reminders import tick
from bot.runner import serve
from bot.summary.load import load_summary
from bot.summary.render_csv import render_csv
from storage import outbox, partnerships, responses, signoffs
from tests.conftest import Seeded
from tests.email.dovecot import Account
from tests.email.smtp_server import MailServer

LA = "la.officer@la.example"
CAROL = "carol@south.example"
BOB = "bob@north.example"


def email_settings(smtp: MailServer, account: Account) -> EmailSettings:
    return account.settings(
        "none", smtp_host=smtp.host, smtp_port=smtp.port, smtp_security="none", poll_seconds=5
    )


def settings_for(seeded: Seeded, email: EmailSettings) -> Settings:
    """Email only: no Telegram token, whatever the environment says."""
    return Settings(
        db=Path(seeded.db.path),
        telegram=TelegramSettings(_env_file=None, bot_token=None),  # type: ignore[call-arg]
        email=email,
        la_recipient_list=(Recipient("email", LA),),
    )


async def mail_for(smtp: MailServer, address: str, count: int, within: float = 20) -> EmailMessage:
    """The `count`-th email to `address`, once it has arrived."""
    deadline = time.monotonic() + within
    while len(smtp.to(address)) < count:
        if time.monotonic() > deadline:
            got = [m["Subject"] for m in smtp.to(address)]
            raise AssertionError(f"email {count} to {address} did not come; got {got}")
        await asyncio.sleep(0.05)
    return smtp.to(address)[count - 1]


def plain(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())  # type: ignore[attr-defined]


def reply(
    to: EmailMessage, body: str, *, sender: str = CAROL, style: str = "gmail", **headers: str
) -> bytes:
    """A reply to `to` as a mail client writes it: the answer on top, the original quoted
    below (Gmail and Apple Mail with '>', Outlook unprefixed under a header block)."""
    original = plain(to)
    if style == "inline":
        history = ""  # the body is the quoted original, answered in between
    elif style == "gmail":
        quoted = "\n".join(f"> {line}" if line else ">" for line in original.splitlines())
        history = f"On Mon, 2 Nov 2026 at 10:05, Audit <audit@la.example> wrote:\n{quoted}"
    else:
        history = (
            "________________________________\n"
            "From: audit@la.example <audit@la.example>\n"
            "Sent: 02 November 2026 10:05\n"
            f"To: {sender}\n"
            f"Subject: {to['Subject']}\n\n{original}"
        )
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to["Reply-To"]
    message["Subject"] = f"Re: {to['Subject']}"
    message["Date"] = formatdate()
    message["Message-ID"] = make_msgid(domain="south.example")
    message["In-Reply-To"] = to["Message-ID"]
    for name, value in headers.items():
        del message[name.replace("_", "-")]
        message[name.replace("_", "-")] = value
    message.set_content(f"{body}\n\n{history}\n")
    return message.as_bytes()


def numbered_answers(q: Questionnaire, section: int) -> str:
    """One line per question of `section`: its number and an answer of its kind."""
    lines = []
    for item in q.sections[section - 1].items:
        number = (q.position(item.id) or 0) + 1
        answer = {
            "tick": "yes" if number % 3 else "no - only for pupils on roll",
            "statement": "true",
            "text": "nothing",
            "describe": "We check referral forms against the school's MIS",
        }[item.kind.value]
        lines.append(f"{number} {answer}")
    return "\n".join(lines)


def inline_answers(section_email: EmailMessage) -> str:
    """The section email quoted in full, 'yes' typed under each of its questions."""
    lines = []
    for line in plain(section_email).splitlines():
        lines.append(f"> {line}" if line else ">")
        head = line.split(".", 1)[0]
        if head.isdigit():
            lines.append("yes")
    return "\n".join(lines)


async def test_a_contact_answers_the_whole_audit_by_email(
    seeded: Seeded, smtp: MailServer, dovecot: Account
) -> None:
    settings = settings_for(seeded, email_settings(smtp, dovecot))
    channels = registry.configured(settings)
    assert [c.name for c in channels] == ["email"]  # runs without a Telegram token
    q = seeded.questionnaire
    stop = asyncio.Event()
    running = asyncio.create_task(serve(settings, seeded.db, stop, channels, seeded.clock))
    try:
        # the invitation, then START: the first section
        invited = await create_invites(settings, seeded.db, "South Partnership", False)
        assert invited.links == {seeded.contacts["carol"].id: {}}  # email only: no link
        await queue_invitation_emails(seeded.db, invited, seeded.clock())
        await deliver_now(settings, seeded.db, seeded.clock)
        invitation = await mail_for(smtp, CAROL, 1)
        assert "reply to this email with the word START" in plain(invitation)
        await dovecot.append(reply(invitation, "Start"))
        section = await mail_for(smtp, CAROL, 2)
        assert "Section 1 of 7" in plain(section)
        assert "-- end of questions --" in plain(section)

        # section 1 by numbered lines, 2 typed under each quoted question, 3 from Outlook
        await dovecot.append(reply(section, numbered_answers(q, 1)))
        section = await mail_for(smtp, CAROL, 3)
        text = plain(section)
        assert "Saved 12 answers" in text and "Section 2 of 7" in text
        assert "3. No - note: only for pupils on roll" in text
        await dovecot.append(reply(section, inline_answers(section), style="inline"))
        section = await mail_for(smtp, CAROL, 4)
        assert "Section 3 of 7" in plain(section), plain(section)

        # a reminder while unfinished goes by email (to Bob too: no Telegram here)
        seeded.clock.now = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # a week before
        await tick(seeded.db, settings, seeded.clock)
        await deliver_now(settings, seeded.db, seeded.clock)
        reminder = await mail_for(smtp, CAROL, 5)
        assert "questions answered" in plain(reminder)
        assert "START" in plain(reminder)
        assert await mail_for(smtp, BOB, 1)

        for number in range(3, 8):
            await dovecot.append(reply(section, numbered_answers(q, number), style="outlook"))
            section = await mail_for(smtp, CAROL, 3 + number)
        assert "Every question is answered" in plain(section), [
            plain(m)[:300] for m in smtp.to(CAROL)
        ]
        await dovecot.append(reply(section, "SUBMIT Carol Cole, Head of inclusion"))
        submitted = await mail_for(smtp, CAROL, 11)
        assert "your audit has been submitted" in plain(submitted)
        assert "signed off by Carol Cole, Head of inclusion" in plain(submitted)
    finally:
        stop.set()
        await running

    # the LA's summary by email, with its files
    await send_summary(settings, seeded.db, None, seeded.clock())
    summary = await mail_for(smtp, LA, 1)
    assert summary.get_body(("html",)) is not None
    names = [part.get_filename() or "" for part in summary.iter_attachments()]
    assert {name.rsplit(".", 1)[1] for name in names} >= {"csv", "html", "xlsx", "zip"}

    # the export says where each answer came from
    rows = list(
        csv.reader(io.StringIO(render_csv(await load_summary(seeded.db, now=seeded.clock()))))
    )
    channel = rows[0].index("Answered in")
    south = [r for r in rows[1:] if r[0] == "South Partnership"]
    assert len(south) == len(q.items) and {r[channel] for r in south} == {"email"}
    async with seeded.db.read() as conn:
        carol = await partnerships.contact_by_id(conn, seeded.contacts["carol"].id)
    assert carol is not None and carol.linked("email")
    # and no message was left unread or needing a person
    assert await dovecot.list_folder("INBOX") == []
    assert await dovecot.list_folder("Audit needs attention") == []


# -- one reply at a time -------------------------------------------------------------------


@pytest.fixture
def conversation(seeded: Seeded, smtp: MailServer, dovecot: Account) -> EmailConversation:
    settings = settings_for(seeded, email_settings(smtp, dovecot))
    return EmailConversation(settings, seeded.db, seeded.clock, lambda: None)


def signed_email(sender: str, body: str, *, token_of: str | None = None, **headers: str) -> bytes:
    """A message from `sender` to the bot's reply address for `token_of` (default: the
    sender's own token)."""
    token = reply_token("test-secret", token_of or sender)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = f"audit+{token}@la.example"
    message["Subject"] = "Re: Audit"
    message["Date"] = formatdate()
    message["Message-ID"] = make_msgid(domain="example")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


async def queued(seeded: Seeded) -> list[str]:
    async with seeded.db.read() as conn:
        return [f"{row.recipient}:{row.kind}" for row in await outbox.all_rows(conn)]


async def answers_of(seeded: Seeded, who: str) -> dict[str, str | None]:
    outcome = await seeded.service.handle(seeded.contacts[who].id, "console", Status())
    return {qid: a.value for qid, a in outcome.answers.items()}


async def test_a_signed_reply_is_applied_once_even_when_read_again(
    conversation: EmailConversation, seeded: Seeded
) -> None:
    raw = signed_email(CAROL, "1 yes\n2 no: paper only\n43 maybe\n")
    assert await conversation.take(raw) == "Audit answered"
    assert await conversation.take(raw) == "Audit answered"  # after a restart: nothing new
    assert (await answers_of(seeded, "carol")) == {"s1.address": "yes", "s1.telephone": "no"}
    assert await queued(seeded) == [f"{CAROL}:conversation"]
    async with seeded.db.read() as conn:
        [row] = await outbox.all_rows(conn)
    text = row.payload["notice"]["context"]["text"]
    assert '"43 maybe"' in text  # said, not guessed
    assert "2. No - note: paper only" in text


async def test_strangers_spoofers_and_auto_replies_change_nothing(
    conversation: EmailConversation, seeded: Seeded
) -> None:
    # an address the bot does not know: set aside, no answer at all
    assert await conversation.take(signed_email("eve@evil.example", "1 yes")) == (
        "Audit needs attention"
    )
    # someone writing as Carol without her token (or with Bob's): set aside; Carol herself
    # is told how to answer, and the sender learns nothing
    unsigned = signed_email(CAROL, "1 yes", token_of=BOB)
    assert await conversation.take(unsigned) == "Audit needs attention"
    # an out-of-office from Carol, even with her token: ignored, never answered
    away = signed_email(
        CAROL, "I am out of the office until Monday.", Auto_Submitted="auto-replied"
    )
    assert await conversation.take(away) == "Audit answered"
    assert await answers_of(seeded, "carol") == {}
    assert await queued(seeded) == [f"{CAROL}:conversation"]
    async with seeded.db.read() as conn:
        [row] = await outbox.all_rows(conn)
    assert "not a reply to one of the audit emails" in row.payload["notice"]["context"]["text"]


async def test_submit_with_questions_left_asks_to_confirm(
    conversation: EmailConversation, seeded: Seeded
) -> None:
    await conversation.take(signed_email(CAROL, "1 yes\nsubmit Carol Cole, SENCo"))
    await conversation.take(signed_email(CAROL, "CONFIRM"))
    async with seeded.db.read() as conn:
        rows = [r for r in await outbox.all_rows(conn) if r.kind == "conversation"]
    first, second = (row.payload["notice"]["context"]["text"] for row in rows)
    assert "43 questions are not answered yet" in first and "reply CONFIRM" in first
    assert "signed off by Carol Cole, SENCo" in first
    assert "submitted to the local authority, signed off by Carol Cole, SENCo" in second


async def test_submit_without_a_role_asks_for_the_sign_off_first(
    conversation: EmailConversation, seeded: Seeded
) -> None:
    everything = "\n".join(numbered_answers(seeded.questionnaire, n) for n in range(1, 8))
    await conversation.take(signed_email(CAROL, everything + "\nsubmit"))
    await conversation.take(signed_email(CAROL, "Submit Carol Cole, Head of inclusion, SEND"))
    async with seeded.db.read() as conn:
        rows = [r for r in await outbox.all_rows(conn) if r.kind == "conversation"]
        [response] = [
            r
            for r in await responses.responses_in_round(conn, seeded.round.id)
            if r.partnership_id == seeded.contacts["carol"].partnership_id
        ]
        [signed] = await signoffs.for_response(conn, response.id)
    first, second = (row.payload["notice"]["context"]["text"] for row in rows)
    assert "your audit has been submitted" not in first
    assert "Reply SUBMIT followed by your name and your role" in first
    assert "SUBMIT Carol Cole, Head of inclusion" in first
    assert "your audit has been submitted" in second
    assert (signed.name, signed.role, signed.channel) == (
        "Carol Cole",
        "Head of inclusion, SEND",
        "email",
    )


async def test_later_holds_the_reminders(conversation: EmailConversation, seeded: Seeded) -> None:
    await conversation.take(signed_email(CAROL, "later"))
    async with seeded.db.read() as conn:
        [row] = await outbox.all_rows(conn)
    assert "I'll remind you Tuesday 03 November" in row.payload["notice"]["context"]["text"]


async def test_a_reply_with_nothing_readable_is_answered_and_set_aside(
    conversation: EmailConversation, seeded: Seeded
) -> None:
    raw = signed_email(CAROL, "Please see the attached spreadsheet with our answers.")
    assert await conversation.take(raw) == "Audit needs attention"
    assert await answers_of(seeded, "carol") == {}
    async with seeded.db.read() as conn:
        [row] = await outbox.all_rows(conn)
    text = row.payload["notice"]["context"]["text"]
    assert '"Please see the attached spreadsheet with our answers."' in text
    assert "Section 1 of 7" in text  # and what to answer instead


async def test_a_change_after_submitting_is_saved_as_an_amendment(
    conversation: EmailConversation, seeded: Seeded
) -> None:
    everything = "\n".join(numbered_answers(seeded.questionnaire, n) for n in range(1, 8))
    await conversation.take(signed_email(CAROL, everything + "\nsubmit Carol Cole, SENCo"))
    await conversation.take(signed_email(CAROL, "2 yes - we do now"))
    async with seeded.db.read() as conn:
        rows = [r for r in await outbox.all_rows(conn) if r.kind == "conversation"]
    first, second = (row.payload["notice"]["context"] for row in rows)
    assert "your audit has been submitted" in first["text"]
    assert "Saved 1 answer:" in second["text"] and "2. Yes - note: we do now" in second["text"]
    assert "Section" not in second["text"] and "SUBMIT" not in second["text"]
    assert "saved as an amendment" in second["text"]
    assert (await answers_of(seeded, "carol"))["s1.telephone"] == "yes"
