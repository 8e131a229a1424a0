"""Webhook mode: PTB's own webhook server receives updates; replies go to the Bot API."""

from __future__ import annotations

import hashlib

import aiohttp

from bot.config import Settings
from tests.conftest import Seeded, free_port
from tests.fake_bot_api import FakeBotApi
from tests.plugins.telegram import Harness


async def test_webhook_mode(
    api: FakeBotApi, harness: Harness, seeded: Seeded, settings: Settings
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram-hook"
    harness.settings = settings.model_copy(
        update={
            "telegram": settings.telegram.model_copy(
                update={"webhook_url": url, "webhook_port": port}
            )
        }
    )
    await harness.start()
    [set_webhook] = api.requests("setWebhook")
    assert set_webhook.params["url"] == url
    secret = hashlib.sha256(api.token.encode()).hexdigest()[:32]
    assert set_webhook.params["secret_token"] == secret
    mallory = api.user(666, "Mallory")
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": mallory.chat,
            "from": mallory.user,
            "text": "hello",
        },
    }
    async with aiohttp.ClientSession() as session:
        forged = await session.post(url, json=update)
        assert forged.status == 403  # without the secret header
        ok = await session.post(
            url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
        )
        assert ok.status == 200
    await api.wait_until(lambda: bool(mallory.messages))
    assert "invite" in mallory.messages[-1].text
    assert len(mallory.messages) == 1
