"""After a partnership submits: the submitter's receipt (a summary and the filled-in Word
form) and a word to each colleague, through the real bot and the fake Bot API, and by email
to a real SMTP server on loopback for those without Telegram; each told once per round."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from docx import Document
from pydantic import SecretStr

from bot.audit_service import AuditService
from bot.channels.email.deliver import EmailDeliverer, email_for
from bot.channels.email.smtp import SmtpSender
from bot.channels.telegram import notices as telegram_notices
from bot.channels.telegram.deliver import TelegramDeliverer
from bot.config import EmailSettings, Settings, TelegramSettings
from bot.flows import events as ev
from bot.notice_forms import attach_form
from bot.notices import Notice
from bot.outbox import Deliverer, OutboxWorker
from bot.submission_notices import (
    COLLEAGUE,
    RECEIPT,
    RECEIPT_AFTER,
    SubmissionNotices,
    reach,
)
from bot.texts import texts
from storage import Database, outbox, responses
from storage.outbox import OutboxRow
from storage.records import Address, AnswerChange, Contact, Status
from tests.conftest import Seeded
from tests.email.smtp_server import MailServer
from tests.fake_bot_api import BotMessage, FakeBotApi, FakeUser, parse_html
from tests.plugins.telegram import Harness, join, stored_response

SENDER = "audit@la.example"
UNANSWERED = 4
"""The seeded answers leave the last few questions unanswered."""
SIGNED = "Submitted by Alice Archer, Head of inclusion, on Monday 02 November 2026 at 10:00."


@pytest.fixture
def mail() -> Iterator[MailServer]:
    server = MailServer().start()
    yield server
    server.stop()


def email_settings(server: MailServer, receiving: bool = True) -> EmailSettings:
    values: dict[str, object] = {"sender": SENDER, "smtp_host": server.host}
    values |= {"smtp_port": server.port, "smtp_security": "none"}
    if receiving:
        values |= {
            "imap_host": server.host,
            "imap_username": "audit",
            "imap_password": SecretStr("imap password"),
            "reply_secret": SecretStr("a long random string only the bot knows"),
        }
    return EmailSettings(**values)  # type: ignore[arg-type]


async def change(seeded: Seeded, contact: Contact, *question_ids: str) -> None:
    """`contact` answers these questions (in storage: not the walk under test)."""
    items = [seeded.questionnaire.item(q) for q in question_ids]
    changes = [AnswerChange(i.id, "" if i.kind.is_free_text else "no", None) for i in items]
    async with seeded.db.transaction() as conn:
        response = await responses.response_for(
            conn, seeded.round.id, contact.partnership_id, seeded.round.questionnaire_version
        )
        await responses.apply_changes(
            conn, response, changes, contact.id, "telegram", seeded.clock()
        )


async def answer_most(seeded: Seeded, contact: Contact) -> None:
    """`contact` answers all but the last UNANSWERED questions."""
    await change(seeded, contact, *(i.id for i in seeded.questionnaire.items[:-UNANSWERED]))


async def notice_rows(db: Database) -> list[OutboxRow]:
    async with db.read() as conn:
        return [r for r in await outbox.all_rows(conn) if r.kind in (RECEIPT, COLLEAGUE)]


async def submit_in_telegram(user: FakeUser) -> None:
    await user.send("/submit")
    await user.send("Head of inclusion")  # the role for the sign-off, the first time
    await user.click(texts().string("button.confirm_submit"))


def documents(user: FakeUser) -> list[BotMessage]:
    return [m for m in user.messages if m.document is not None]


def form_text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([*(p.text for p in doc.paragraphs), *cells])


# --- Telegram -------------------------------------------------------------------------


async def test_the_submitter_gets_a_receipt_with_the_form_and_colleagues_are_told_once(
    api: FakeBotApi, harness: Harness, seeded: Seeded
) -> None:
    await harness.start(schedule=True)  # the process's outbox worker, woken by the submission
    alice = await join(harness, api, "alice", 1001)
    bob = await join(harness, api, "bob", 1002)  # Alice's colleague, on Telegram too
    carol = await join(harness, api, "carol", 1003)  # another partnership
    await answer_most(seeded, seeded.contacts["alice"])
    seen = {who: len(user.messages) for who, user in (("bob", bob), ("carol", carol))}

    await submit_in_telegram(alice)
    assert (await stored_response(seeded, "alice")).status is Status.SUBMITTED
    told = await bob.wait_for_text("is with the local authority")  # at once
    assert not documents(alice)  # the receipt follows the reply to the submission
    seeded.clock.advance(seconds=RECEIPT_AFTER.total_seconds())

    await api.wait_until(lambda: bool(documents(alice)), within=10)
    receipt = await alice.wait_for_text("Your receipt")
    total = len(seeded.questionnaire.items)
    assert "The audit for North Partnership is with the local authority." in receipt.text
    # the sign-off, at the LA's time (GMT in November), and the words Alice confirmed
    assert SIGNED in receipt.text
    assert f"You confirmed: {texts().string('signoff.attestation')}" in receipt.text
    assert f"{total - UNANSWERED} of {total} questions answered" in receipt.text
    assert f"{UNANSWERED} were left unanswered" in receipt.text
    last = seeded.questionnaire.items[-1].text
    assert f"{total}. {last[:40]}" in receipt.text
    assert "I've let Bob Baker know" in receipt.text
    assert "filled-in form follows" in receipt.text
    [form] = documents(alice)
    assert form.filename == "north-partnership.docx" and form.document is not None
    assert alice.messages.index(form) > alice.messages.index(receipt)  # the summary first
    assert "Word" in form.text  # its caption
    written = form_text(form.document)
    assert "North Partnership" in written and "Alice Archer" in written
    assert api.requests("sendDocument")  # a real document, as Telegram receives files

    assert "The audit for North Partnership is with the local authority" in told.text
    assert SIGNED in told.text
    assert f"{total - UNANSWERED} of {total} questions answered" in told.text
    assert "until the local authority closes the audit" in told.text
    assert not documents(bob) and len(bob.messages) == seen["bob"] + 1
    assert len(carol.messages) == seen["carol"]  # another partnership hears nothing

    # its button opens the audit for Bob
    before = len(bob.messages)
    await bob.click(texts().string("submission.button.open"), told)
    assert len(bob.messages) > before

    # submitting again is refused and tells nobody anything new
    rows = await notice_rows(seeded.db)
    assert sorted((r.kind, r.recipient) for r in rows) == [(RECEIPT, "1001"), (COLLEAGUE, "1002")]
    await alice.send("/submit")
    assert "already submitted" in alice.messages[-1].text
    bob_contact = seeded.contacts["bob"]
    await change(seeded, bob_contact, seeded.questionnaire.items[0].id)  # an amendment
    async with seeded.db.transaction() as conn:  # as if Bob then submitted again
        new = await SubmissionNotices(("telegram",)).queue(
            conn, bob_contact, seeded.round, seeded.questionnaire, {}, "telegram", seeded.clock()
        )
    assert new == 0
    assert len(await notice_rows(seeded.db)) == 2


# --- email ----------------------------------------------------------------------------


def plain(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content()).replace("\r\n", "\n")


def html(message: EmailMessage) -> str:
    body = message.get_body(("html",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content())


def attached(message: EmailMessage) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for part in message.iter_attachments():
        assert isinstance(part, EmailMessage)
        content = part.get_content()
        assert isinstance(content, bytes)
        found[str(part.get_filename())] = content
    return found


async def drain(db: Database, seeded: Seeded, deliverers: dict[str, Deliverer]) -> None:
    result = await OutboxWorker(db, deliverers, seeded.clock, chat_interval=0).run_once()
    assert (result.failed, result.retried, result.blocked) == (0, 0, 0)


async def test_a_colleague_without_telegram_is_told_by_email(
    api: FakeBotApi, seeded: Seeded, mail: MailServer, tmp_path: Path
) -> None:
    email = email_settings(mail)
    settings = Settings(
        telegram=TelegramSettings(bot_token=api.token, api_url=api.url),
        email=email,
        db=tmp_path / "audit.db",
        timezone="Europe/London",
    )
    harness = Harness(settings, seeded, api)
    app = await harness.start()
    try:
        alice = await join(harness, api, "alice", 1001)  # Bob never joins Telegram
        await answer_most(seeded, seeded.contacts["alice"])
        await submit_in_telegram(alice)
        seeded.clock.advance(seconds=RECEIPT_AFTER.total_seconds())
        async with SmtpSender(email) as sender:
            deliverers: dict[str, Deliverer] = {
                "telegram": TelegramDeliverer(app.bot),
                "email": EmailDeliverer(email, sender),
            }
            await drain(seeded.db, seeded, deliverers)
    finally:
        await harness.stop(app)

    assert [d.filename for d in documents(alice)] == ["north-partnership.docx"]
    assert "I've let Bob Baker know" in (await alice.wait_for_text("Your receipt")).text
    [told] = mail.to("bob@north.example")
    assert str(told["Subject"]).startswith(
        "Partnership audit for North Partnership: submitted by Alice Archer"
    )
    text = plain(told)
    assert text.startswith("Hello Bob Baker,")
    assert "The audit for North Partnership is with the local authority" in text
    assert SIGNED in text
    assert "reply to this email with the word REVIEW" in text
    assert "<b>North Partnership</b>" in html(told)
    assert not attached(told)
    assert not mail.to("alice@north.example")  # she has her receipt in Telegram
    assert not mail.to("carol@south.example") and not mail.to("dan@east.example")


async def test_a_submission_by_email_gets_its_receipt_by_email_with_the_form(
    seeded: Seeded, mail: MailServer
) -> None:
    dan = seeded.contacts["dan"]  # "Dan <Dee> & Co", the only contact of East Partnership
    service: AuditService = seeded.service  # as the email conversation builds it
    await service.handle(dan.id, "email", ev.Submit())
    await service.handle(dan.id, "email", ev.Confirm(role="Chair"))
    [row] = await notice_rows(seeded.db)
    assert (row.kind, row.channel, row.recipient) == (RECEIPT, "email", "dan@east.example")
    assert "form" in row.payload and not row.payload["notice"]["attachments"]  # built at send
    assert row.next_attempt_at == seeded.clock() + RECEIPT_AFTER  # after the reply
    seeded.clock.advance(seconds=RECEIPT_AFTER.total_seconds())

    email = email_settings(mail, receiving=False)
    async with SmtpSender(email) as sender:
        await drain(seeded.db, seeded, {"email": EmailDeliverer(email, sender)})

    [receipt] = mail.to("dan@east.example")
    total = len(seeded.questionnaire.items)
    assert str(receipt["Subject"]).startswith("Receipt: partnership audit for East Partnership")
    text = plain(receipt)
    assert text.startswith("Hello Dan <Dee> & Co,")
    assert "Submitted by Dan <Dee> & Co, Chair, on Monday 02 November 2026 at 10:00." in text
    assert f'You confirmed: "{texts().string("signoff.attestation")}"' in text
    assert f"0 of {total} questions answered; {total} were left unanswered" in text
    assert f"{total}. {seeded.questionnaire.items[-1].text}" in text
    assert "I've let" not in text  # nobody else to tell
    assert "filled-in form is attached" in text
    assert "/review in the audit bot in Telegram" in text  # replies are not read here
    assert "Dan &lt;Dee&gt; &amp; Co" in html(receipt)
    assert "Submitted by <b>Dan &lt;Dee&gt; &amp; Co, Chair</b>" in html(receipt)
    files = attached(receipt)
    assert list(files) == ["east-partnership.docx"]
    assert "East Partnership" in form_text(files["east-partnership.docx"])


async def test_the_form_is_left_out_when_there_is_nothing_to_fill_it_from(
    seeded: Seeded,
) -> None:
    dan = seeded.contacts["dan"]
    await seeded.service.handle(dan.id, "email", ev.Submit())
    await seeded.service.handle(dan.id, "email", ev.Confirm(role="Chair"))
    [row] = await notice_rows(seeded.db)
    elsewhere = {**row.payload, "form": {**row.payload["form"], "round_id": seeded.round.id + 1}}
    sent = await attach_form(seeded.db, elsewhere, seeded.clock())
    assert sent["notice"]["context"]["form_attached"] is False
    assert sent["notice"]["attachments"] == [] and "form" not in sent
    built = await attach_form(seeded.db, row.payload, seeded.clock())
    assert built["notice"]["context"]["form_attached"] is True
    assert [a["filename"] for a in built["notice"]["attachments"]] == ["east-partnership.docx"]


# --- where each is told ---------------------------------------------------------------


def test_told_where_reminders_reach_them_and_the_receipt_where_they_submitted() -> None:
    now = datetime(2026, 11, 2, 10, tzinfo=UTC)
    mail_address = Address("email", "sam@north.example", "sam@north.example")
    chat = Address("telegram", "1001", "1001", now)
    sam = Contact(1, 1, "North", "Sam", "sam@north.example", addresses=(mail_address, chat))
    both = ("telegram", "email")
    assert reach(sam, both) == chat  # Telegram if linked
    assert reach(sam, both, prefer="email") == mail_address  # where they submitted
    assert reach(sam, both, prefer="console") == chat  # the terminal sends nothing
    assert reach(replace(sam, preferred_channel="email"), both) == mail_address
    assert reach(sam, ("email",)) == mail_address  # Telegram not set up here
    blocked = replace(chat, unreachable_at=now)
    assert reach(replace(sam, addresses=(mail_address, blocked)), both) == mail_address
    assert reach(replace(sam, addresses=(blocked,)), both) is None


# --- the sign-off, as each notice names it --------------------------------------------

SIGNER = ("Jo <Smith> & Co", "Head of <inclusion>")


async def queued_notices(seeded: Seeded) -> dict[str, Notice]:
    """Alice submits from the terminal, signing off as someone with HTML in name and role;
    the receipt and Bob's notice as queued (Alice has no Telegram: email for both)."""
    alice = seeded.contacts["alice"]
    await seeded.service.handle(alice.id, "console", ev.Submit())
    await seeded.service.handle(alice.id, "console", ev.Confirm(*SIGNER))
    rows = await notice_rows(seeded.db)
    found = {r.kind: Notice.from_payload(r.payload) for r in rows}
    return {kind: notice for kind, notice in found.items() if notice is not None}


