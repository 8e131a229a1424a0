"""A local fake Telegram Bot API on aiohttp, and a user that talks to the bot through it.

The real PTB Application connects to it through TELEGRAM_API_URL. Tests read like a user:
``await alice.send("/start TOKEN")``, ``await alice.click("Yes")``,
``(await alice.last_message()).text``. Every request the bot makes is recorded.

It refuses what Telegram refuses, with Telegram's descriptions, so that a message the real
Telegram would bounce fails the test instead: HTML outside Telegram's subset, text or
captions too long or empty, bad callback data, long callback answers; and, when a test
turns it on, sending faster than Telegram's flood limits (429 with retry_after).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import re
import sys
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

from aiohttp import web

TOKEN = "123456789:AAF-test-token_ABCDEFGHIJKLMNOPQRSTUV"
BOT_ID = 123456789
BOT_USERNAME = "partnership_audit_test_bot"
JSON_FIELDS = {"reply_markup", "entities", "allowed_updates", "commands", "link_preview_options"}
INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "user_id"}

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_DOCUMENT = 50_000_000
"""Telegram takes files of "up to 50 MB" from bots (sendDocument); refused above with 413."""
MAX_CALLBACK_ANSWER = 200
MAX_CALLBACK_DATA = 64
MAX_DESCRIPTION = 512
MAX_SHORT_DESCRIPTION = 120
"""Telegram's limits; text lengths count characters (code points) after entity parsing."""
RATE_LIMITED = frozenset(
    {"sendMessage", "sendDocument", "editMessageText", "editMessageReplyMarkup"}
)
"""The methods that count towards the opt-in flood limits."""

TAGS = frozenset(
    {
        *("b", "strong", "i", "em", "u", "ins", "s", "strike", "del"),
        *("span", "tg-spoiler", "a", "tg-emoji", "code", "pre", "blockquote"),
    }
)
"""Telegram's HTML tags (span only as class="tg-spoiler"; unknown attributes are ignored)."""
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_NAMED = re.compile(r"&([A-Za-z]+)(;?)")
_NUMERIC = re.compile(r"&#(?:([0-9]{1,10})|[xX]([0-9A-Fa-f]{1,8}));?")
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.-]*")
_SPACE = " \t\n\r\f\v"


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
    """The text (or caption) as the bot sent it: HTML unless `parse_mode` says otherwise."""
    reply_markup: dict[str, Any] | None = None
    document: bytes | None = None
    filename: str | None = None
    edits: int = 0
    parse_mode: str | None = "HTML"

    @property
    def text(self) -> str:
        """The text as the user reads it: tags removed, entities decoded, ends trimmed."""
        return visible_text(self.html, self.parse_mode)

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
            if self.text:
                data["caption"] = self.text
        else:
            data["text"] = self.text
        if self.reply_markup:
            data["reply_markup"] = self.reply_markup
        return data


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


