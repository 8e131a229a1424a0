"""PTB's AIORateLimiter, plus a few retries when the network between us and Telegram fails.

AIORateLimiter keeps to Telegram's overall and group limits and honours RetryAfter; it does
not retry a timeout or a 5xx, so one blip would lose a reply the user was waiting for. A
retried send may, rarely, arrive twice; a lost confirmation is worse.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)

JSON = bool | dict[str, Any] | list[Any]


class RetryingRateLimiter(AIORateLimiter):
    def __init__(
        self,
        *,
        network_retries: int = 3,
        backoff: float = 0.5,
        overall_max_rate: float = 30,
        group_max_rate: float = 20,
        max_retries: int = 3,
    ) -> None:
        super().__init__(
            overall_max_rate=overall_max_rate,
            group_max_rate=group_max_rate,
            max_retries=max_retries,
        )
        self.network_retries = network_retries
        self.backoff = backoff

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSON:
        attempt = 0
        while True:
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest:
                raise
            except NetworkError as exc:  # includes TimedOut and 5xx answers
                # getUpdates has PTB's own retry loop; other calls get ours
                if endpoint == "getUpdates" or attempt >= self.network_retries:
                    raise
                delay = self.backoff * 2**attempt
                attempt += 1
                log.warning("%s failed (%s); retry %d in %.1fs", endpoint, exc, attempt, delay)
                await asyncio.sleep(delay)
