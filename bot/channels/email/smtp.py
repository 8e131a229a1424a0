"""Sending through the mail server (SMTP): one connection, kept open between emails and
opened again when it has dropped, and the server's answers turned into the outbox's
verdicts: try again later, give up, or stop writing to an address that does not exist."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import ssl
import time
from email.message import EmailMessage
from types import TracebackType

import aiosmtplib

from bot.config import EmailSettings
from bot.outbox import DeliveryError, PermanentFailure, RecipientBlocked, TemporaryFailure
from bot.texts import texts

log = logging.getLogger(__name__)

TIMEOUT = 30.0
"""Seconds for connecting and for each command: a slow server is retried, not waited on."""
IDLE = 60.0
"""After this long unused, check the connection (a NOOP) before sending: servers drop idle
clients, and a send on a dead connection would count as a failed try."""
DETAIL_LENGTH = 160

_ENHANCED = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b")


class SmtpProblem(Exception):
    """The server cannot be used as set up; the message is one sentence naming the setting
    to look at (never the password)."""

    def __init__(self, problem: str, settings: EmailSettings, detail: str = "") -> None:
        self.problem = problem
        super().__init__(
            texts().render(
                "email/smtp_problem.txt.j2",
                problem=problem,
                host=settings.smtp_host or "",
                port=settings.smtp_port_or_default,
                security=settings.smtp_security,
                username=settings.smtp_username or "",
                sender=settings.sender or "",
                detail=" ".join(detail.split())[:DETAIL_LENGTH],
            )
        )


async def open_connection(
    settings: EmailSettings, *, command_timeout: float = TIMEOUT
) -> aiosmtplib.SMTP:
    """Connect, secure the connection as EMAIL_SMTP_SECURITY says, and log in if a username
    is set; `SmtpProblem` says what went wrong."""
    if not settings.smtp_host or not settings.sender:
        raise SmtpProblem("not_set", settings)
    smtp = aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port_or_default,
        use_tls=settings.smtp_security == "tls",
        start_tls=False,  # done below, so a server without STARTTLS is told apart
        validate_certs=settings.tls_verify,
        timeout=command_timeout,
    )
    step = "connect"
    try:
        await smtp.connect()
        if settings.smtp_security == "starttls":
            step = "starttls"
            await smtp.starttls()
        if settings.smtp_username:
            step = "login"
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            await smtp.login(settings.smtp_username, password)
    except (aiosmtplib.SMTPException, OSError) as exc:
        smtp.close()
        raise SmtpProblem(_setup_problem(exc, step), settings, _detail(exc)) from exc
    except BaseException:
        smtp.close()
        raise
    return smtp


def _setup_problem(exc: BaseException, step: str) -> str:
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    if isinstance(cause, ssl.SSLCertVerificationError):
        return "certificate"
    if isinstance(cause, ssl.SSLError):
        return "tls"
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return "login"
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, aiosmtplib.SMTPConnectResponseError):
        return "refused"
    if step == "connect" and isinstance(exc, OSError):
        return "unreachable"
    if step == "starttls":
        return "tls" if isinstance(exc, OSError) else "no_starttls"
    if step == "login" and not isinstance(exc, aiosmtplib.SMTPResponseException | OSError):
        return "no_login"
    return "other"


def _detail(exc: BaseException) -> str:
    """What the server or the system said, briefly, for the sentence's brackets."""
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"{exc.code} {exc.message}"
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    if isinstance(cause, ssl.SSLCertVerificationError):
        return str(cause.verify_message or cause.reason or cause)
    if isinstance(cause, ssl.SSLError):
        return str(cause.reason or cause)
    if isinstance(cause, OSError) and cause.errno and cause.errno > 0:
        return os.strerror(cause.errno)  # "Connection refused", not asyncio's wording
    if isinstance(cause, OSError) and cause.strerror:
        return cause.strerror
    return ""


async def check_smtp(settings: EmailSettings, *, command_timeout: float = 15.0) -> str | None:
    """Whether the bot can send: connect, log in and offer the From address, then leave.

    None when all is well, else one sentence naming the setting to look at.
    """
    try:
        smtp = await open_connection(settings, command_timeout=command_timeout)
    except SmtpProblem as problem:
        return str(problem)
    try:
        await smtp.mail(settings.sender or "")
        await smtp.rset()
    except aiosmtplib.SMTPResponseException as exc:
        return str(SmtpProblem(_sender_problem(exc.code), settings, _detail(exc)))
    except (aiosmtplib.SMTPException, OSError) as exc:
        return str(SmtpProblem(_setup_problem(exc, "sender"), settings, _detail(exc)))
    finally:
        await _quit(smtp)
    return None


