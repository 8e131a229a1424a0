"""Updates from one chat are handled one after another, in the order Telegram numbered
them, and none is lost to a crash; different chats still run side by side.

PTB hands each update to the processor in `update_id` order; each update of a chat waits
for the one before it to finish, network calls included, so a tap and the note typed after
it can never swap places. PTB confirms a batch to Telegram as soon as it is fetched, so
each update is first written to the inbox and removed once handled: after a crash, the
next start handles what is left, in order (already-applied ones are recognised by their
update id and change nothing). The updates that arrive while one write to the inbox waits
for the database go together in the next, and so do the removals: on a busy bot, well under
one round trip to the database per update, where one transaction each took six. An update
is kept as Telegram sent it (`RawUpdates`), which costs a tenth of writing PTB's object
back out as JSON.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram import Bot, Update
from telegram.ext import BaseUpdateProcessor
from telegram.request import HTTPXRequest

from bot.channels.telegram.name import CHANNEL
from bot.clock import Clock, system_clock
from storage import Database, inbox

log = logging.getLogger(__name__)

MAX_CONCURRENT = 256
KEEP_FOR = timedelta(hours=24)
"""As long as Telegram itself keeps an update that nobody fetched."""
RAW_KEPT = 1000
"""Updates fetched and not yet in the inbox whose JSON `RawUpdates` holds (a batch of
getUpdates is at most 100)."""


class RawUpdates:
    """Each update's JSON as getUpdates returned it, from its arrival until it is kept in
    the inbox (`ChatOrderedProcessor`), so that it need not be written out again."""

    def __init__(self, most: int = RAW_KEPT) -> None:
        self.most = most
        self._json: OrderedDict[int, str] = OrderedDict()

    def add(self, payload: object) -> None:
        """Note the updates in a getUpdates answer (anything else is left alone)."""
        result = payload.get("result") if isinstance(payload, dict) else None
        if not isinstance(result, list):
            return
        for update in result:
            seq = update.get("update_id") if isinstance(update, dict) else None
            if isinstance(seq, int):
                self._json[seq] = json.dumps(update, ensure_ascii=False, separators=(",", ":"))
        while len(self._json) > self.most:
            self._json.popitem(last=False)

    def take(self, update: Update) -> str:
        """The update's JSON: as it arrived, or else (webhook, or it was dropped) written
        out from PTB's object."""
        found = self._json.pop(update.update_id, None)
        return found if found is not None else update.to_json()

    def drop(self, update: Update) -> None:
        self._json.pop(update.update_id, None)


class RawUpdatesRequest(HTTPXRequest):
    """The getUpdates connection (PTB's default for it: one connection), noting each update's
    JSON in `raw` as it is parsed (PTB's documented place to customise parsing)."""

    def __init__(self, raw: RawUpdates, connection_pool_size: int = 1) -> None:
        super().__init__(connection_pool_size=connection_pool_size)
        self.raw = raw

    # a static method in BaseRequest, which PTB calls on the instance (`self.parse_...`)
    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:  # type: ignore[override]
        parsed = super().parse_json_payload(payload)
        self.raw.add(parsed)
        return parsed


@dataclass
class _Arrivals:
    """Updates to keep in one statement, and the signal that they are kept."""

    updates: list[tuple[int, str]] = field(default_factory=list)
    kept: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class ChatOrderedProcessor(BaseUpdateProcessor):
    def __init__(
        self,
        db: Database,
        clock: Clock = system_clock,
        max_concurrent: int = MAX_CONCURRENT,
        raw: RawUpdates | None = None,
    ) -> None:
        super().__init__(max_concurrent)
        self.db = db
        self.clock = clock
        self.raw = raw or RawUpdates()
        """The updates' JSON as they arrived, filled by `RawUpdatesRequest`."""
        self._last: dict[int, asyncio.Future[None]] = {}
        """Per chat, the latest update's "finished" signal; removed once the chat is idle."""
        self._arriving: _Arrivals | None = None
        """Updates waiting to be kept, together, by `_keep_arrivals`."""
        self._done: list[int] = []
        """Handled updates still in the inbox, removed together by `_forget`."""
        self._forgetting: asyncio.Task[None] | None = None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = _chat_of(update)
        if chat is None or not isinstance(update, Update):
            if isinstance(update, Update):
                self.raw.drop(update)
            await coroutine
            return
        # Everything up to the first await runs in arrival order: that fixes the queue.
        before = self._last.get(chat)
        finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._last[chat] = finished
        try:
            await self._keep(update)
            if before is not None:
                await asyncio.shield(before)
            await coroutine
            self._handled(update)
        finally:
            if asyncio.iscoroutine(coroutine):
                coroutine.close()  # not started: cancelled while waiting its turn
            finished.set_result(None)
            if self._last.get(chat) is finished:
                del self._last[chat]

    async def unhandled(self, bot: Bot) -> list[Update]:
        """Updates received before the last stop but never handled, oldest first."""
        async with self.db.transaction() as conn:
            payloads = await inbox.unhandled(conn, CHANNEL, self.clock() - KEEP_FOR)
        if payloads:
            log.info("handling %d update(s) received before the last stop", len(payloads))
        return [Update.de_json(json.loads(payload), bot) for payload in payloads]

    async def _keep(self, update: Update) -> None:
        """Return once the update is in the inbox (committed)."""
        if _carries_invite(update):
            self.raw.drop(update)
            return  # only invite hashes are stored; a lost /start is simply tapped again
        arrivals = self._arriving
        if arrivals is None:
            arrivals = self._arriving = _Arrivals()
            asyncio.create_task(self._keep_arrivals(arrivals), name="inbox-keep")  # noqa: RUF006 - awaited through `kept`
        arrivals.updates.append((update.update_id, self.raw.take(update)))
        await asyncio.shield(arrivals.kept)

    async def _keep_arrivals(self, arrivals: _Arrivals) -> None:
        try:
            async with self.db.single() as conn:
                if self._arriving is arrivals:  # what arrived while waiting goes too
                    self._arriving = None
                await inbox.keep_all(conn, CHANNEL, arrivals.updates, self.clock())
        except Exception as exc:  # each of them fails, as it would have alone
            arrivals.kept.set_exception(exc)
        except BaseException:
            arrivals.kept.cancel()
            raise
        else:
            arrivals.kept.set_result(None)
        finally:
            if self._arriving is arrivals:
                self._arriving = None

    def _handled(self, update: Update) -> None:
        """Remove the update from the inbox soon; until then a restart would find it and
        recognise it as applied, as after a crash right after it was handled."""
        self._done.append(update.update_id)
        if self._forgetting is None or self._forgetting.done():
            self._forgetting = asyncio.create_task(self._forget(), name="inbox-forget")

    async def _forget(self) -> None:
        while self._done:
            seqs, self._done = self._done, []  # and any handled meanwhile, next time round
            try:
                async with self.db.single() as conn:
                    await inbox.handled_all(conn, CHANNEL, seqs)
            except Exception:  # they stay in the inbox: handled again (changing nothing)
                log.exception("could not remove %d handled update(s) from the inbox", len(seqs))

    @property
    def busy_chats(self) -> int:
        return len(self._last)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        if self._forgetting is not None and not self._forgetting.done():
            await self._forgetting  # the last removals, before the database closes


def _chat_of(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


def _carries_invite(update: Update) -> bool:
    text = update.message.text if update.message is not None else None
    return text is not None and text.startswith("/start") and len(text.split(maxsplit=1)) > 1
