"""SIGTERM while `auditbot run` is sending the LA summary (one message a second): a quiet
stop, one line in the log, the unsent parts pending for the next start, which sends them."""

from __future__ import annotations

import asyncio
import re
import signal
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Recipient
from bot.outbox import enqueue_la
from storage import Database, outbox
from tests.cli.test_run_process import WAIT, environment, start_bot
from tests.fake_bot_api import FakeBotApi
from tests.legacy_payloads import message_payload

LA_CHAT = 9000
PARTS = 8


async def stop(bot: asyncio.subprocess.Process) -> str:
    bot.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(bot.wait(), WAIT) == 0
    return (await bot.stderr.read()).decode() if bot.stderr else ""


async def test_sigterm_while_sending_leaves_the_rest_for_the_next_start(
    api: FakeBotApi, db: Database
) -> None:
    payloads = [message_payload(f"<b>Summary part {n}</b>") for n in range(PARTS)]
    now = datetime.now(UTC)
    assert (
        await enqueue_la(
            db, [Recipient("telegram", str(LA_CHAT))], "la_summary", "stop-test", payloads, now
        )
        == PARTS
    )
    env = environment(api, Path(db.path))

    bot = await start_bot(env)
    await api.wait_until(lambda: len(api.messages.get(LA_CHAT, [])) >= 2, WAIT)
    logs = await stop(bot)
    delivered = len(api.messages[LA_CHAT])

    assert "ERROR" not in logs and "Traceback" not in logs, logs
    lines = re.findall(r"stopping: (\d+) message\(s\) left in the outbox for the next start", logs)
    assert lines == [str(PARTS - delivered)], logs
    assert delivered < PARTS
    async with db.read() as conn:
        rows = await outbox.all_rows(conn)
    assert [r.status for r in rows] == ["sent"] * delivered + ["pending"] * (PARTS - delivered)
    left = [r for r in rows if r.status == "pending"]
    assert all(r.lease_until is None and r.attempts == 0 and r.last_error is None for r in left)

    bot = await start_bot(env)  # due at once: no lease to wait out
    await api.wait_until(lambda: len(api.messages[LA_CHAT]) == PARTS, WAIT)
    logs = await stop(bot)
    assert "stopping: 0 message(s) left" in logs
    assert [m.text for m in api.messages[LA_CHAT]] == [f"Summary part {n}" for n in range(PARTS)]