def _sender_problem(code: int) -> str:
    return "login_required" if code == 530 else "sender"


async def _quit(smtp: aiosmtplib.SMTP) -> None:
    if smtp.is_connected:
        try:
            await smtp.quit()
        except (aiosmtplib.SMTPException, OSError):
            smtp.close()


class SmtpSender:
    """Sends emails one at a time over one connection, opened when first needed.

    `send` raises the outbox's `TemporaryFailure`, `PermanentFailure` or `RecipientBlocked`.
    """

    def __init__(
        self, settings: EmailSettings, *, timeout: float = TIMEOUT, idle: float = IDLE
    ) -> None:
        self.settings = settings
        self.timeout = timeout
        self.idle = idle
        self._smtp: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()
        self._used = 0.0

    async def __aenter__(self) -> SmtpSender:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        async with self._lock:
            if self._smtp is not None:
                await _quit(self._smtp)
                self._smtp = None

    async def send(self, message: EmailMessage) -> None:
        async with self._lock:
            try:
                smtp = await self._connection()
                await smtp.send_message(message)
            except SmtpProblem as problem:
                raise TemporaryFailure(str(problem)) from problem
            except asyncio.CancelledError:
                self._drop()  # stopped halfway through: the exchange cannot be resumed
                raise
            except (aiosmtplib.SMTPException, OSError) as exc:
                failure = self._failure(exc)
                if isinstance(failure, TemporaryFailure):
                    self._drop()  # a half-finished exchange: start afresh next time
                raise failure from exc
            finally:
                self._used = time.monotonic()

    async def _connection(self) -> aiosmtplib.SMTP:
        smtp = self._smtp
        if smtp is not None and smtp.is_connected and time.monotonic() - self._used > self.idle:
            try:
                await smtp.noop()
            except (aiosmtplib.SMTPException, OSError):
                log.info("the connection to the mail server had dropped; connecting again")
                self._drop()
        if self._smtp is None or not self._smtp.is_connected:
            self._smtp = await open_connection(self.settings, command_timeout=self.timeout)
        return self._smtp

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    def _failure(self, exc: BaseException) -> DeliveryError:
        """The outbox's verdict on what the server (or the network) said."""
        if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
            refused = exc.recipients[0]
            return self._refused(refused.code, refused.message, at_data=False)
        if isinstance(exc, aiosmtplib.SMTPSenderRefused):
            if exc.code == 530:
                return TemporaryFailure(str(SmtpProblem("login_required", self.settings)))
            if _temporary(exc.code):
                return TemporaryFailure(f"the mail server is busy ({_detail(exc)})")
            return PermanentFailure(str(SmtpProblem("sender", self.settings, _detail(exc))))
        if isinstance(exc, aiosmtplib.SMTPDataError):
            return self._refused(exc.code, exc.message, at_data=True)
        if isinstance(exc, aiosmtplib.SMTPResponseException):
            if _temporary(exc.code):
                return TemporaryFailure(f"the mail server is busy ({_detail(exc)})")
            return PermanentFailure(f"the mail server refused the email ({_detail(exc)})")
        if isinstance(exc, aiosmtplib.SMTPNotSupported):
            return PermanentFailure(f"the mail server cannot take this email ({exc.message})")
        if isinstance(exc, TimeoutError):
            return TemporaryFailure("the mail server did not answer in time")
        detail = _detail(exc)
        return TemporaryFailure(
            f"lost the connection to the mail server{f' ({detail})' if detail else ''}"
        )

    def _refused(self, code: int, message: str, *, at_data: bool) -> DeliveryError:
        """A refusal of the recipient (or, at DATA, of the email): an address that does not
        exist stops the writing to it; a policy refusal is the server's set-up, not the
        person's, and a full mailbox may empty."""
        detail = " ".join(f"{code} {message}".split())[:DETAIL_LENGTH]
        enhanced = _ENHANCED.match(message)
        status = (enhanced.group(2), enhanced.group(3)) if enhanced else None
        if _temporary(code):
            return TemporaryFailure(f"the mail server cannot take this email just now ({detail})")
        if status == ("2", "2") or (code == 552 and not at_data):
            return TemporaryFailure(f"the mailbox is full ({detail})")
        if (status is not None and status[0] == "7") or "relay" in message.lower():
            return PermanentFailure(str(SmtpProblem("relay", self.settings, detail)))
        if not at_data or (status is not None and (status[0] == "1" or status == ("2", "1"))):
            return RecipientBlocked(f"the address does not take email ({detail})")
        return PermanentFailure(f"the mail server refused the email ({detail})")


def _temporary(code: int) -> bool:
    return 400 <= code < 500