def parse_html(text: str) -> str:
    """The text Telegram shows for `text` sent with parse_mode=HTML, or ApiError 400.

    Follows the parser of Telegram's own library (tdlib), and its messages. Stricter in one
    way: an unknown named entity such as ``&nbsp;`` is refused (Telegram shows it as typed,
    which is never what the bot meant).
    """
    out: list[str] = []
    stack: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "&":
            decoded, i = _entity(text, i)
            out.append(decoded)
            continue
        if char != "<":
            out.append(char)
            i += 1
            continue
        begin = i
        if text.startswith("</", i):
            i = _end_tag(text, i, stack)
            continue
        i += 1
        while i < n and text[i] not in _SPACE and text[i] != ">":
            i += 1
        if i >= n:
            _refuse(f"Unclosed start tag at byte offset {_offset(text, begin)}")
        name = text[begin + 1 : i].lower()
        if name not in TAGS:
            _refuse(f'Unsupported start tag "{name}" at byte offset {_offset(text, begin)}')
        attributes, i = _attributes(text, i, name, begin)
        if name == "span" and attributes.get("class") != "tg-spoiler":
            _refuse('Tag "span" must have class "tg-spoiler"')
        if name == "tg-emoji" and not attributes.get("emoji-id"):
            _refuse('Tag "tg-emoji" must have attribute "emoji-id"')
        stack.append(name)
        i += 1  # the closing ">"
    if stack:
        _refuse(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


def visible_text(text: str, parse_mode: str | None) -> str:
    """What the user reads: parsed if it is HTML, with the ends trimmed as Telegram does."""
    if (parse_mode or "").upper() == "HTML":
        text = parse_html(text)
    elif parse_mode:
        raise ApiError(400, f"Bad Request: the fake Bot API does not parse {parse_mode}")
    return text.strip(_SPACE)


def _entity(text: str, i: int) -> tuple[str, int]:
    """Decode the character reference at `i`; a lone "&" stands for itself."""
    if numeric := _NUMERIC.match(text, i):
        digits, hexa = numeric.groups()
        code = int(digits) if digits is not None else int(hexa, 16)
        if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return chr(code), numeric.end()
        return "&", i + 1
    named = _NAMED.match(text, i)
    if named is None:
        return "&", i + 1
    name, semicolon = named.groups()
    if name in NAMED_ENTITIES:
        return NAMED_ENTITIES[name], named.end()
    if semicolon:
        _refuse(f'Unsupported HTML entity "&{name};" at byte offset {_offset(text, i)}')
    return "&", i + 1


def _attributes(text: str, i: int, tag: str, begin: int) -> tuple[dict[str, str], int]:
    """Read a start tag's attributes from `i`; returns them and the position of its ">"."""
    n = len(text)
    found: dict[str, str] = {}
    while True:
        while i < n and text[i] in _SPACE:
            i += 1
        if i >= n:
            _refuse(f'Unclosed start tag "{tag}" at byte offset {_offset(text, begin)}')
        if text[i] == ">":
            return found, i
        start = i
        while i < n and text[i] not in _SPACE and text[i] not in "=>":
            i += 1
        name = text[start:i].lower()
        while i < n and text[i] in _SPACE:
            i += 1
        if i < n and text[i] != "=":
            if name == "expandable" and tag == "blockquote":
                found[name] = ""
                continue
            _refuse(
                "Expected equal sign in declaration of an attribute of the tag"
                f' "{tag}" at byte offset {_offset(text, begin)}'
            )
        i += 1
        while i < n and text[i] in _SPACE:
            i += 1
        if i >= n:
            _refuse(f'Unclosed start tag "{tag}" at byte offset {_offset(text, begin)}')
        if text[i] in "'\"":
            quote, value_start = text[i], i
            i += 1
            value: list[str] = []
            while i < n and text[i] != quote:
                if text[i] == "&":
                    decoded, i = _entity(text, i)
                    value.append(decoded)
                else:
                    value.append(text[i])
                    i += 1
            if i >= n:
                _refuse(f"Unclosed end tag at byte offset {_offset(text, value_start)}")
            i += 1
            found[name] = "".join(value)
        else:
            token = _NAME_TOKEN.match(text, i)
            assert token is not None
            if token.end() >= n or text[token.end()] not in _SPACE + ">":
                _refuse(f"Unexpected end of name token at byte offset {_offset(text, i)}")
            found[name] = token.group().lower()
            i = token.end()


def _end_tag(text: str, i: int, stack: list[str]) -> int:
    """Close the innermost open tag with the end tag at `i`; returns the position after it."""
    begin, n = i, len(text)
    if not stack:
        _refuse(f"Unexpected end tag at byte offset {_offset(text, begin)}")
    i += 2
    while i < n and text[i] not in _SPACE and text[i] != ">":
        i += 1
    name = text[begin + 2 : i]
    while i < n and text[i] in _SPACE:
        i += 1
    if i >= n or text[i] != ">":
        _refuse(f"Unclosed end tag at byte offset {_offset(text, begin)}")
    expected = stack.pop()
    if name and name.lower() != expected:
        _refuse(
            f"Unmatched end tag at byte offset {_offset(text, begin)},"
            f' expected "</{expected}>", found "</{name}>"'
        )
    return i + 1


def _offset(text: str, i: int) -> int:
    return len(text[:i].encode())


def _refuse(problem: str) -> NoReturn:
    raise ApiError(400, f"Bad Request: can't parse entities: {problem}")


def check_markup(markup: dict[str, Any] | None) -> None:
    """Refuse an inline keyboard Telegram would: a button without an action, or bad data."""
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            if not str(button.get("text", "")).strip():
                raise ApiError(
                    400, "Bad Request: can't parse inline keyboard button: Text is empty"
                )
            data = button.get("callback_data")
            if data is not None:
                if not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            elif not any(key in button for key in _BUTTON_ACTIONS):
                raise ApiError(
                    400,
                    "Bad Request: can't parse inline keyboard button:"
                    " Text buttons are unallowed in the inline keyboard",
                )


_BUTTON_ACTIONS = (
    "url",
    "login_url",
    "web_app",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


@dataclass
class RateLimit:
    """Telegram's flood limits, opt-in: at most `per_chat` calls to one chat in any
    `chat_window` seconds, and `overall` calls in any `overall_window` seconds."""

    per_chat: int
    overall: int
    chat_window: float
    overall_window: float
    chats: dict[int, deque[float]] = field(default_factory=dict)
    everyone: deque[float] = field(default_factory=deque)

    def admit(self, chat_id: int | None, now: float) -> int | None:
        """Record a call now and return None, or the seconds to wait if it is too soon."""
        waits = [_wait(self.everyone, self.overall, self.overall_window, now)]
        history = self.chats.setdefault(chat_id, deque()) if chat_id is not None else None
        if history is not None:
            waits.append(_wait(history, self.per_chat, self.chat_window, now))
        wait = max(waits)
        if wait > 0:
            return max(1, math.ceil(wait))
        self.everyone.append(now)
        if history is not None:
            history.append(now)
        return None


def _wait(history: deque[float], limit: int, window: float, now: float) -> float:
    while history and history[0] <= now - window:
        history.popleft()
    return history[0] + window - now if len(history) >= limit else 0.0


def _per_window(rate: float | None) -> tuple[int, float]:
    """A rate per second as (calls, window): 30 -> 30 a second, 1/3 -> 1 in 3 seconds;
    None -> no limit."""
    if rate is None:
        return sys.maxsize, 1.0
    if rate <= 0:
        raise ValueError("a rate limit must be positive")
    return (int(rate), 1.0) if rate >= 1 else (1, 1 / rate)


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
        self.limits: RateLimit | None = None
        self.throttled: list[Call] = []
        """Calls answered 429 by the rate limit."""
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        """The bot's profile texts by language code ("" for every language)."""

    def rate_limit(
        self, per_chat_per_second: float | None = 1, global_per_second: float | None = 30
    ) -> None:
        """Answer 429 with retry_after past these rates (Telegram's, by default); both None
        turns the limit off again. A fractional rate such as 20/60 allows one call per
        1/rate seconds."""
        if per_chat_per_second is None and global_per_second is None:
            self.limits = None
            return
        per_chat, chat_window = _per_window(per_chat_per_second)
        overall, overall_window = _per_window(global_per_second)
        self.limits = RateLimit(per_chat, overall, chat_window, overall_window)

    # -- server --------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_DOCUMENT + 10_000_000)
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
        call = Call(method, params)
        self.calls.append(call)
        if method != "getUpdates" and (pause := self.delay(method)) > 0:
            await asyncio.sleep(pause)
        try:
            if self.fail_next and method != "getUpdates":
                raise self.fail_next.pop(0)
            self._throttle(call)
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

    def _throttle(self, call: Call) -> None:
        if self.limits is None or call.method not in RATE_LIMITED:
            return
        chat_id = call.params.get("chat_id")
        wait = self.limits.admit(chat_id if isinstance(chat_id, int) else None, time.monotonic())
        if wait is not None:
            self.throttled.append(call)
            raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)

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
        text = _text(params, too_long="message is too long")
        markup = _markup(params)
        message = BotMessage(
            chat_id, next(self._message_ids), text, markup, parse_mode=params.get("parse_mode")
        )
        self.messages.setdefault(chat_id, []).append(message)
        return message.as_dict(self._chat(chat_id))

    async def _m_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        document = params["document"]
        caption = str(params.get("caption") or "")
        if len(visible_text(caption, params.get("parse_mode"))) > MAX_CAPTION:
            raise ApiError(400, "Bad Request: message caption is too long")
        content = document.file.read() if hasattr(document, "file") else b""
        if len(content) > MAX_DOCUMENT:
            raise ApiError(413, "Request Entity Too Large")
        message = BotMessage(
            chat_id,
            next(self._message_ids),
            caption,
            _markup(params),
            document=content,
            filename=getattr(document, "filename", None),
            parse_mode=params.get("parse_mode"),
        )
        self.messages.setdefault(chat_id, []).append(message)
        return message.as_dict(self._chat(chat_id))

    async def _m_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        text = _text(params, too_long="MESSAGE_TOO_LONG")
        markup = _markup(params)  # none given: Telegram takes the keyboard off
        if self.refuse_edits:
            raise ApiError(400, "Bad Request: message can't be edited")
        message = self._find(params)
        parse_mode = params.get("parse_mode")
        same = (message.html, message.parse_mode) == (text, parse_mode)
        if same and message.reply_markup == markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and"
                " reply markup are exactly the same",
            )
        message.html, message.reply_markup, message.parse_mode = text, markup, parse_mode
        message.edits += 1
        return message.as_dict(self._chat(message.chat_id))

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        markup = _markup(params)
        if self.refuse_edits:
            raise ApiError(400, "Bad Request: message can't be edited")
        message = self._find(params)
        if message.reply_markup == markup:
            raise ApiError(400, "Bad Request: message is not modified")
        message.reply_markup = markup
        message.edits += 1
        return message.as_dict(self._chat(message.chat_id))

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        query_id = str(params["callback_query_id"])
        if len(str(params.get("text") or "")) > MAX_CALLBACK_ANSWER:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        if query_id in self.callback_answers:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.callback_answers[query_id] = params.get("text")
        return True

    async def _m_setMyCommands(self, params: dict[str, Any]) -> bool:
        return True

    async def _m_setMyDescription(self, params: dict[str, Any]) -> bool:
        _set_profile_text(self.descriptions, params, "description", MAX_DESCRIPTION)
        return True

    async def _m_getMyDescription(self, params: dict[str, Any]) -> dict[str, str]:
        return {"description": _profile_text(self.descriptions, params)}

    async def _m_setMyShortDescription(self, params: dict[str, Any]) -> bool:
        _set_profile_text(
            self.short_descriptions, params, "short_description", MAX_SHORT_DESCRIPTION
        )
        return True

    async def _m_getMyShortDescription(self, params: dict[str, Any]) -> dict[str, str]:
        return {"short_description": _profile_text(self.short_descriptions, params)}

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
    """The inline keyboard asked for (checked as Telegram does), or None for none."""
    markup = params.get("reply_markup")
    check_markup(markup)
    if not markup or not markup.get("inline_keyboard"):
        return None
    return markup


