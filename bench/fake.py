"""The fake Bot API of the tests (tests/fake_bot_api.py), made fast enough to load test
against, with the leads who answer through it.

The test fake wakes every waiter on every call and polls for updates every 10 ms; here
getUpdates and each lead wait on their own event instead, so the fake's process stays far
from a full core (the tables print how busy it was). Everything the fake checks (Telegram's
HTML subset, lengths, callback data, flood limits) it still checks.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from bot.questionnaire import load_questionnaire
from tests.fake_bot_api import BotMessage, Call, FakeBotApi, FakeUser, RateLimit

LAST_QUESTION = load_questionnaire()[0].items[-1].id
SENDS = ("sendMessage", "sendDocument", "editMessageText", "editMessageReplyMarkup")


@dataclass
class Sent:
    at: float
    method: str
    chat_id: int


class BenchApi(FakeBotApi):
    """The test fake with event-driven waiting, a log of every admitted send, and
    optionally Telegram's limits applied only to messages that are not replies.

    `conversation` seconds: a message to a chat whose user wrote to the bot that recently is
    a reply, which Telegram limits per chat only (Bot FAQ: about one message per second in a
    chat, short bursts allowed); any other message is a bulk notification and counts
    towards the overall limit ("not more than 30 messages per second or so")."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[Sent] = []
        self._arrived = asyncio.Event()
        self._chat_events: dict[int, asyncio.Event] = {}
        self._last_from_user: dict[int, float] = {}
        self.conversation: float | None = None
        self.first_get_updates: float | None = None
        self.reminders: list[Sent] = []
        """Messages with a reminder's snooze buttons."""

    # -- waiting -----------------------------------------------------------------------

    def chat_event(self, chat_id: int) -> asyncio.Event:
        return self._chat_events.setdefault(chat_id, asyncio.Event())

    def _chat_changed(self, chat_id: int) -> None:
        event = self._chat_events.get(chat_id)
        if event is not None:
            event.set()

    async def _notify(self) -> None:
        """Nobody waits on the shared condition here (see `chat_event`)."""

    def push(self, payload: dict[str, Any]) -> dict[str, Any]:
        update = super().push(payload)
        body = payload.get("message") or payload.get("callback_query") or {}
        sender = (body.get("from") or {}).get("id")
        if isinstance(sender, int):
            self._last_from_user[sender] = time.monotonic()
        self._arrived.set()
        return update

    async def stop(self) -> None:
        """Answer a long poll still waiting at once, rather than keep the shutdown waiting."""
        self._arrived.set()
        await super().stop()

    async def _m_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.first_get_updates is None:
            self.first_get_updates = time.monotonic()
        offset = int(params.get("offset") or 0)
        if offset:
            self.confirmed_offset = max(self.confirmed_offset, offset)
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        timeout = float(params.get("timeout") or 0)
        if not self.pending and timeout > 0:
            self._arrived.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), timeout)
        return self.pending[: int(params.get("limit") or 100)]

    # -- sends -------------------------------------------------------------------------

    def _throttle(self, call: Call) -> None:
        if self.conversation is None or self.limits is None or call.method not in SENDS:
            super()._throttle(call)
            return
        chat_id = call.params.get("chat_id")
        chat = chat_id if isinstance(chat_id, int) else None
        last = self._last_from_user.get(chat) if chat is not None else None
        replying = last is not None and time.monotonic() - last < self.conversation
        if not replying:
            super()._throttle(call)

    def _log(self, method: str, chat_id: int) -> None:
        self.sent.append(Sent(time.monotonic(), method, chat_id))
        self._chat_changed(chat_id)

    async def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        result = await super()._m_sendMessage(params)
        self._log("sendMessage", int(params["chat_id"]))
        if is_reminder(params):
            self.reminders.append(self.sent[-1])
        return result

    def reminder_attempts(self) -> list[float]:
        """When the bot tried to send a reminder, whether the fake took it or answered 429."""
        return [c.at for c in self.calls if c.method == "sendMessage" and is_reminder(c.params)]

    async def _m_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        result = await super()._m_sendDocument(params)
        self._log("sendDocument", int(params["chat_id"]))
        return result

    async def _m_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        result = await super()._m_editMessageText(params)
        self._log("editMessageText", int(params["chat_id"]))
        return result

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        result = await super()._m_editMessageReplyMarkup(params)
        self._log("editMessageReplyMarkup", int(params["chat_id"]))
        return result

    def enforce(self, per_chat: float, overall: float, conversation: float | None) -> None:
        """Answer 429 with retry_after beyond these rates, as Telegram does; with
        `conversation`, replies count towards the per-chat limit only."""
        self.rate_limit(per_chat, overall)
        self.conversation = conversation

    def reset_log(self) -> None:
        self.sent.clear()
        self.reminders.clear()
        self.throttled.clear()
        self.calls.clear()
        if self.limits is not None:
            self.limits = RateLimit(
                self.limits.per_chat,
                self.limits.overall,
                self.limits.chat_window,
                self.limits.overall_window,
            )


