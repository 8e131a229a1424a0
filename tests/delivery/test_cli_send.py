"""`auditbot summary --send`: clear one-sentence errors, and delivery to the LA chats."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from bot import scheduler
from bot.cli import app as cli_app
from bot.commands.common import UserError
from bot.commands.reports import send_summary
from bot.config import Settings
from bot.outbox import OutboxWorker
from tests.conftest import Seeded
from tests.delivery.conftest import LA_CHAT
from tests.fake_bot_api import FakeBotApi


@pytest.fixture
def app() -> typer.Typer:
    return cli_app


def test_missing_la_chats_or_token_is_one_sentence(
    app: typer.Typer, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUDITBOT_DB", seeded.db.path)
    monkeypatch.delenv("LA_CHAT_IDS", raising=False)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    result = CliRunner().invoke(app, ["summary", "--send"])
    assert result.exit_code == 1
    assert "LA_RECIPIENTS is not set" in result.output and "Traceback" not in result.output
    monkeypatch.setenv("LA_CHAT_IDS", "9001")  # the older name still counts
    result = CliRunner().invoke(app, ["summary", "--send"])
    assert result.exit_code == 1 and "No channel is set up" in result.output


async def test_send_queues_and_delivers_to_every_la_chat(
    seeded: Seeded, settings: Settings, api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = scheduler.build_worker  # `deliver_now` imports it when it runs

    def quick(db: object, deliverers: object, clock: object = None) -> OutboxWorker:
        return build(db, deliverers, chat_interval=0)  # type: ignore[arg-type]

    monkeypatch.setattr(scheduler, "build_worker", quick)
    said = await send_summary(settings, seeded.db, None, seeded.clock())
    received = api.messages[LA_CHAT]
    assert sum(1 for m in received if m.document is not None) == 7
    assert "Queued the summary for 1 LA recipient" in said
    assert "1 sent" in said
    again = await send_summary(settings, seeded.db, None, seeded.clock())
    assert again == "That summary is already queued."
    assert len(api.messages[LA_CHAT]) == len(received)
    with pytest.raises(UserError, match="There is no round 99"):
        await send_summary(settings, seeded.db, 99, seeded.clock())
