"""Keeps secrets out of every log line: the bot token (httpx and PTB log request URLs
containing it), configured secrets such as the webhook secret, and invite tokens (at DEBUG,
PTB logs raw updates, `/start <token>` included)."""

from __future__ import annotations

import logging
import re

MASK = "<TOKEN>"
CONFIGURED_MASK = "<SECRET>"
INVITE_MASK = "<INVITE>"

# `/start TOKEN` (or `/start@bot TOKEN`) and deep links `?start=TOKEN`. Tokens are base64url
# (bot.invites), so the quotes around them in a logged repr or JSON are kept; `\n` is how a
# repr shows a newline.
_INVITE = re.compile(r"(/start(?:@\w+)?(?:\s|\\[nrt])+|\bstart(?:group)?=)[A-Za-z0-9_-]+")


class TokenFilter(logging.Filter):
    """Masks secrets and invite tokens in a record's message, arguments and traceback."""

    def __init__(self, token: str = "") -> None:
        super().__init__()
        self.secrets: dict[str, str] = {}
        self.add(token, MASK)

    def add(self, secret: str, label: str = CONFIGURED_MASK) -> None:
        if secret:
            self.secrets[secret] = label

    def mask(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, self.secrets[secret])
        return _INVITE.sub(lambda found: found[1] + INVITE_MASK, text)

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_token_masked", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: keep what we can, masked
            message = str(record.msg)
        record.msg = self.mask(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        record._token_masked = True
        return True


_filter = TokenFilter()
_installed = False


def install_log_masking() -> TokenFilter:
    """Mask every record created from now on, whichever handler writes it.

    A filter on a logger misses records from its children, and handlers come and go, so
    the filter runs in the record factory: every record is masked as it is made.
    """
    global _installed
    if not _installed:
        previous = logging.getLogRecordFactory()

        def factory(*args: object, **kwargs: object) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _filter.filter(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True
    for handler in logging.getLogger().handlers:
        if _filter not in handler.filters:
            handler.addFilter(_filter)
    return _filter


def install_token_filter(token: str) -> TokenFilter:
    """Mask the bot token (and invite tokens) in every record from now on."""
    _filter.add(token, MASK)
    return install_log_masking()


def mask_secret(secret: str) -> None:
    """Mask a configured secret in every record from now on."""
    _filter.add(secret, CONFIGURED_MASK)
    install_log_masking()


def mask(text: str) -> str:
    """Mask secrets and invite tokens in `text` (for error messages shown outside logging)."""
    return _filter.mask(text)
