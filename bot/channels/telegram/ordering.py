"""Updates from one chat are handled one after another, in the order Telegram numbered
them, and none is lost to a crash; different chats still run side by side.

PTB hands each update to the processor in `update_id` order; each update of a chat waits
for the one before it to finish, network calls included, so a tap and the note typed after
it can never swap places. PTB confirms a batch to Telegram as soon as it is fetched, so
each update is first written to the inbox and removed once handled: after a crash, the
next start handles what is left, in order (already-applied ones are recognised by their
update id and change nothing).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any

from telegram import Bot, Update
from telegram.ext import BaseUpdateProcessor

from bot.channels.telegram.name import CHANNEL
from bot.clock import Clock, system_clock
from storage import Database, inbox

log = logging.getLogger(__name__)

MAX_CONCURRENT = 256
KEEP_FOR = timedelta(hours=24)
"""As long as Telegram itself keeps an update that nobody fetched."""


class ChatOrderedProcessor(BaseUpdateProcessor):
    def __init__(
        self, db: Database, clock: Clock = system_clock, max_concurrent: int = MAX_CONCURRENT
    ) -> None:
        super().__init__(max_concurrent)
        self.db = db
        self.clock = clock
        self._last: dict[int, asyncio.Future[None]] = {}
        """Per chat, the latest update's "finished" signal; removed once the chat is idle."""

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = _chat_of(update)
        if chat is None or not isinstance(update, Update):
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
            await self._handled(update)
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
        if _carries_invite(update):
            return  # only invite hashes are stored; a lost /start is simply tapped again
        async with self.db.transaction() as conn:
            await inbox.keep(conn, CHANNEL, update.update_id, update.to_json(), self.clock())

    async def _handled(self, update: Update) -> None:
        async with self.db.transaction() as conn:
            await inbox.handled(conn, CHANNEL, update.update_id)

    @property
    def busy_chats(self) -> int:
        return len(self._last)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def _chat_of(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


def _carries_invite(update: Update) -> bool:
    text = update.message.text if update.message is not None else None
    return text is not None and text.startswith("/start") and len(text.split(maxsplit=1)) > 1