def telegram_html(notice: Notice) -> str:
    parts = telegram_notices.parts(notice)
    return "\n".join(p.html for p in parts if isinstance(p, telegram_notices.Text))


def email_parts(notice: Notice) -> tuple[str, str, str]:
    settings = EmailSettings(  # type: ignore[call-arg]
        _env_file=None, sender=SENDER, smtp_host="smtp.invalid", reply_secret="s"
    )
    message = email_for(settings, "x@north.example", notice)
    return str(message["Subject"]), plain(message), html(message)


async def test_both_notices_name_the_sign_off_escaped_in_html(seeded: Seeded) -> None:
    notices = await queued_notices(seeded)
    signed = "Submitted by Jo <Smith> & Co, Head of <inclusion>, on Monday 02 November 2026"
    escaped = "Jo &lt;Smith&gt; &amp; Co, Head of &lt;inclusion&gt;"
    for kind in (RECEIPT, COLLEAGUE):
        notice = notices[kind]
        in_telegram = telegram_html(notice)
        assert escaped in in_telegram and "<Smith>" not in in_telegram, kind
        check = parse_html(in_telegram)  # Telegram would take it
        assert signed in check, kind
        subject, text, page = email_parts(notice)
        assert signed in text, kind
        assert escaped in page and "<Smith>" not in page, kind
    subject, _, _ = email_parts(notices[COLLEAGUE])
    assert subject.startswith(
        "Partnership audit for North Partnership: submitted by Jo <Smith> & Co, Head of <inclusion>"
    )


async def test_notices_queued_before_sign_offs_were_named_still_read_well(
    seeded: Seeded,
) -> None:
    notices = await queued_notices(seeded)
    for kind in (RECEIPT, COLLEAGUE):
        context = {
            k: v for k, v in notices[kind].context.items() if k not in ("signed_by", "attestation")
        }
        old = replace(notices[kind], context=context)
        assert "submitted the audit for" in parse_html(telegram_html(old)), kind
        _, text, _ = email_parts(old)
        assert "submitted the audit for North Partnership" in text, kind
