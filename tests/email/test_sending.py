"""Sending email through the outbox to a real SMTP server on loopback (aiosmtpd): what
arrives (headers, text, HTML, files that open), what the server's refusals do to the
outbox row, TLS and logins, and the one-sentence answers of `check_smtp`."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from pydantic import SecretStr

from bot.channels.email.compose import compose, reply_address, reply_token
from bot.channels.email.deliver import EmailDeliverer, action_keyword, keyword
from bot.channels.email.smtp import SmtpSender, check_smtp
from bot.config import EmailSettings, Recipient, Settings
from bot.notices import Action, Attachment, Intent, Notice
from bot.outbox import OutboxWorker
from bot.reminders import tick
from bot.summary.schedule import queue_summary
from bot.texts import texts
from storage import Database, outbox, partnerships
from storage.outbox import NewMessage, OutboxRow
from tests.conftest import Clock, Seeded, free_port, seed
from tests.email.smtp_server import Certificate, MailServer, Security, self_signed
from tests.legacy_payloads import message_payload
from tests.scheduling.test_round import at

SENDER = "audit@la.example"
SECRET = "a long random string only the bot knows"
LA = "la.officer@la.example"
PASSWORD = "s3cret-Pa55"
EMAIL = "email"


@pytest.fixture
def mail() -> Iterator[MailServer]:
    server = MailServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return self_signed(tmp_path_factory.mktemp("tls"))


def email_settings(server: MailServer, **changes: object) -> EmailSettings:
    """Sending to `server`, and reading replies (so the emails offer reply words)."""
    values: dict[str, object] = {
        "sender": SENDER,
        "smtp_host": server.host,
        "smtp_port": server.port,
        "smtp_security": "none",
        "imap_host": server.host,
        "imap_username": "audit",
        "imap_password": SecretStr("imap password"),
        "reply_secret": SecretStr(SECRET),
        **changes,
    }
    return EmailSettings(**values)  # type: ignore[arg-type]


def settings_for(email: EmailSettings, tmp_path: Path) -> Settings:
    return Settings(
        email=email,
        db=tmp_path / "audit.db",
        default_channel="email",
        la_recipient_list=(Recipient(EMAIL, LA),),
    )


def worker(db: Database, sender: SmtpSender, email: EmailSettings, clock: Clock) -> OutboxWorker:
    return OutboxWorker(db, {EMAIL: EmailDeliverer(email, sender)}, clock, chat_interval=0)


async def queue(db: Database, clock: Clock, to: str, notice: Notice, key: str = "k") -> None:
    async with db.transaction() as conn:
        await outbox.enqueue(
            conn, NewMessage(key, EMAIL, to, notice.kind, notice.to_payload()), clock()
        )


async def rows(db: Database) -> list[OutboxRow]:
    async with db.read() as conn:
        return await outbox.all_rows(conn)


async def send(db: Database, email: EmailSettings, clock: Clock, to: str, notice: Notice) -> None:
    await queue(db, clock, to, notice)
    async with SmtpSender(email) as sender:
        assert (await worker(db, sender, email, clock).run_once()).sent == 1


def plain(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content()).replace("\r\n", "\n")  # 7bit parts keep the wire's CRLF


def token_of(address: str) -> str:
    return reply_token(SECRET, address)


# --- what arrives ---------------------------------------------------------------------


async def test_reminders_arrive_with_reply_words_and_the_reply_token(
    seeded: Seeded, mail: MailServer, tmp_path: Path
) -> None:
    email = email_settings(mail)
    clock = seeded.clock
    clock.now = at(11, 23, 10)  # d-7, a Monday morning
    await tick(seeded.db, settings_for(email, tmp_path), clock)
    async with SmtpSender(email) as sender:
        result = await worker(seeded.db, sender, email, clock).run_once()
        assert result.sent == 4
        assert (await worker(seeded.db, sender, email, clock).run_once()).claimed == 0
    assert len(mail.received) == 4

    [received] = [r for r in mail.received if r.recipients == ["dan@east.example"]]
    assert received.mail_from == SENDER
    message = received.message
    token = token_of("dan@east.example")
    assert message["From"] == SENDER and message["To"] == "dan@east.example"
    assert message["Reply-To"] == f"audit+{token}@la.example"
    assert message["Subject"] == (
        f"Partnership audit for East Partnership: due Monday 30 November [ref {token}]"
    )
    assert re.fullmatch(r"<[^@<>]+@la\.example>", message["Message-ID"])
    assert abs(parsedate_to_datetime(message["Date"]) - datetime.now(UTC)) < timedelta(minutes=5)
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "text/plain" and not message.is_multipart()
    text = plain(message)
    assert text.startswith("Hello Dan <Dee> & Co,")
    assert "due Monday 30 November, in 7 days" in text
    assert "reply to this email with the word START" in text
    assert "Reply with the word LATER and I'll remind you tomorrow." in text
    assert "/start" not in text  # replies are read here: no need for Telegram
    assert len({r.message["Message-ID"] for r in mail.received}) == 4


async def test_without_reading_replies_there_are_no_reply_words(
    seeded: Seeded, mail: MailServer
) -> None:
    email = email_settings(mail, imap_host=None, reply_secret=None)
    assert not email.receiving
    notice = Notice(
        "reminder.in_progress",
        {
            "contact_name": "Alice Archer",
            "partnership": "North Partnership",
            "deadline": "2026-11-30",
            "days_left": -2,
            "answered": 12,
            "total": 40,
            "remaining": 28,
            "minutes": 14,
            "inactive": True,
        },
    )
    await send(seeded.db, email, seeded.clock, "alice@north.example", notice)
    [message] = mail.to("alice@north.example")
    assert "Reply-To" not in message and "[ref" not in message["Subject"]
    assert message["Subject"] == (
        "Partnership audit for North Partnership: 28 questions to go, "
        "overdue since Monday 30 November"
    )
    text = plain(message)
    assert "no progress on the audit for North Partnership for a few days" in text
    assert "12 of 40 questions answered" in text
    assert "START" not in text and "send /start to the audit bot in Telegram" in text


async def test_the_summary_has_html_a_text_alternative_and_four_files_that_open(
    db: Database, mail: MailServer, tmp_path: Path
) -> None:
    directory = tmp_path / "directory.csv"
    directory.write_text(
        "partnership,contact_name,email,telegram_username\n"
        "Hill <b>& Dale,Erin Eddy,erin@hill.example,\n"
        "North Partnership,Alice Archer,alice@north.example,\n",
        "utf-8",
    )
    seeded = await seed(db, directory)
    email = email_settings(mail)
    settings = settings_for(email, tmp_path)
    assert await queue_summary(db, settings, seeded.clock(), "deadline@2026-11-30") == 1
    async with SmtpSender(email) as sender:
        assert (await worker(db, sender, email, seeded.clock).run_once()).sent == 1

    [message] = mail.to(LA)
    n = seeded.round.id
    assert message["Subject"] == f"Partnership audit summary, round {n} [ref {token_of(LA)}]"
    assert message.get_content_type() == "multipart/mixed"
    html_part = message.get_body(("html",))
    assert isinstance(html_part, EmailMessage)
    html = str(html_part.get_content())
    assert "Hill &lt;b&gt;&amp; Dale" in html and "<b>& Dale" not in html
    assert "<b>Progress</b>" in html and "<br>" in html
    text = plain(message)
    assert "Hill <b>& Dale" in text and "Progress" in text
    assert "<b>" not in text.replace("Hill <b>& Dale", "")
    assert "Workbook" in text and "Workbook" in html  # the files are listed with captions

    files = {part.get_filename(): part for part in message.iter_attachments()}
    assert set(files) == {
        f"audit-summary-round-{n}.html",
        f"audit-summary-round-{n}.csv",
        f"audit-summary-round-{n}.xlsx",
        f"audit-forms-round-{n}.zip",
        f"audit-charts-round-{n}.png",
        f"audit-summary-round-{n}.pdf",
        f"audit-forms-round-{n}.pdf",
    }
    types = {name: part.get_content_type() for name, part in files.items()}
    assert types[f"audit-summary-round-{n}.html"] == "text/html"
    assert types[f"audit-summary-round-{n}.csv"] == "text/csv"
    assert types[f"audit-summary-round-{n}.xlsx"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert types[f"audit-forms-round-{n}.zip"] == "application/zip"
    assert types[f"audit-summary-round-{n}.pdf"] == "application/pdf"
    assert types[f"audit-charts-round-{n}.png"] == "image/png"

    def content(name: str) -> bytes:
        data = files[name].get_payload(decode=True)
        assert isinstance(data, bytes)
        return data

    report = content(f"audit-summary-round-{n}.html").decode("utf-8")
    assert "Hill &lt;b&gt;&amp; Dale" in report and "<b>& Dale" not in report
    table = list(
        csv.reader(io.StringIO(content(f"audit-summary-round-{n}.csv").decode("utf-8-sig")))
    )
    assert any("Hill <b>& Dale" in row for row in table)
    workbook = load_workbook(io.BytesIO(content(f"audit-summary-round-{n}.xlsx")))
    cells = {c.value for sheet in workbook for row in sheet.iter_rows() for c in row}
    assert "Hill <b>& Dale" in cells
    with zipfile.ZipFile(io.BytesIO(content(f"audit-forms-round-{n}.zip"))) as forms:
        names = forms.namelist()
        assert len(names) == 2 and all(name.endswith(".docx") for name in names)
        paragraphs = [
            p.text for name in names for p in Document(io.BytesIO(forms.read(name))).paragraphs
        ]
    assert any("Hill <b>& Dale" in p for p in paragraphs)


async def test_an_invite_gives_the_link_and_the_word_to_reply_with(
    seeded: Seeded, mail: MailServer
) -> None:
    email = email_settings(mail)
    context = {
        "contact_name": "Carol Cole",
        "partnership": "South Partnership",
        "deadline": "2026-11-30",
        "expires": "2026-12-10",
        "links": {"telegram": "https://t.me/audit_bot?start=abc123"},
    }
    await send(seeded.db, email, seeded.clock, "carol@south.example", Notice("invite", context))
    [message] = mail.to("carol@south.example")
    token = token_of("carol@south.example")
    assert message["Subject"] == (
        f"Audit of information held by partnerships: South Partnership [ref {token}]"
    )
    text = plain(message)
    assert text.startswith("Hello Carol Cole,")
    assert "Please complete it by Monday 30 November 2026." in text
    assert "https://t.me/audit_bot?start=abc123" in text
    assert "until 10 December 2026" in text
    assert "to answer by email instead, reply to this email with the word START" in text

    no_link = {**context, "deadline": None, "links": {}}
    await queue(seeded.db, seeded.clock, "bob@north.example", Notice("invite", no_link), "k2")
    async with SmtpSender(email) as sender:
        assert (await worker(seeded.db, sender, email, seeded.clock).run_once()).sent == 1
    text = plain(mail.to("bob@north.example")[0])
    assert "Telegram" not in text and "complete it by" not in text
    assert "To answer by email, reply to this email with the word START:" in text


async def test_a_conversation_email_is_threaded_under_the_reply(
    seeded: Seeded, mail: MailServer
) -> None:
    email = email_settings(mail)
    token = token_of("alice@north.example")
    context = {
        "subject": f"Re: Partnership audit [ref {token}]",
        "text": "Saved: 3 answers.\n\n-- end of questions --",
        "in_reply_to": "<reply-1@north.example>",
    }
    await send(
        seeded.db, email, seeded.clock, "alice@north.example", Notice("conversation", context)
    )
    [message] = mail.to("alice@north.example")
    assert message["Subject"] == f"Re: Partnership audit [ref {token}]"  # not tagged twice
    assert message["In-Reply-To"] == "<reply-1@north.example>"
    assert message["References"] == "<reply-1@north.example>"
    assert message["Auto-Submitted"] == "auto-replied"
    assert plain(message).strip() == "Saved: 3 answers.\n\n-- end of questions --"


async def test_a_flag_tells_the_la_who_has_stopped(seeded: Seeded, mail: MailServer) -> None:
    email = email_settings(mail)
    context = {
        "partnership": "Hill <b>& Dale",
        "reminders": 4,
        "answered": 0,
        "total": 40,
        "deadline": "2026-11-30",
    }
    await send(seeded.db, email, seeded.clock, LA, Notice("flag.la", context))
    [message] = mail.to(LA)
    assert message["Subject"].startswith(
        "Partnership audit: no progress from Hill <b>& Dale after 4 reminders"
    )
    assert "It has not been started." in plain(message)


def test_every_action_has_a_reply_word() -> None:
    words = texts().strings["email"]["keywords"]
    for action in (
        Action("reminders.button.continue", Intent.CONTINUE),
        Action("reminders.button.tomorrow", Intent.SNOOZE, {"choice": "d"}),
        Action("reminders.button.next_week", Intent.SNOOZE, {"choice": "w"}),
    ):
        key = action_keyword(action)
        assert keyword(key).lower() == words[key.removeprefix("email.keywords.")][0]


def test_reply_tokens_and_addresses() -> None:
    token = reply_token(SECRET, "Dan@East.Example")
    assert token == reply_token(SECRET, "dan@east.example")
    assert re.fullmatch(r"[a-z2-7]{12}", token)
    assert token != reply_token(SECRET, "carol@south.example")
    assert token != reply_token("another secret", "dan@east.example")
    assert reply_address(SENDER, token) == f"audit+{token}@la.example"


def test_files_get_their_types_and_a_subject_stays_on_one_line() -> None:
    email = EmailSettings(sender=SENDER, smtp_host="localhost")  # type: ignore[call-arg]
    files = [
        Attachment("forms.docx", b"PK\x03\x04docx"),
        Attachment("data.bin", b"\x00\x01"),
    ]
    message = compose(email, "a@b.example", "Two\nlines", "Hello", attachments=files)
    assert message["Subject"] == "Two lines" and "Reply-To" not in message
    assert [p.get_content_type() for p in message.iter_attachments()] == [
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/octet-stream",
    ]
    assert all("MIME-Version" not in part for part in message.iter_parts())


# --- what the server's answers do -----------------------------------------------------


async def test_a_4xx_is_tried_again_later(seeded: Seeded, mail: MailServer) -> None:
    email = email_settings(mail)
    clock = seeded.clock
    mail.script["carol@south.example"] = ["451 4.3.0 Mailbox busy, try later"]
    await queue(seeded.db, clock, "carol@south.example", _flag())
    async with SmtpSender(email) as sender:
        w = worker(seeded.db, sender, email, clock)
        assert (await w.run_once()).retried == 1
        [row] = await rows(seeded.db)
        assert row.status == "pending" and "451 4.3.0 Mailbox busy" in (row.last_error or "")
        assert row.next_attempt_at == clock() + timedelta(seconds=30)
        assert (await w.run_once()).claimed == 0
        clock.advance(seconds=30)
        assert (await w.run_once()).sent == 1  # over the same connection
    assert len(mail.to("carol@south.example")) == 1


async def test_a_mailbox_that_does_not_exist_makes_the_address_unreachable(
    seeded: Seeded, mail: MailServer, tmp_path: Path
) -> None:
    email = email_settings(mail)
    clock = seeded.clock
    mail.refuse["dan@east.example"] = "550 5.1.1 <dan@east.example>: no such user"
    clock.now = at(11, 23, 10)
    await tick(seeded.db, settings_for(email, tmp_path), clock)
    async with SmtpSender(email) as sender:
        result = await worker(seeded.db, sender, email, clock).run_once()
    assert (result.sent, result.blocked) == (3, 1)
    [row] = [r for r in await rows(seeded.db) if r.recipient == "dan@east.example"]
    assert row.status == "failed" and "550 5.1.1" in (row.last_error or "")
    async with seeded.db.read() as conn:
        dan = await partnerships.contact_by_id(conn, seeded.contacts["dan"].id)
    assert dan is not None
    address = dan.address(EMAIL)
    assert address is not None and address.unreachable_at == clock()


async def test_a_policy_refusal_fails_the_email_but_not_the_address(
    seeded: Seeded, mail: MailServer
) -> None:
    email = email_settings(mail)
    mail.refuse["bob@north.example"] = "554 5.7.1 Relay access denied"
    await queue(seeded.db, seeded.clock, "bob@north.example", _flag())
    async with SmtpSender(email) as sender:
        assert (await worker(seeded.db, sender, email, seeded.clock).run_once()).failed == 1
    [row] = await rows(seeded.db)
    assert "EMAIL_SMTP_USERNAME" in (row.last_error or "")
    async with seeded.db.read() as conn:
        bob = await partnerships.contact_by_id(conn, seeded.contacts["bob"].id)
    assert bob is not None and bob.unreachable_at is None


async def test_an_unreachable_server_is_tried_again_later(seeded: Seeded) -> None:
    email = email_settings(MailServer())  # never started: nothing listens on its port
    await queue(seeded.db, seeded.clock, "carol@south.example", _flag())
    async with SmtpSender(email) as sender:
        assert (await worker(seeded.db, sender, email, seeded.clock).run_once()).retried == 1
    [row] = await rows(seeded.db)
    assert row.status == "pending"
    assert "EMAIL_SMTP_HOST and EMAIL_SMTP_PORT" in (row.last_error or "")


async def test_a_dropped_connection_is_opened_again(seeded: Seeded, mail: MailServer) -> None:
    email = email_settings(mail)
    clock = seeded.clock
    async with SmtpSender(email, timeout=3, idle=0) as sender:
        await queue(seeded.db, clock, "carol@south.example", _flag(), "first")
        assert (await worker(seeded.db, sender, email, clock).run_once()).sent == 1
        mail.stop()  # the server goes away, with the connection
        mail.start()
        await queue(seeded.db, clock, "carol@south.example", _flag(), "second")
        assert (await worker(seeded.db, sender, email, clock).run_once()).sent == 1
    assert len(mail.to("carol@south.example")) == 2


async def test_rows_that_are_not_notices_fail_with_a_reason(
    seeded: Seeded, mail: MailServer
) -> None:
    email = email_settings(mail)
    async with seeded.db.transaction() as conn:
        await outbox.enqueue(
            conn,
            NewMessage("old", EMAIL, "carol@south.example", "test", message_payload("<b>hi</b>")),
            seeded.clock(),
        )
    await queue(seeded.db, seeded.clock, "carol@south.example", Notice("no.such.kind", {}), "new")
    await queue(seeded.db, seeded.clock, "not an address", _flag(), "bad")
    async with SmtpSender(email) as sender:
        assert (await worker(seeded.db, sender, email, seeded.clock).run_once()).failed == 3
    errors = sorted(r.last_error or "" for r in await rows(seeded.db))
    assert any("only Telegram can send" in e for e in errors)
    assert any("no email wording for 'no.such.kind'" in e for e in errors)
    assert any("not an email address" in e for e in errors)
    assert mail.received == []


# --- TLS and logging in ---------------------------------------------------------------


@pytest.mark.parametrize("security", ["starttls", "tls"])
async def test_sending_over_tls_with_a_login(
    seeded: Seeded, certificate: Certificate, security: Security
) -> None:
    mail = MailServer(security, certificate, {"audit": PASSWORD}).start()
    try:
        email = email_settings(
            mail,
            smtp_security=security,
            smtp_username="audit",
            smtp_password=SecretStr(PASSWORD),
            tls_verify=False,
        )
        assert await check_smtp(email) is None
        await send(seeded.db, email, seeded.clock, "carol@south.example", _flag())
    finally:
        mail.stop()
    assert len(mail.to("carol@south.example")) == 1
    assert mail.logins == ["LOGIN", "LOGIN"]  # the check, then the send


# --- check_smtp -----------------------------------------------------------------------


async def test_check_smtp_passes_a_working_server(mail: MailServer) -> None:
    assert await check_smtp(email_settings(mail)) is None


def one_sentence(text: str | None) -> str:
    assert text is not None and "\n" not in text and text.endswith(".")
    assert "Traceback" not in text and PASSWORD not in text
    return text


async def test_check_smtp_names_the_port_when_nothing_answers_there() -> None:
    port = free_port()
    problem = one_sentence(await check_smtp(email_settings(MailServer(port=port))))
    assert problem.startswith(f"Cannot connect to the mail server at 127.0.0.1:{port}")
    assert "check EMAIL_SMTP_HOST and EMAIL_SMTP_PORT" in problem


async def test_check_smtp_names_the_login_settings_for_a_wrong_password(
    certificate: Certificate,
) -> None:
    mail = MailServer("starttls", certificate, {"audit": PASSWORD}).start()
    try:
        email = email_settings(
            mail,
            smtp_security="starttls",
            smtp_username="audit",
            smtp_password=SecretStr("not-the-password"),
            tls_verify=False,
        )
        problem = one_sentence(await check_smtp(email))
        assert "refused the login for audit" in problem
        assert "check EMAIL_SMTP_USERNAME and EMAIL_SMTP_PASSWORD" in problem
        assert "not-the-password" not in problem

        no_login = email_settings(mail, smtp_security="starttls", tls_verify=False)
        problem = one_sentence(await check_smtp(no_login))
        assert "wants a login" in problem and "EMAIL_SMTP_USERNAME" in problem
    finally:
        mail.stop()


async def test_check_smtp_names_the_security_setting_when_it_does_not_fit(
    certificate: Certificate, mail: MailServer
) -> None:
    no_starttls = one_sentence(await check_smtp(email_settings(mail, smtp_security="starttls")))
    assert "does not offer STARTTLS" in no_starttls and "EMAIL_SMTP_SECURITY" in no_starttls

    wants_tls = one_sentence(await check_smtp(email_settings(mail, smtp_security="tls")))
    assert "secure connection" in wants_tls and "EMAIL_SMTP_SECURITY (now tls)" in wants_tls

    login_in_clear = email_settings(mail, smtp_username="audit", smtp_password=SecretStr(PASSWORD))
    problem = one_sentence(await check_smtp(login_in_clear))
    assert "does not offer a login" in problem and "EMAIL_SMTP_SECURITY" in problem

    implicit = MailServer("tls", certificate).start()
    try:
        plain_to_tls = one_sentence(await check_smtp(email_settings(implicit), command_timeout=0.5))
        assert "did not answer in time" in plain_to_tls
        assert "EMAIL_SMTP_PORT and EMAIL_SMTP_SECURITY" in plain_to_tls
        untrusted = one_sentence(await check_smtp(email_settings(implicit, smtp_security="tls")))
        assert "certificate" in untrusted and "EMAIL_TLS_VERIFY=false" in untrusted
    finally:
        implicit.stop()


def _flag() -> Notice:
    return Notice(
        "flag.la",
        {
            "partnership": "South Partnership",
            "reminders": 4,
            "answered": 3,
            "total": 40,
            "deadline": "2026-11-30",
        },
    )
