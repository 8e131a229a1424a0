"""Reminder and delivery fixtures: linked Telegram chats, settings, a flaky fake Bot API."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.config import Settings
from storage import Database, partnerships, responses
from storage.records import AnswerChange, Contact
from tests import fake_bot_api as fake
from tests.conftest import NOW, Seeded
from tests.fake_bot_api import FakeBotApi

CHATS = {"alice": 1001, "bob": 1002, "carol": 1003, "dan": 1004}
LA_CHAT = 9001


@pytest.fixture
def settings(tmp_path: Any) -> Settings:
    return Settings(
        db=tmp_path / "audit.db",
        timezone="Europe/London",
        la_chat_ids=(LA_CHAT,),
        reminder_days_before=(7, 3, 1),
        inactivity_days=5,
        max_reminders_without_progress=4,
    )


@pytest.fixture
async def linked(seeded: Seeded) -> Seeded:
    """Every seeded contact has linked a Telegram chat."""
    async with seeded.db.transaction() as conn:
        for name, chat in CHATS.items():
            await partnerships.link_address(
                conn, seeded.contacts[name].id, "telegram", str(chat), str(chat), NOW
            )
        seeded.contacts.update(
            {c.email.split("@")[0]: c for c in await partnerships.list_contacts(conn)}
        )
    return seeded


async def answer(db: Database, seeded: Seeded, contact: Contact, index: int, now: datetime) -> None:
    """`contact` answers the questionnaire's `index`-th question: progress for the partnership."""
    question = seeded.questionnaire.items[index].id
    async with db.transaction() as conn:
        response = await responses.response_for(
            conn, seeded.round.id, contact.partnership_id, seeded.round.questionnaire_version
        )
        await responses.apply_changes(
            conn, response, [AnswerChange(question, "yes", None)], contact.id, "telegram", now
        )


async def submit(db: Database, seeded: Seeded, contact: Contact, now: datetime) -> None:
    async with db.transaction() as conn:
        response = await responses.response_for(
            conn, seeded.round.id, contact.partnership_id, seeded.round.questionnaire_version
        )
        await responses.mark_submitted(conn, response.id, contact.id, now)


@dataclass
class Received:
    method: str
    chat_id: int
    at: float


class FlakyBotApi(FakeBotApi):
    """The shared fake Bot API, plus scripted failures per chat for sends.

    `script[chat_id]` is a list of actions used up one per send to that chat: "timeout"
    (answer too late: the client gives up and nothing is delivered), "500", "403", "400",
    or ("429", seconds). Every successful send is in `received` with its arrival time.
    """

    def __init__(self) -> None:
        super().__init__()
        self.script: dict[int, list[Any]] = {}
        self.received: list[Received] = []
        self.hang = 1.0

    async def _handle(self, request: web.Request) -> web.Response:
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", request.path)
        method = match.group(2) if match else ""
        if method in ("sendMessage", "sendDocument"):
            arrived = time.monotonic()
            if request.content_type == "application/json":
                params = await request.json()
            else:
                params = dict(await request.post())
            chat = int(params["chat_id"])
            actions = self.script.get(chat)
            action = actions.pop(0) if actions else None
            if action == "timeout":
                await asyncio.sleep(self.hang)
                return _fail(500, "Internal Server Error: too late")
            if action in ("500", "403", "400"):
                code = int(action)
                description = {
                    500: "Internal Server Error",
                    403: "Forbidden: bot was blocked by the user",
                    400: "Bad Request: chat not found",
                }[code]
                return _fail(code, description)
            if isinstance(action, tuple) and action[0] == "429":
                return web.json_response(
                    {
                        "ok": False,
                        "error_code": 429,
                        "description": f"Too Many Requests: retry after {action[1]}",
                        "parameters": {"retry_after": action[1]},
                    },
                    status=429,
                )
            self.received.append(Received(method, chat, arrived))
            return await self._handle_parsed(request, method, params)
        return await super()._handle(request)

    async def _handle_parsed(
        self, request: web.Request, method: str, raw: dict[str, Any]
    ) -> web.Response:
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if isinstance(value, str) and key in fake.JSON_FIELDS:
                value = json.loads(value)
            elif isinstance(value, str) and key in fake.INT_FIELDS:
                value = int(value)
            params[key] = value
        self.calls.append(fake.Call(method, params))
        result = await getattr(self, f"_m_{method}")(params)
        return web.json_response({"ok": True, "result": result})

    def sent_to(self, chat: int) -> list[Received]:
        return [r for r in self.received if r.chat_id == chat]


def _fail(code: int, description: str) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": code, "description": description}, status=code
    )


@pytest.fixture
async def api() -> AsyncIterator[FlakyBotApi]:
    server = FlakyBotApi()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def telegram_bot(api: FlakyBotApi) -> AsyncIterator[Bot]:
    """A real PTB Bot talking HTTP to the fake server, with short timeouts."""
    request = HTTPXRequest(read_timeout=0.3, write_timeout=0.3, connect_timeout=1, pool_timeout=1)
    bot = Bot(api.token, base_url=f"{api.url}/bot", request=request, get_updates_request=request)
    async with bot:
        yield bot