def _text(params: dict[str, Any], too_long: str) -> str:
    """A message's text as sent, once Telegram would accept it."""
    text = str(params.get("text") or "")
    visible = visible_text(text, params.get("parse_mode"))
    if not visible:
        raise ApiError(400, "Bad Request: message text is empty")
    if len(visible) > MAX_TEXT:
        raise ApiError(400, f"Bad Request: {too_long}")
    return text


def _language(params: dict[str, Any]) -> str:
    """A profile text's language: a two-letter ISO 639-1 code, or "" for every language."""
    code = str(params.get("language_code") or "")
    if code and not re.fullmatch(r"[a-z]{2}", code):
        raise ApiError(400, "Bad Request: invalid language code specified")
    return code


def _profile_text(texts: dict[str, str], params: dict[str, Any]) -> str:
    """As Telegram answers getMy(Short)Description: the language's own text, else the
    default, else ""."""
    language = _language(params)
    return texts.get(language) or texts.get("", "")


def _set_profile_text(texts: dict[str, str], params: dict[str, Any], name: str, limit: int) -> None:
    """setMy(Short)Description: plain text up to `limit` characters; empty or absent
    removes the language's text."""
    language = _language(params)
    value = params.get(name)
    if value is not None and not isinstance(value, str):
        raise ApiError(400, f'Bad Request: field "{name}" must be of type String')
    if value and len(value) > limit:
        raise ApiError(400, f"Bad Request: {name.replace('_', ' ')} is too long")
    if value:
        texts[language] = value
    else:
        texts.pop(language, None)


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
