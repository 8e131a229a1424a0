"""The Telegram harness as a pytest plugin (registered in tests/conftest.py): the fake Bot
API over real HTTP (`api`), settings pointing the bot at it (`settings`), the real PTB
Application on the seeded database (`harness`, `bot`), and helpers for driving it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import TypeHandler

from bot.channels.telegram import app as tg
from bot.channels.telegram.deliver import TelegramDeliverer
from bot.channels.telegram.rate_limiter import RetryingRateLimiter
from bot.config import Settings, TelegramSettings
from bot.invites import issue_invites
from bot.scheduler import Schedule, build_scheduler
from storage import Database, responses
from storage.records import Answer, Contact, Response
from tests.conftest import Seeded
from tests.fake_bot_api import FakeBotApi, FakeUser

POLL_TIMEOUT = 1
HANDLED_GROUP = 99


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    """A local fake Telegram Bot API server over real HTTP."""
    server = FakeBotApi()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def settings(api: FakeBotApi, tmp_path: Path) -> Settings:
    return Settings(
        telegram=TelegramSettings(bot_token=api.token, api_url=api.url),
        db=tmp_path / "audit.db",
    )


class Harness:
    """Starts and stops real Applications; several may run one after another (restarts)."""

    def __init__(self, settings: Settings, seeded: Seeded, api: FakeBotApi) -> None:
        self.api = api
        self.settings = settings
        self.seeded = seeded
        self.running: list[tg.TelegramApp] = []
        self.schedules: list[Schedule] = []

    async def start(self, db: Database | None = None, schedule: bool = False) -> tg.TelegramApp:
        """The bot; with `schedule`, also the process's schedule and outbox worker, as
        `auditbot run` has them (admin commands wake the worker to send)."""
        database = db or self.seeded.db
        wakers: list[Callable[[], None]] = []

        def wake_all() -> None:
            for wake in wakers:
                wake()

        app = tg.build_application(
            self.settings,
            database,
            clock=self.seeded.clock,
            rate_limiter=RetryingRateLimiter(overall_max_rate=0, group_max_rate=0, backoff=0.05),
            wake=wake_all,
        )
        app.add_handler(TypeHandler(Update, self._handled), group=HANDLED_GROUP)
        await tg.start(app, self.settings, poll_timeout=POLL_TIMEOUT)
        self.running.append(app)
        if schedule:
            deliverers = {"telegram": TelegramDeliverer(app.bot)}
            running = build_scheduler(self.settings, database, deliverers, self.seeded.clock)
            wakers.append(running.wake)
            running.start()
            self.schedules.append(running)
        return app

    async def _handled(self, update: Update, context: object) -> None:
        """Runs after the bot's own handlers for each update: the test's "done" signal."""
        await self.api.mark_handled(update.update_id)

    async def stop(self, app: tg.TelegramApp) -> None:
        self.running.remove(app)
        await tg.stop(app)

    async def invite(self, contact: Contact) -> str:
        seeded = self.seeded
        [issued] = await issue_invites(seeded.db, [contact], "telegram", seeded.clock(), 14)
        return issued.token


@pytest.fixture
async def harness(settings: Settings, seeded: Seeded, api: FakeBotApi) -> AsyncIterator[Harness]:
    h = Harness(settings, seeded, api)
    yield h
    for schedule in h.schedules:
        await schedule.stop(grace=1)
    for app in list(h.running):
        await h.stop(app)


@pytest.fixture
async def bot(harness: Harness) -> tg.TelegramApp:
    return await harness.start()


async def join(harness: Harness, api: FakeBotApi, who: str, user_id: int) -> FakeUser:
    """Invite the seeded contact `who` and open the link as Telegram user `user_id`."""
    contact = harness.seeded.contacts[who]
    token = await harness.invite(contact)
    user = api.user(user_id, contact.name.split()[0])
    await user.send(f"/start {token}")
    return user


async def stored_answers(seeded: Seeded, who: str) -> dict[str, Answer]:
    async with seeded.db.read() as conn:
        contact = seeded.contacts[who]
        response = await responses.response_for(
            conn, seeded.round.id, contact.partnership_id, seeded.round.questionnaire_version
        )
        return await responses.answers(conn, response.id)


async def stored_response(seeded: Seeded, who: str) -> Response:
    async with seeded.db.read() as conn:
        contact = seeded.contacts[who]
        return await responses.response_for(
            conn, seeded.round.id, contact.partnership_id, seeded.round.questionnaire_version
        )


def current_question(user: FakeUser) -> str | None:
    """The question id on the latest message with answer buttons."""
    for message in reversed(user.messages):
        for _, data in message.buttons:
            parts = data.split("|")
            if parts[1] in ("c", "s"):
                return parts[2]
    return None
