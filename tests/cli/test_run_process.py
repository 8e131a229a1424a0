"""`auditbot run` as a real process against the local fake Bot API: join by invite, answer,
get killed with SIGKILL half way, restart, finish, stop with SIGTERM, export."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.questionnaire import Kind, Questionnaire
from storage import responses
from tests.conftest import Seeded
from tests.fake_bot_api import FakeBotApi, FakeUser

WAIT = 20.0


def environment(api: FakeBotApi, db: Path) -> dict[str, str]:
    return {
        **os.environ,
        "AUDITBOT_DB": str(db),
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_URL": api.url,
        "COLUMNS": "200",
    }


async def auditbot(env: dict[str, str], *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), WAIT)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def start_bot(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


async def reply(user: FakeUser, since: int, *fragments: str) -> int:
    """Wait until the bot, after request number `since`, sent or edited a message containing
    one of `fragments`; returns the request count to wait from next."""
    api = user.api

    def arrived() -> bool:
        return any(
            call.method in ("sendMessage", "editMessageText")
            and any(fragment in str(call.params.get("text", "")) for fragment in fragments)
            for call in api.calls[since:]
        )

    try:
        await api.wait_until(arrived, WAIT)
    except TimeoutError:
        sent = [c.params.get("text") for c in api.calls[since:] if c.method != "getUpdates"]
        raise AssertionError(f"no message with {fragments!r}; got {sent}") from None
    return len(api.calls)


async def answer(user: FakeUser, item_kind: Kind, number: int) -> None:
    """Answer the question on screen the way a lead would: a tap (and a note by ✎ Note), or
    typed words."""
    since = len(user.api.calls)
    following = f"{number} of 44 answered" if number < 44 else "last question"
    if item_kind is Kind.TICK:
        await user.click("Yes", settle=False)
        since = await reply(user, since, following)
        await user.click("✎ Note", settle=False)
        since = await reply(user, since, "Type your note")
        await user.send(f"note {number} <b>&</b>", settle=False)
    elif item_kind is Kind.STATEMENT:
        await user.click("Our practice differs", settle=False)
        since = await reply(user, since, "differ")
        await user.send(f"we differ {number}", settle=False)
    else:
        await user.send(f"typed answer {number}", settle=False)
        # typed within a minute of a typed note: the bot asks whether it is more of the note
        asks = f"Is this your answer to question {number}"
        await reply(user, since, asks, following)
        if asks in user.messages[-1].text:
            since = len(user.api.calls)
            await user.click(f"It answers question {number}", settle=False)
    await reply(user, since, following)


async def test_invite_answer_kill_restart_finish_and_export(
    api: FakeBotApi, seeded: Seeded, questionnaire: Questionnaire, tmp_path: Path
) -> None:
    env = environment(api, Path(seeded.db.path))
    links = await auditbot(env, "invite", "--partnership", "North Partnership")
    tokens = dict(re.findall(r"<([^>]+)>: https://t\.me/\w+\?start=(\S+)", links))
    assert set(tokens) == {"alice@north.example", "bob@north.example"}

    bot = await start_bot(env)
    alice = api.user(4242, "Alice")
    await alice.send(f"/start {tokens['alice@north.example']}", settle=False)
    await reply(alice, 0, "0 of 44 answered")
    items = questionnaire.items
    for number, item in enumerate(items[:10], start=1):
        await answer(alice, item.kind, number)

    bot.kill()  # SIGKILL: no chance to clean up
    await bot.wait()
    bot = await start_bot(env)
    since = len(api.calls)
    await alice.send("/start", settle=False)
    await reply(alice, since, "10 of 44 answered")
    for number, item in enumerate(items[10:], start=11):
        await answer(alice, item.kind, number)
    since = len(api.calls)
    await alice.send("/submit", settle=False)
    since = await reply(alice, since, "type your role")
    await alice.send("Head of inclusion", settle=False)
    since = await reply(alice, since, "Signed off by Alice Archer, Head of inclusion")
    await alice.click("Yes, submit", settle=False)
    await reply(alice, since, "Submitted — thank you")

    bot.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(bot.wait(), WAIT) == 0
    logs = (await bot.stderr.read()).decode() if bot.stderr else ""
    assert api.token not in logs
    assert "Traceback" not in logs, logs

    exported = await auditbot(env, "export", "--format", "csv")
    rows = [
        row
        for row in csv.DictReader(io.StringIO(exported))
        if row["Partnership"] == "North Partnership"
    ]
    assert len(rows) == 44
    assert all(row["Answer"] and row["Answered by"] == "Alice Archer" for row in rows)
    assert rows[0]["Note"] == "note 1 <b>&</b>"
    status = await auditbot(env, "status")
    assert "Submitted" in next(line for line in status.splitlines() if "North" in line)


async def test_a_burst_cut_off_by_sigkill_is_finished_in_order_after_restart(
    api: FakeBotApi, seeded: Seeded
) -> None:
    """Telegram forgets updates once fetched: those not yet handled when the process is
    killed are handled at the next start, in order, and nothing is applied twice."""
    env = environment(api, Path(seeded.db.path))
    links = await auditbot(env, "invite", "--partnership", "North Partnership")
    tokens = dict(re.findall(r"<([^>]+)>: https://t\.me/\w+\?start=(\S+)", links))
    bot = await start_bot(env)
    alice = api.user(4242, "Alice")
    await alice.send(f"/start {tokens['alice@north.example']}", settle=False)
    await reply(alice, 0, "0 of 44 answered")
    question = alice.messages[-1]
    typed_earlier = int(time.time()) - 30
    api.delay = lambda method: 3.0 if method == "sendMessage" else 0.0
    since = len(api.calls)
    api.push_together(
        alice.tap_update("Yes", question),
        alice.text_update("Held on the MIS,", date=typed_earlier),
        alice.text_update("and in the paper file.", date=typed_earlier),
    )
    # the note is saved and question 2 is on its way (slowly): kill the bot now
    await api.wait_until(lambda: any(c.method == "sendMessage" for c in api.calls[since:]), WAIT)
    bot.kill()
    await bot.wait()
    api.delay = lambda method: 0.0
    since = len(api.calls)
    bot = await start_bot(env)
    await reply(alice, since, "Added to your note on question 1")
    bot.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(bot.wait(), WAIT) == 0

    async with seeded.db.read() as conn:
        contact = seeded.contacts["alice"]
        response = await responses.response_for(
            conn, seeded.round.id, contact.partnership_id, seeded.round.questionnaire_version
        )
        history = [
            (h.question_id, h.value, h.note) for h in await responses.history(conn, response.id)
        ]
    assert history == [
        ("s1.address", "yes", None),
        ("s1.address", "yes", "Held on the MIS,"),
        ("s1.address", "yes", "Held on the MIS,\nand in the paper file."),
    ]
