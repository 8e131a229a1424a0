"""Telegram's flood limits, as the Bot FAQ states them ("My bot is hitting limits, how do I
avoid this?"): in one chat, about one message per second, short bursts allowed; to a group,
20 messages per minute; and "if you're sending bulk notifications to multiple users, the
API will not allow more than 30 messages per second or so".

So replies in a private conversation share only their chat's limit, and the bot answers
people as fast as they tap (`RetryingRateLimiter`: PTB's AIORateLimiter with no overall
ceiling, the group limit kept, RetryAfter honoured, and a few retries when the network
fails). The bulk limit belongs to what the bot sends on its own, reminders and summaries,
which all go through the outbox and its `BroadcastLimiter`, whether `auditbot run` or the
command line sends them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)

JSON = bool | dict[str, Any] | list[Any]


BULK_PER_SECOND = 30
"""Telegram's limit on bulk notifications, messages per second."""


class RetryingRateLimiter(AIORateLimiter):
    """AIORateLimiter does not retry a timeout or a 5xx, so one blip would lose a reply the
    user was waiting for: this one retries those a few times. A retried send may, rarely,
    arrive twice; a lost confirmation is worse. No overall ceiling by default (replies;
    see the module's docstring); the group limit and RetryAfter are PTB's."""

    def __init__(
        self,
        *,
        network_retries: int = 3,
        backoff: float = 0.5,
        overall_max_rate: float = 0,
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


class BroadcastLimiter:
    """At most `max_rate` messages in any `period` seconds as Telegram receives them, with
    no burst at the start (aiolimiter's bucket, in AIORateLimiter, lets through twice the
    rate in the first second), and a pause for everyone when Telegram says to wait.

    Each message holds one of `max_rate` slots from before it is sent until `period`
    seconds after its answer came back. Telegram received it in between, so any `max_rate
    + 1` messages include two that arrived at least `period` apart, whatever the network's
    delays: no window of `period` seconds ever holds more than `max_rate`. A message costs
    its slot for `period` plus one round trip, so the rate reached is
    max_rate / (period + round trip), 29.4/s at 20 ms. Messages also start at least
    period / max_rate apart, evenly spread rather than in bursts.
    """

    def __init__(self, max_rate: int = BULK_PER_SECOND, period: float = 1.0) -> None:
        self.max_rate = max_rate
        self.period = period
        self._slots = asyncio.Semaphore(max_rate)
        self._resume_at = 0.0
        self._next_start = 0.0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold a slot while sending one message."""
        await self._slots.acquire()
        loop = asyncio.get_running_loop()
        try:
            # a pause, which a later 429 may extend while it runs
            while (wait := self._resume_at - loop.time()) > 0:  # noqa: ASYNC110
                await asyncio.sleep(wait)
            now = loop.time()
            start = max(now, self._next_start)
            self._next_start = start + self.period / self.max_rate
            if start > now:
                await asyncio.sleep(start - now)
            yield
        finally:
            loop.call_later(self.period, self._slots.release)

    def pause(self, seconds: float) -> None:
        """Send nothing for `seconds` (Telegram answered 429 with this retry_after)."""
        loop = asyncio.get_running_loop()
        self._resume_at = max(self._resume_at, loop.time() + seconds)
