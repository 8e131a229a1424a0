"""The email tests' servers: a throwaway Dovecot (IMAP) and aiosmtpd (SMTP) on loopback."""

from collections.abc import Iterator

import pytest

from tests.email.dovecot import dovecot, dovecot_server  # noqa: F401
from tests.email.smtp_server import MailServer


@pytest.fixture
def smtp() -> Iterator[MailServer]:
    """A real SMTP server on loopback that keeps what it receives."""
    server = MailServer().start()
    yield server
    server.stop()
