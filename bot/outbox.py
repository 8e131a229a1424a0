"""Durable delivery: messages are written to the outbox first, then sent by a worker.

The worker leases due rows, hands each to the channel's `Deliverer`, and records the
outcome: sent; retried later with exponential backoff (or after Telegram's retry_after);
failed for good (visible in `auditbot outbox`); or, when the recipient blocked the bot,
failed and the contact marked unreachable. Being told to slow down (`RateLimited`) is never
a reason to give up. Messages to one chat are at least `chat_interval` seconds apart,
because Telegram allows about one per second per chat; the overall pace is each channel's
deliverer's (Telegram's: `BroadcastLimiter`).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol

from bot.clock import Clock, system_clock
from bot.config import Recipient
from bot.notice_forms import attach_form
from storage import Database, outbox, partnerships
from storage.outbox import NewMessage, OutboxRow

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A deliverer could not send a message; the subclass says what to do about it."""


class TemporaryFailure(DeliveryError):
    """Try again later (timeouts, 5xx, rate limits); `retry_after` is the server's wish."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class RateLimited(TemporaryFailure):
    """The server asked us to wait `retry_after` seconds (Telegram's 429): not the message's
    fault, so it never counts towards giving up on it."""

    def __init__(self, reason: str, retry_after: float) -> None:
        super().__init__(reason, retry_after)


class PermanentFailure(DeliveryError):
    """Sending again would fail the same way (bad request, unknown chat)."""


class RecipientBlocked(DeliveryError):
    """The recipient blocked the bot: stop writing to them."""


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """What a deliverer gets: where to, and the payload as written to the outbox.

    A message that goes out in several parts skips the first `parts_sent` (sent by an
    earlier try) and calls `part_sent` after each part, so a retry never repeats one.
    """

    id: int
    channel: str
    recipient: str
    kind: str
    payload: Mapping[str, Any]
    attempt: int
    parts_sent: int = 0
    part_sent: Callable[[int], Awaitable[None]] | None = None


class Deliverer(Protocol):
    async def deliver(self, message: OutboxMessage) -> None: ...


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 6
    base_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=2)

    def delay(self, attempts: int, retry_after: float | None = None) -> timedelta:
        """Wait after the `attempts`-th failure: 30s, 1m, 2m, ... or the server's retry_after."""
        backoff = min(self.base_delay * (1 << min(max(attempts - 1, 0), 30)), self.max_delay)
        if retry_after is not None:
            return max(timedelta(seconds=retry_after), timedelta(0))
        return backoff


@dataclass
class DrainResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    blocked: int = 0

    @property
    def claimed(self) -> int:
        return self.sent + self.retried + self.failed + self.blocked


# --- payloads -------------------------------------------------------------------------


def document_bytes(payload: Mapping[str, Any]) -> bytes | None:
    """The file in a payload queued before notices existed."""
    document = payload.get("document") or {}
    data = document.get("base64")
    return base64.b64decode(data) if data is not None else None


async def enqueue_la(
    db: Database,
    recipients: Sequence[Recipient],
    kind: str,
    key: str,
    payloads: Sequence[dict[str, Any]],
    now: datetime,
    round_id: int | None = None,
    slot: str | None = None,
) -> int:
    """Queue messages (e.g. the summary) to every LA recipient, once per `key`.

    `key` names the occasion, e.g. "r3:2026-11-30"; returns how many rows were new. A
    recipient who already has the key's first part gets nothing more, so a second call whose
    content has grown cannot add stray parts. `slot` is recorded on every row.
    """
    new = 0
    async with db.transaction() as conn:
        for recipient in recipients:
            if payloads and await outbox.exists(conn, la_dedupe_key(kind, key, recipient, 0)):
                continue
            for index, payload in enumerate(payloads):
                message = NewMessage(
                    dedupe_key=la_dedupe_key(kind, key, recipient, index),
                    channel=recipient.channel,
                    recipient=recipient.address,
                    kind=kind,
                    payload=payload,
                    round_id=round_id,
                    slot=slot,
                )
                new += await outbox.enqueue(conn, message, now)
    return new


def la_dedupe_key(kind: str, key: str, recipient: Recipient, part: int) -> str:
    """(kind, occasion, recipient, part): one row per part of a message set per recipient."""
    return f"{kind}:{key}:{recipient.channel}:{recipient.address}:{part}"


# --- the worker -----------------------------------------------------------------------


@dataclass
class OutboxWorker:
    """Sends what is due. Safe to run often and concurrently: rows are leased atomically."""

    db: Database
    deliverers: Mapping[str, Deliverer]
    clock: Clock = system_clock
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    chat_interval: float = 1.0
    batch: int = 100
    concurrency: int = 8
    lease: timedelta = timedelta(minutes=5)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    monotonic: Callable[[], float] = time.monotonic
    _last_sent: dict[tuple[str, str], float] = field(default_factory=dict, init=False)
    _chat_locks: dict[tuple[str, str], asyncio.Lock] = field(default_factory=dict, init=False)
    _stopping: bool = field(default=False, init=False)

    def stop(self) -> None:
        """Send nothing more: a send under way finishes, the rest wait for the next start."""
        self._stopping = True

    async def run_once(self) -> DrainResult:
        """Deliver every row due now (in batches), then return what happened.

        On `stop` (or cancellation) the rows claimed but not sent are released, so they are
        due at once at the next start and are never failed for it.
        """
        result = DrainResult()
        while not self._stopping:
            now = self.clock()
            lease_until = now + self.lease
            async with self.db.transaction() as conn:
                rows = await outbox.claim_due(
                    conn, now, lease_until, self.batch, tuple(self.deliverers)
                )
            if not rows:
                return result
            groups: dict[tuple[str, str], list[OutboxRow]] = {}
            for row in rows:
                groups.setdefault((row.channel, row.recipient), []).append(row)
            gate = asyncio.Semaphore(self.concurrency)
            done: set[int] = set()

            async def send_group(
                group: list[OutboxRow], gate: asyncio.Semaphore = gate, done: set[int] = done
            ) -> None:
                async with gate:
                    for row in group:
                        if await self._send(row, result):
                            done.add(row.id)

            try:
                await asyncio.gather(*(send_group(g) for g in groups.values()))
            finally:
                left = [row.id for row in rows if row.id not in done]
                if left:
                    async with self.db.transaction() as conn:
                        await outbox.release(conn, left, lease_until)
        return result

    async def _send(self, row: OutboxRow, result: DrainResult) -> bool:
        """Send one row and record the outcome; False if stopping left it unsent."""
        key = (row.channel, row.recipient)
        lock = self._chat_locks.setdefault(key, asyncio.Lock())
        async with lock:
            last = self._last_sent.get(key)
            if last is not None:
                wait = last + self.chat_interval - self.monotonic()
                if wait > 0 and not self._stopping:
                    await self.sleep(wait)
            if self._stopping:
                return False
            message = OutboxMessage(
                id=row.id,
                channel=row.channel,
                recipient=row.recipient,
                kind=row.kind,
                payload=row.payload,
                attempt=row.attempts,
                parts_sent=row.parts_sent,
                part_sent=partial(self._part_sent, row.id),
            )
            try:
                payload = await attach_form(self.db, row.payload, self.clock())
                await self.deliverers[row.channel].deliver(replace(message, payload=payload))
            except RecipientBlocked as exc:
                await self._blocked(row, str(exc) or "recipient blocked the bot")
                result.blocked += 1
            except PermanentFailure as exc:
                await self._fail(row, f"permanent: {exc}")
                result.failed += 1
            except TemporaryFailure as exc:
                limited = isinstance(exc, RateLimited)
                if await self._retry_or_fail(row, str(exc), exc.retry_after, give_up=not limited):
                    result.retried += 1
                else:
                    result.failed += 1
            except Exception as exc:  # a bug in a deliverer must not lose the message
                log.exception("deliverer crashed on outbox row %s", row.id)
                if await self._retry_or_fail(row, f"{type(exc).__name__}: {exc}", None):
                    result.retried += 1
                else:
                    result.failed += 1
            else:
                async with self.db.transaction() as conn:
                    await outbox.mark_sent(conn, row.id, self.clock())
                result.sent += 1
            finally:
                self._last_sent[key] = self.monotonic()
            return True

    async def _part_sent(self, row_id: int, parts: int) -> None:
        async with self.db.transaction() as conn:
            await outbox.mark_part_sent(conn, row_id, parts)

    async def _retry_or_fail(
        self, row: OutboxRow, error: str, retry_after: float | None, give_up: bool = True
    ) -> bool:
        if give_up and row.attempts >= self.retry.max_attempts:
            await self._fail(row, f"gave up after {row.attempts} attempts: {error}")
            return False
        when = self.clock() + self.retry.delay(row.attempts, retry_after)
        async with self.db.transaction() as conn:
            await outbox.reschedule(conn, row.id, when, error)
        log.info("outbox row %s: %s; retrying at %s", row.id, error, when.isoformat())
        return True

    async def _fail(self, row: OutboxRow, error: str) -> None:
        log.warning("outbox row %s failed: %s", row.id, error)
        async with self.db.transaction() as conn:
            await outbox.mark_failed(conn, row.id, error)

    async def _blocked(self, row: OutboxRow, error: str) -> None:
        log.warning("outbox row %s: %s; not writing to %s again", row.id, error, row.recipient)
        async with self.db.transaction() as conn:
            await outbox.mark_failed(conn, row.id, f"blocked: {error}")
            await outbox.fail_pending_for(conn, row.channel, row.recipient, f"blocked: {error}")
            await partnerships.mark_unreachable(conn, row.channel, row.recipient, self.clock())
