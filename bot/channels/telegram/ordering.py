"""Updates from one chat are handled one after another, in the order Telegram numbered
them; different chats still run side by side.

PTB hands each update to the processor in `update_id` order; each update of a chat waits
for the one before it to finish, network calls included, so a tap and the note typed
after it can never swap places.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_CONCURRENT = 256


class ChatOrderedProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT) -> None:
        super().__init__(max_concurrent_updates)
        self._last: dict[int, asyncio.Future[None]] = {}
        """Per chat, the latest update's "finished" signal; removed once the chat is idle."""

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = _chat_of(update)
        if chat is None:
            await coroutine
            return
        # Everything up to the first await runs in arrival order: that fixes the queue.
        before = self._last.get(chat)
        finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._last[chat] = finished
        try:
            if before is not None:
                await asyncio.shield(before)
            await coroutine
        finally:
            if asyncio.iscoroutine(coroutine):
                coroutine.close()  # not started: cancelled while waiting its turn
            finished.set_result(None)
            if self._last.get(chat) is finished:
                del self._last[chat]

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
