"""Bot API clients made one way: the configured API URL, and the token masked in logs."""

from __future__ import annotations

import telegram
from telegram.request import HTTPXRequest

from bot.channels.telegram.app import api_urls
from bot.config import Settings
from bot.log_masking import install_token_filter
from bot.outbox import OutboxWorker

SEND_CONNECTIONS = OutboxWorker.concurrency
"""Connections for sending: one per message the outbox worker sends at a time, so that
parallel sends never wait for each other's connection (the pool timeout is PTB's 1 s)."""


def make_bot(settings: Settings) -> telegram.Bot:
    """A Bot for `settings` (use it as `async with`); raises ConfigError without a token.

    The token filter is installed first, so no log line made by the client shows it. Sends
    share a pool of `SEND_CONNECTIONS`; getUpdates keeps PTB's own one-connection request,
    so a long poll never holds a sending connection.
    """
    token = settings.telegram.require_token()
    install_token_filter(token)
    base_url, base_file_url = api_urls(settings)
    return telegram.Bot(
        token,
        base_url=base_url,
        base_file_url=base_file_url,
        request=HTTPXRequest(connection_pool_size=SEND_CONNECTIONS),
        get_updates_request=HTTPXRequest(connection_pool_size=1),
    )
