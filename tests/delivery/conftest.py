"""The Telegram harness from tests/telegram with LA chats and an admin configured, and a
real PTB Bot for draining the outbox against the same fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot

from bot.channels.telegram import app as tg
from bot.config import Settings, TelegramSettings
from tests.fake_bot_api import FakeBotApi
from tests.plugins.telegram import Harness, bot, harness  # noqa: F401 - fixtures used here

LA_CHAT = 9001
ADMIN = 777


@pytest.fixture
def settings(api: FakeBotApi, tmp_path: Path) -> Settings:
    return Settings(
        telegram=TelegramSettings(bot_token=api.token, api_url=api.url),
        db=tmp_path / "audit.db",
        timezone="Europe/London",
        la_chat_ids=(LA_CHAT,),
        admin_telegram_ids=(ADMIN,),
    )


@pytest.fixture
async def process(harness: Harness) -> tg.TelegramApp:  # noqa: F811 - the fixture
    """The bot with the schedule and outbox worker of `auditbot run`."""
    return await harness.start(schedule=True)


@pytest.fixture
async def telegram_bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=f"{api.url}/bot") as real:
        yield real
