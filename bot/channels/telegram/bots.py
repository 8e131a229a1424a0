"""Bot API clients made one way: the configured API URL, and the token masked in logs."""

from __future__ import annotations

import telegram

from bot.channels.telegram.app import api_urls
from bot.config import Settings
from bot.log_masking import install_token_filter


def make_bot(settings: Settings) -> telegram.Bot:
    """A Bot for `settings` (use it as `async with`); raises ConfigError without a token.

    The token filter is installed first, so no log line made by the client shows it.
    """
    token = settings.telegram.require_token()
    install_token_filter(token)
    base_url, base_file_url = api_urls(settings)
    return telegram.Bot(token, base_url=base_url, base_file_url=base_file_url)
