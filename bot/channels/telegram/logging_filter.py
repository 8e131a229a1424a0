"""Keeps the bot token out of every log line: httpx and PTB log request URLs containing it."""

from __future__ import annotations

import logging

MASK = "<TOKEN>"


class TokenFilter(logging.Filter):
    """Replaces the token in a record's message, arguments and traceback text."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def mask(self, text: str) -> str:
        return text.replace(self.token, MASK) if self.token else text

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


_installed: dict[str, TokenFilter] = {}


def install_token_filter(token: str) -> TokenFilter:
    """Mask `token` in every record created from now on, whichever handler writes it.

    A filter on a logger misses records from its children, and handlers come and go, so
    the filter runs in the record factory: every record is masked as it is made.
    """
    if token in _installed:
        return _installed[token]
    token_filter = TokenFilter(token)
    previous = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        token_filter.filter(record)
        return record

    logging.setLogRecordFactory(factory)
    for handler in logging.getLogger().handlers:
        handler.addFilter(token_filter)
    _installed[token] = token_filter
    return token_filter


def mask(text: str) -> str:
    """Mask every installed token in `text` (for error messages shown outside logging)."""
    for token_filter in _installed.values():
        text = token_filter.mask(text)
    return text
