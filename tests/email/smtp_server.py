"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1 and a free port, in its own
thread. It keeps the emails it accepts (parsed), refuses the recipients a test names, and
answers DATA as a test scripts it; optionally it speaks TLS (STARTTLS or implicit, with a
self-signed certificate made here) and wants a login."""

from __future__ import annotations

import ssl
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.conftest import free_port

HOST = "127.0.0.1"
Security = Literal["none", "starttls", "tls"]


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


def self_signed(directory: Path) -> Certificate:
    """A certificate for localhost/127.0.0.1 that no one trusts: with `cryptography` when it
    is installed, else with the openssl command."""
    made = Certificate(directory / "cert.pem", directory / "key.pem")
    try:
        _with_cryptography(made)
    except ImportError:
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "ec",
                "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", str(made.key), "-out", str(made.cert), "-days", "2",
                "-subj", "/CN=localhost",
                "-addext", f"subjectAltName=DNS:localhost,IP:{HOST}",
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
    return made


def _with_cryptography(made: Certificate) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(IPv4Address(HOST))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    made.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    made.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


@dataclass(frozen=True)
class Received:
    mail_from: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class MailServer:
    """Start with `start()`, stop with `stop()`; `start()` again listens on the same port."""

    security: Security = "none"
    certificate: Certificate | None = None
    users: dict[str, str] = field(default_factory=dict)
    """Who may log in (name -> password); with any, a login is wanted (AUTH LOGIN only)."""
    port: int = field(default_factory=free_port)
    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    """Recipient -> the answer to RCPT TO, e.g. "550 5.1.1 No such user"."""
    script: dict[str, list[str]] = field(default_factory=dict)
    """Recipient -> answers to DATA, used up one per try, e.g. ["451 4.3.0 Busy"]."""
    logins: list[str] = field(default_factory=list)
    """The mechanism of each successful login."""
    _controller: Controller | None = field(default=None, init=False)

    @property
    def host(self) -> str:
        return HOST

    def start(self) -> MailServer:
        tls = self.certificate.server_context() if self.certificate else None
        options: dict[str, Any] = {"server_hostname": "mail.test", "ready_timeout": 5.0}
        if self.security == "starttls":
            options.update(tls_context=tls, require_starttls=True)
        elif self.security == "tls":
            options.update(ssl_context=tls)
        if self.users:
            # implicit TLS is TLS from the start: aiosmtpd only knows STARTTLS as TLS
            implicit = self.security == "tls"
            options.update(
                authenticator=self._authenticate,
                auth_required=not implicit,
                auth_require_tls=not implicit,
                auth_exclude_mechanism=["PLAIN"],
            )
        self._controller = Controller(_Handler(self), hostname=HOST, port=self.port, **options)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[EmailMessage]:
        return [r.message for r in self.received if address in r.recipients]

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword) and self.users.get(data.login.decode()) == (
            data.password.decode()
        ):
            self.logins.append(mechanism)
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


class _Handler:
    def __init__(self, server: MailServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        refusal = self.server.refuse.get(address.lower())
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        for recipient in envelope.rcpt_tos:
            answers = self.server.script.get(recipient.lower())
            if answers:
                return answers.pop(0)
        raw = envelope.original_content or b""
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        self.server.received.append(
            Received(envelope.mail_from or "", list(envelope.rcpt_tos), message)
        )
        return "250 Message accepted for delivery"
