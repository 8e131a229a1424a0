"""`auditbot remind`, `auditbot outbox` and `auditbot outbox retry`."""

from __future__ import annotations

import asyncio

import pytest
import typer
from typer.testing import CliRunner

from bot.cli import app
from storage import open_database, outbox, partnerships
from tests.conftest import NOW, Seeded
from tests.scheduling.test_round import at


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, seeded: Seeded) -> typer.Typer:
    monkeypatch.setenv("AUDITBOT_DB", seeded.db.path)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    return app


def test_remind_queues_lists_and_retries(
    cli: typer.Typer, seeded: Seeded, tmp_path: object
) -> None:
    async def link_and_fail() -> None:
        db = await open_database(seeded.db.path)
        async with db.transaction() as conn:
            await partnerships.link_address(
                conn, seeded.contacts["dan"].id, "telegram", "1004", "1004", NOW
            )
        await db.close()

    asyncio.run(link_and_fail())
    runner = CliRunner()
    # the real clock decides; only check that the commands run and say something sensible
    result = runner.invoke(cli, ["remind", "--now"])
    assert result.exit_code == 0, result.output
    assert "TELEGRAM_BOT_TOKEN" in result.output or "Nothing is due" in result.output

    async def make_failed() -> None:
        db = await open_database(seeded.db.path)
        async with db.transaction() as conn:
            await outbox.enqueue(
                conn,
                outbox.NewMessage("x1", "telegram", "1004", "test", {"html": "hi"}),
                at(11, 23, 10),
            )
            [row] = [r for r in await outbox.all_rows(conn) if r.dedupe_key == "x1"]
            await outbox.mark_failed(conn, row.id, "gave up after 6 attempts: boom")
        await db.close()

    asyncio.run(make_failed())
    listed = runner.invoke(cli, ["outbox"])
    assert listed.exit_code == 0, listed.output
    assert "failed" in listed.output and "boom" in listed.output
    retried = runner.invoke(cli, ["outbox", "retry"])
    assert "1 failed message put back" in retried.output
    assert "pending" in runner.invoke(cli, ["outbox"]).output
