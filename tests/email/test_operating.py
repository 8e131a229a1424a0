"""Operating the email channel as the LA would: `auditbot email check`, and `auditbot run`
as a real process with email set up and no Telegram token."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from bot.channels.email.compose import reply_token
from tests.conftest import Seeded
from tests.email.dovecot import Account
from tests.email.smtp_server import MailServer
from tests.email.test_answering import CAROL

WAIT = 20.0


def environment(
    seeded: Seeded, mail: MailServer, account: Account, **changes: str
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "EMAIL_"))}
    env.update(
        AUDITBOT_DB=str(seeded.db.path),
        EMAIL_FROM="audit@la.example",
        EMAIL_SMTP_HOST=mail.host,
        EMAIL_SMTP_PORT=str(mail.port),
        EMAIL_SMTP_SECURITY="none",
        EMAIL_IMAP_HOST=account.host,
        EMAIL_IMAP_PORT=str(account.port),
        EMAIL_IMAP_SECURITY="none",
        EMAIL_IMAP_USERNAME=account.user,
        EMAIL_IMAP_PASSWORD=account.password,
        EMAIL_REPLY_SECRET="test-secret",
        COLUMNS="200",
    )
    env.update(changes)
    return env


async def auditbot(env: dict[str, str], cwd: Path, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), WAIT)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_email_check_says_what_works_in_one_sentence_each(
    seeded: Seeded, smtp: MailServer, dovecot: Account, tmp_path: Path
) -> None:
    env = environment(seeded, smtp, dovecot)
    code, out, _ = await auditbot(env, tmp_path, "email", "check")
    assert code == 0
    assert out.splitlines() == [
        f"Sending works: {smtp.host} accepted the login, as audit@la.example.",
        f"Reading replies works: {dovecot.host} opened the folder INBOX.",
    ]
    wrong = environment(seeded, smtp, dovecot, EMAIL_IMAP_PASSWORD="not-it")
    code, out, err = await auditbot(wrong, tmp_path, "email", "check")
    assert code == 1
    assert "EMAIL_IMAP_USERNAME" in err and "not-it" not in err
    assert "Traceback" not in err


async def test_run_with_email_only_answers_replies(
    seeded: Seeded, smtp: MailServer, dovecot: Account, tmp_path: Path
) -> None:
    env = environment(seeded, smtp, dovecot, AUDITBOT_LOG_LEVEL="INFO")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        message = EmailMessage()
        message["From"] = CAROL
        message["To"] = f"audit+{reply_token('test-secret', CAROL)}@la.example"
        message["Subject"] = "Re: the audit"
        message["Date"] = formatdate()
        message["Message-ID"] = make_msgid(domain="south.example")
        message.set_content("START")
        await dovecot.append(message.as_bytes())
        deadline = time.monotonic() + WAIT
        while not smtp.to(CAROL):
            assert process.returncode is None, "auditbot run stopped"
            assert time.monotonic() < deadline, "no answer by email"
            await asyncio.sleep(0.1)
        [answer] = smtp.to(CAROL)
        assert "Section 1 of 7" in str(answer.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), WAIT)
    assert process.returncode == 0, err.decode()
    assert "running with: email" in err.decode()
    assert "Traceback" not in err.decode()


async def test_status_counts_the_emails_waiting_for_a_person(
    seeded: Seeded, smtp: MailServer, dovecot: Account, tmp_path: Path
) -> None:
    env = environment(seeded, smtp, dovecot)
    stranger = EmailMessage()
    stranger["From"] = "eve@evil.example"
    stranger["Subject"] = "hello"
    stranger.set_content("1 yes")
    await dovecot.append(stranger.as_bytes(), folder="Audit needs attention")
    code, out, err = await auditbot(env, tmp_path, "status")
    assert code == 0, err
    assert "1 email waits for a person in the mail folder 'Audit needs attention'" in out
