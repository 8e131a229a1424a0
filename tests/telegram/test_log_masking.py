"""Secrets never reach the log: the bot token, invite tokens (after `/start ` and in
`start=` deep links) and the webhook secret are masked in every record at every level."""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import sys
from pathlib import Path
from typing import cast

import pytest

from bot.channels.telegram.app import build_application, webhook_secret
from bot.config import Settings, TelegramSettings
from bot.log_masking import TokenFilter
from storage import Database
from tests.cli.test_run_process import WAIT, auditbot, environment, reply, start_bot
from tests.conftest import Seeded
from tests.fake_bot_api import FakeBotApi


async def test_a_debug_log_never_shows_an_invite_token(api: FakeBotApi, seeded: Seeded) -> None:
    env = {**environment(api, Path(seeded.db.path)), "AUDITBOT_LOG_LEVEL": "DEBUG"}
    links = await auditbot(env, "invite", "--partnership", "North Partnership")
    found = re.findall(r"<([^>]+)>: (https://t\.me/\w+\?start=(\S+))", links)
    tokens = {email: (link, token) for email, link, token in found}
    _, alice_token = tokens["alice@north.example"]
    bob_link, bob_token = tokens["bob@north.example"]

    bot = await start_bot(env)
    assert bot.stderr is not None
    log = asyncio.create_task(bot.stderr.read())  # read as it comes: DEBUG fills a pipe
    alice = api.user(4242, "Alice")
    await alice.send(f"/start {alice_token}", settle=False)
    await reply(alice, 0, "0 of 44 answered")
    mallory = api.user(666, "Mallory")
    since = len(api.calls)
    await mallory.send(f"here is the link {bob_link}", settle=False)

    def answered() -> bool:
        return any(c.params.get("chat_id") == 666 for c in api.calls[since:])

    await api.wait_until(answered, WAIT)
    bot.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(bot.wait(), WAIT) == 0
    logs = (await log).decode()

    assert alice_token not in logs and bob_token not in logs
    assert api.token not in logs and "Traceback" not in logs
    # the raw updates were logged, masked
    assert "'/start <INVITE>'" in logs and "?start=<INVITE>'" in logs


TOKEN = "42:AAbot-token"
INVITE = "Zx9_-k2LmNoPqRsTuVwXyZ0123456789"


def test_the_filter_masks_invites_and_secrets_in_messages_args_and_tracebacks() -> None:
    secret = webhook_secret(TOKEN)
    token_filter = TokenFilter(TOKEN)
    token_filter.add(secret)
    try:
        raise RuntimeError(f"redeeming /start {INVITE} failed")
    except RuntimeError:
        record = logging.LogRecord(
            "telegram.ext.Application",
            logging.DEBUG,
            __file__,
            1,
            "Processing update %s; link %s; webhook %s",
            (f"text='/start@audit_bot {INVITE}'", f"t.me/b?start={INVITE}&x=1", {"s": secret}),
            sys.exc_info(),
        )
    token_filter.filter(record)
    message = record.getMessage()
    assert message == (
        "Processing update text='/start@audit_bot <INVITE>'; link t.me/b?start=<INVITE>&x=1;"
        " webhook {'s': '<SECRET>'}"
    )
    assert record.exc_text is not None and INVITE not in record.exc_text
    assert "/start <INVITE> failed" in record.exc_text
    for text in (f"'/start\\n{INVITE}'", f'"text": "/start  {INVITE}"', f"?startgroup={INVITE}"):
        assert INVITE not in token_filter.mask(text)
    assert token_filter.mask("/start") == "/start"
    assert token_filter.mask("restart=now") == "restart=now"


def test_every_log_record_is_masked_once_the_bot_is_built(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = Settings(telegram=TelegramSettings(bot_token=TOKEN), db=tmp_path / "x.db")
    build_application(settings, cast(Database, None))
    logging.getLogger("telegram.ext.ExtBot").debug(
        "Calling `setWebhook` with %s", {"secret_token": webhook_secret(TOKEN), "url": TOKEN}
    )
    logging.getLogger("telegram.ext.Application").debug("text='/start %s'", INVITE)
    assert webhook_secret(TOKEN) not in caplog.text and TOKEN not in caplog.text
    assert INVITE not in caplog.text
    assert "'secret_token': '<SECRET>'" in caplog.text and "'/start <INVITE>'" in caplog.text