def is_reminder(params: dict[str, Any]) -> bool:
    """A message with a reminder's snooze buttons."""
    markup = params.get("reply_markup") or {}
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    return any(str(b.get("callback_data", "")).startswith("z1|") for row in rows for b in row)


def busiest_second(times: list[float], window: float = 1.0) -> int:
    """The most sends in any `window` seconds (half-open, as the fake counts)."""
    best = 0
    recent: deque[float] = deque()
    for at in sorted(times):
        recent.append(at)
        while recent[0] <= at - window:
            recent.popleft()
        best = max(best, len(recent))
    return best


# -- leads -----------------------------------------------------------------------------


def _ops(message: BotMessage) -> list[tuple[str, str]]:
    """(op, data) of each audit button: op "c" choose, "n" next, "s" skip, ..."""
    found = []
    for _, data in message.buttons:
        parts = data.split("|")
        if len(parts) >= 2:
            found.append((parts[1], data))
    return found


def _actionable(user: FakeUser) -> BotMessage | None:
    """The latest message the lead can answer: a question, or the offer of a note."""
    for message in reversed(user.messages):
        if any(op in ("c", "n") for op, _ in _ops(message)):
            return message
    return None


@dataclass
class Lead:
    """A partnership lead in one private chat: taps the first choice of each question (one
    tap answers and moves on), and waits for the bot's answer before tapping again (a
    closed loop)."""

    api: BenchApi
    user: FakeUser
    latencies: list[tuple[float, float]] = field(default_factory=list)
    """(when the tap was sent, seconds until the bot had answered it)."""
    stop: bool = False
    unanswered: int = 0
    """Taps the bot never answered (the lead stops at the first)."""

    @classmethod
    def join(cls, api: BenchApi, user_id: int) -> Lead:
        return cls(api, api.user(user_id, f"Lead {user_id}"))

    async def start(self, within: float = 120) -> None:
        """Send /start and wait for the first question."""
        event = self.api.chat_event(self.user.chat_id)
        event.clear()
        await self.user.send("/start", settle=False)
        await self._until(lambda: _actionable(self.user) is not None, event, within)

    async def tap(self, within: float = 30) -> bool:
        """Answer what is on screen; False once there is nothing left to answer."""
        message = _actionable(self.user)
        if message is None:
            return False
        ops = dict(reversed(_ops(message)))  # the first button of each op
        data = ops.get("n") or ops["c"]
        if data.split("|")[2] == LAST_QUESTION:
            return False  # the end of the audit: nothing more to tap through
        before = (message.message_id, message.edits)
        event = self.api.chat_event(self.user.chat_id)
        event.clear()
        began = time.monotonic()
        await self.user.click_data(data, message, settle=False)

        def answered() -> bool:
            now = _actionable(self.user)
            return now is not None and (now.message_id, now.edits) != before

        try:
            await self._until(answered, event, within)
        except TimeoutError:
            self.unanswered += 1
            return False
        self.latencies.append((began, time.monotonic() - began))
        return True

    async def _until(self, done: Any, event: asyncio.Event, within: float) -> None:
        deadline = time.monotonic() + within
        while not done():
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"chat {self.user.chat_id}: the bot did not answer")
            with suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), left)
            event.clear()

    async def answer_for(self, seconds: float, think: float = 0.0) -> None:
        """Tap for `seconds` (closed loop), pausing `think` seconds after each answer."""
        end = time.monotonic() + seconds
        while time.monotonic() < end and not self.stop and await self.tap():
            if think:
                await asyncio.sleep(think)
