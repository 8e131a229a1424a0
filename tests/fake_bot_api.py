"""A local fake Telegram Bot API on aiohttp, and a user that talks to the bot through it.

The real PTB Application connects to it through TELEGRAM_API_URL. Tests read like a user:
``await alice.send("/start TOKEN")``, ``await alice.click("Yes")``,
``(await alice.last_message()).text``. Every request the bot makes is recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "123456789:AAF-test-token_ABCDEFGHIJKLMNOPQRSTUV"
BOT_ID = 123456789
BOT_USERNAME = "partnership_audit_test_bot"
JSON_FIELDS = {"reply_markup", "entities", "allowed_updates", "commands", "link_preview_options"}
INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "user_id"}
_TAG = re.compile(r"<[^>]+>")


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


@dataclass
class BotMessage:
    chat_id: int
    message_id: int
    html: str
    reply_markup: dict[str, Any] | None = None
    document: bytes | None = None
    filename: str | None = None
    edits: int = 0

    @property
    def text(self) -> str:
        """The text as the user reads it: tags removed, entities decoded."""
        return html.unescape(_TAG.sub("", self.html))

    @property
    def buttons(self) -> list[tuple[str, str]]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]

    def as_dict(self, chat: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Audit", "username": BOT_USERNAME},
        }
        if self.document is not None:
            data["document"] = {
                "file_id": f"doc{self.message_id}",
                "file_unique_id": f"u{self.message_id}",
            }
            if self.html:
                data["caption"] = self.html
        else:
            data["text"] = self.html
        if self.reply_markup:
            data["reply_markup"] = self.reply_markup
        return data


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


class FakeBotApi:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.pending: list[dict[str, Any]] = []
        self.messages: dict[int, list[BotMessage]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.callback_answers: dict[str, str | None] = {}
        self.confirmed_offset = 0
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""
        self.fail_next: list[ApiError] = []
        self.delay: Callable[[str], float] = lambda method: 0.0
        """Seconds to wait before answering a call of this method: a slow network."""
        self.refuse_edits = False
        """Answer every edit as Telegram does for a message too old or deleted."""
        self.pushed: Counter[int] = Counter()
        self.handled: Counter[int] = Counter()
        """Per update_id: how often it was delivered, and how often the bot finished it
        (the harness counts the latter with a last-group handler)."""

    # -- server --------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", request.path)
        if match is None:
            return _error(404, "Not Found")
        token, method = match.groups()
        if token != self.token:
            return _error(401, "Unauthorized")
        params = await _params(request)
        self.calls.append(Call(method, params))
        if method != "getUpdates" and (pause := self.delay(method)) > 0:
            await asyncio.sleep(pause)
        try:
            if self.fail_next and method != "getUpdates":
                raise self.fail_next.pop(0)
            handler = getattr(self, f"_m_{method}", None)
            if handler is None:
                raise ApiError(400, f"Bad Request: method {method} is not implemented")
            result = await handler(params)
        except ApiError as exc:
            response = _error(exc.code, exc.description, exc.retry_after)
        else:
            response = web.json_response({"ok": True, "result": result})
        await self._notify()
        return response

    async def mark_handled(self, update_id: int) -> None:
        self.handled[update_id] += 1
        await self._notify()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_until(self, predicate: Callable[[], bool], within: float = 5) -> None:
        async def waiting() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        await asyncio.wait_for(waiting(), within)

    # -- methods -------------------------------------------------------------------

    async def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Audit",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _m_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        if offset:
            self.confirmed_offset = max(self.confirmed_offset, offset)
            self.pending = [u for u in self.pending if u["update_id"] >= offset or u.get("_again")]
        await self._notify()
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        while not self.pending and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        batch = self.pending[: int(params.get("limit") or 100)]
        for update in batch:
            if update.pop("_again", False):
                self.pending.remove(update)
        return batch

    async def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        if len(params["text"]) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        message = BotMessage(chat_id, next(self._message_ids), params["text"], _markup(params))
        self.messages.setdefault(chat_id, []).append(message)
        return message.as_dict(self._chat(chat_id))

    async def _m_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        document = params["document"]
        message = BotMessage(
            chat_id,
            next(self._message_ids),
            params.get("caption", ""),
            _markup(params),
            document=document.file.read() if hasattr(document, "file") else b"",
            filename=getattr(document, "filename", None),
        )
        self.messages.setdefault(chat_id, []).append(message)
        return message.as_dict(self._chat(chat_id))

    async def _m_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.refuse_edits:
            raise ApiError(400, "Bad Request: message can't be edited")
        message = self._find(params)
        markup = _markup(params)
        if message.html == params["text"] and message.reply_markup == markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and"
                " reply markup are exactly the same",
            )
        message.html, message.reply_markup = params["text"], markup
        message.edits += 1
        return message.as_dict(self._chat(message.chat_id))

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.refuse_edits:
            raise ApiError(400, "Bad Request: message can't be edited")
        message = self._find(params)
        markup = _markup(params)
        if message.reply_markup == markup:
            raise ApiError(400, "Bad Request: message is not modified")
        message.reply_markup = markup
        message.edits += 1
        return message.as_dict(self._chat(message.chat_id))

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        query_id = str(params["callback_query_id"])
        if query_id in self.callback_answers:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.callback_answers[query_id] = params.get("text")
        return True

    async def _m_setMyCommands(self, params: dict[str, Any]) -> bool:
        return True

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> bool:
        return True

    async def _m_setWebhook(self, params: dict[str, Any]) -> bool:
        return True

    async def _m_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending),
        }

    async def _m_logOut(self, params: dict[str, Any]) -> bool:
        return True

    async def _m_close(self, params: dict[str, Any]) -> bool:
        return True

    def _find(self, params: dict[str, Any]) -> BotMessage:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        for message in self.messages.get(chat_id, []):
            if message.message_id == message_id:
                return message
        raise ApiError(400, "Bad Request: message to edit not found")

    def _chat(self, chat_id: int) -> dict[str, Any]:
        return self.chats.get(chat_id, {"id": chat_id, "type": "private", "first_name": "User"})

    # -- acting as users -----------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "User",
        chat_type: str = "private",
        chat_id: int | None = None,
    ) -> FakeUser:
        chat_id = user_id if chat_id is None else chat_id
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = first_name
        else:
            chat["title"] = "A group"
        self.chats[chat_id] = chat
        return FakeUser(self, {"id": user_id, "is_bot": False, "first_name": first_name}, chat)

    def push(self, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **payload}
        self.pending.append(update)
        self.pushed[update["update_id"]] += 1
        return update

    def push_together(self, *payloads: dict[str, Any]) -> list[dict[str, Any]]:
        """Queue several updates at once, so that one getUpdates answer carries them all."""
        return [self.push(payload) for payload in payloads]

    def deliver_again(self, update: dict[str, Any]) -> None:
        """Deliver an update again with the same update_id, as Telegram may after a crash."""
        self.pending.append({**json.loads(json.dumps(update)), "_again": True})
        self.pushed[update["update_id"]] += 1

    def requests(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]


class FakeUser:
    """A Telegram user in one chat, as the tests see them."""

    def __init__(self, api: FakeBotApi, user: dict[str, Any], chat: dict[str, Any]) -> None:
        self.api = api
        self.user = user
        self.chat = chat
        self.chat_id: int = chat["id"]
        self._message_ids = itertools.count(1)
        self.last_update: dict[str, Any] | None = None

    @property
    def messages(self) -> list[BotMessage]:
        return self.api.messages.get(self.chat_id, [])

    async def send(self, text: str, settle: bool = True, date: int | None = None) -> dict[str, Any]:
        return await self._push(self.text_update(text, date), settle)

    def text_update(self, text: str, date: int | None = None) -> dict[str, Any]:
        """A message update, not yet delivered; `date` is when it was sent (Unix time)."""
        message: dict[str, Any] = self._message()
        message["text"] = text
        if date is not None:
            message["date"] = date
        if text.startswith("/"):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        return {"message": message}

    def tap_update(self, label: str, message: BotMessage) -> dict[str, Any]:
        """A button tap on `message`, not yet delivered."""
        for text, data in message.buttons:
            if text == label or text.removeprefix("✓ ") == label:
                return self._query(data, message)
        raise AssertionError(f"no button {label!r} on {message.text!r}")

    async def settle_all(self, updates: list[dict[str, Any]], within: float = 10) -> None:
        """Wait until the bot has finished every one of these updates."""
        api = self.api
        ids = [u["update_id"] for u in updates]
        await api.wait_until(lambda: all(api.handled[i] >= api.pushed[i] for i in ids), within)

    async def send_sticker(self) -> dict[str, Any]:
        message = self._message()
        message["sticker"] = {
            "file_id": "sticker1",
            "file_unique_id": "s1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return await self._push({"message": message}, True)

    async def click(
        self, label: str, message: BotMessage | None = None, settle: bool = True
    ) -> dict[str, Any]:
        """Tap the button with this label on `message`, or on the latest message that has it."""
        candidates = [message] if message is not None else list(reversed(self.messages))
        for candidate in candidates:
            for text, data in candidate.buttons:
                if text == label or text.removeprefix("✓ ") == label:
                    return await self.click_data(data, candidate, settle)
        latest = self.messages[-1].buttons if self.messages else None
        raise AssertionError(f"no button {label!r}; latest buttons: {latest}")

    async def click_data(
        self, data: str, message: BotMessage, settle: bool = True
    ) -> dict[str, Any]:
        return await self._push(self._query(data, message), settle)

    def _query(self, data: str, message: BotMessage) -> dict[str, Any]:
        query = {
            "id": f"q{next(self.api._update_ids)}",
            "from": self.user,
            "chat_instance": f"ci{self.chat_id}",
            "data": data,
            "message": message.as_dict(self.chat),
        }
        return {"callback_query": query}

    def _message(self) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids) + 100000,
            "date": int(time.time()),
            "chat": self.chat,
            "from": self.user,
        }

    async def _push(self, payload: dict[str, Any], settle: bool) -> dict[str, Any]:
        before = len(self.api.calls)
        update = self.api.push(payload)
        self.last_update = update
        await self.api._notify()
        if settle:
            await self.settle(update["update_id"], before)
        return update

    async def settle(
        self, update_id: int, before: int, expect_reply: bool = True, within: float = 5
    ) -> None:
        """Wait until the bot has finished handling every delivery of the update."""
        api = self.api
        await api.wait_until(lambda: api.handled[update_id] >= api.pushed[update_id], within)
        if expect_reply and not any(c.method != "getUpdates" for c in api.calls[before:]):
            raise AssertionError("the bot did not answer")

    async def last_message(self) -> BotMessage:
        await self.api.wait_until(lambda: bool(self.messages))
        return self.messages[-1]

    async def wait_for_text(self, fragment: str, within: float = 5) -> BotMessage:
        def found() -> bool:
            return any(fragment in m.text for m in self.messages)

        await self.api.wait_until(found, within)
        return next(m for m in reversed(self.messages) if fragment in m.text)

    def texts(self) -> list[str]:
        return [m.text for m in self.messages]


def _markup(params: dict[str, Any]) -> dict[str, Any] | None:
    markup = params.get("reply_markup")
    if not markup or not markup.get("inline_keyboard"):
        return None
    return markup


def _error(code: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=code)


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        raw: dict[str, Any] = await request.json()
    elif request.method == "GET":
        raw = dict(request.query)
    else:
        raw = dict(await request.post())
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str) and key in JSON_FIELDS:
            value = json.loads(value)
        elif isinstance(value, str) and key in INT_FIELDS:
            with contextlib.suppress(ValueError):
                value = int(value)
        params[key] = value
    return params
