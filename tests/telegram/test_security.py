"""Outsiders, bad invites, forged buttons, redelivered updates, groups, restarts, the token."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from pydantic import SecretStr
from telegram.helpers import create_deep_linked_url

from bot.channels.telegram import app as tg
from bot.commands.common import UserError
from bot.commands.invite import create_invites
from bot.config import Settings
from bot.invites import hash_token
from storage import open_database
from tests.conftest import Seeded
from tests.fake_bot_api import BOT_USERNAME, FakeBotApi, FakeUser
from tests.plugins.telegram import (
    Harness,
    current_question,
    join,
    stored_answers,
)

pytestmark = pytest.mark.usefixtures("bot")


def assert_sees_nothing(user: FakeUser, seeded: Seeded) -> None:
    secrets = ["Partnership", "Section", "question", "Alice", "Bob"]
    secrets += [item.text for item in seeded.questionnaire.items]
    for message in user.messages:
        assert message.buttons == []
        for secret in secrets:
            assert secret not in message.text, (secret, message.text)


async def test_outsider_sees_nothing(api: FakeBotApi, seeded: Seeded) -> None:
    mallory = api.user(666, "Mallory")
    await mallory.send("hello")
    assert "invite" in mallory.messages[-1].text
    await mallory.send("/start")
    await mallory.send("/review")
    await mallory.send("/start not-a-real-token-at-all-0123456789")
    assert "isn't valid" in mallory.messages[-1].text
    await mallory.send_sticker()
    await mallory.click_data("a1|c|s1.address|yes", mallory.messages[-1])
    await mallory.click_data("a1|r", mallory.messages[-1])
    assert_sees_nothing(mallory, seeded)
    assert await stored_answers(seeded, "alice") == {}


async def test_used_expired_and_rate_limited_tokens(
    api: FakeBotApi, harness: Harness, seeded: Seeded
) -> None:
    token = await harness.invite(seeded.contacts["alice"])
    alice = api.user(1001, "Alice")
    await alice.send(f"/start {token}")
    assert "Alice Archer" in alice.messages[0].text
    # the same link again from the same account just carries on
    await alice.send(f"/start {token}")
    assert "Welcome back" in alice.messages[-2].text

    mallory = api.user(666, "Mallory")
    await mallory.send(f"/start {token}")
    assert "already been used" in mallory.messages[-1].text

    expiring = await harness.invite(seeded.contacts["carol"])
    seeded.clock.advance(days=15)
    await mallory.send(f"/start {expiring}")
    assert "expired" in mallory.messages[-1].text
    for n in range(4):  # with the expired one, five in the last hour
        await mallory.send(f"/start guess{n}guessguessguessguess")
    # five bad attempts in the hour: even a good token is refused now
    fresh = await harness.invite(seeded.contacts["carol"])
    await mallory.send(f"/start {fresh}")
    assert "Too many invite attempts" in mallory.messages[-1].text
    assert_sees_nothing(mallory, seeded)
    seeded.clock.advance(hours=2)
    await mallory.send(f"/start {fresh}")
    assert "South Partnership" in mallory.messages[-2].text  # the hour has passed


async def test_tokens_are_stored_hashed(harness: Harness, seeded: Seeded) -> None:
    token = await harness.invite(seeded.contacts["dan"])
    assert len(token) >= 32
    async with seeded.db.read() as conn, conn.execute("SELECT token_hash FROM invites") as cur:
        stored = [row[0] for row in await cur.fetchall()]
    assert stored == [hash_token(token)]


async def test_forged_and_malformed_callbacks(
    api: FakeBotApi, harness: Harness, seeded: Seeded
) -> None:
    alice = await join(harness, api, "alice", 1001)
    question = alice.messages[-1]
    async with (
        seeded.db.read() as conn,
        conn.execute("SELECT count(*) FROM processed_updates") as cur,
    ):
        (processed_before,) = await cur.fetchone()  # type: ignore[misc]
    for data in ("zz|c|s1.address|yes", "a1|c|s1.address", "a1|q", "a1|c|S1;DROP|yes", "é" * 40):
        update = await alice.click_data(data, question)
        query_id = update["callback_query"]["id"]
        assert "couldn't read that button" in (api.callback_answers[query_id] or "")
    async with (
        seeded.db.read() as conn,
        conn.execute("SELECT count(*) FROM processed_updates") as cur,
    ):
        (processed_after,) = await cur.fetchone()  # type: ignore[misc]
    assert processed_after == processed_before  # nothing written
    # well-formed but not a real choice or question: refused by the engine, one sentence
    await alice.click_data("a1|c|s1.address|maybe", question)
    assert "not one of the answers" in alice.messages[-1].text
    await alice.click_data("a1|j|s9.nothing", question)
    assert "not in this audit" in alice.messages[-1].text
    assert await stored_answers(seeded, "alice") == {}
    # every callback query was answered exactly once
    answered = [c.params["callback_query_id"] for c in api.requests("answerCallbackQuery")]
    assert len(answered) == len(set(answered)) == 7


async def test_duplicated_update_changes_nothing(
    api: FakeBotApi, harness: Harness, seeded: Seeded
) -> None:
    alice = await join(harness, api, "alice", 1001)
    click = await alice.click("Yes")
    await alice.click("✎ Note")
    note = await alice.send("first note")
    sent = len(api.requests("sendMessage")) + len(api.requests("editMessageText"))
    for update in (click, note, alice.messages and note):
        assert isinstance(update, dict)
        before = len(api.calls)
        api.deliver_again(update)
        await alice.settle(update["update_id"], before, expect_reply=False)
    assert len(api.requests("sendMessage")) + len(api.requests("editMessageText")) == sent
    async with seeded.db.read() as conn, conn.execute("SELECT count(*) FROM answer_history") as cur:
        (history,) = await cur.fetchone()  # type: ignore[misc]
    assert history == 2  # the answer, then the note


async def test_duplicated_start_with_token(
    api: FakeBotApi, harness: Harness, seeded: Seeded
) -> None:
    alice = await join(harness, api, "alice", 1001)
    start = alice.last_update
    assert start is not None
    sent = len(alice.messages)
    before = len(api.calls)
    api.deliver_again(start)
    await alice.settle(start["update_id"], before, expect_reply=False)
    assert len(alice.messages) == sent


async def test_restart_in_the_middle_loses_nothing(
    api: FakeBotApi, harness: Harness, seeded: Seeded, bot: tg.TelegramApp, settings: Settings
) -> None:
    alice = await join(harness, api, "alice", 1001)
    await alice.click("Yes")
    await alice.click("✎ Note")
    await alice.send("kept across restarts")
    await alice.click("No")
    await harness.stop(bot)
    # a note typed straight after the tap, sent while the bot is down, waits at Telegram
    sent_at = int(seeded.clock().timestamp()) + 5
    waiting = await alice.send("a note while down", settle=False, date=sent_at)
    db = await open_database(settings.db)
    try:
        await harness.start(db)
        await alice.settle(waiting["update_id"], len(api.calls) - 1)
        answers = await stored_answers(seeded, "alice")
        assert answers["s1.address"].note == "kept across restarts"
        assert answers["s1.telephone"].value == "no"
        assert answers["s1.telephone"].note == "a note while down"
        assert current_question(alice) == "s1.electronic_contacts"
        await alice.send("/start")
        assert current_question(alice) == "s1.electronic_contacts"
    finally:
        for app in list(harness.running):
            await harness.stop(app)
        await db.close()


async def test_group_chats_are_refused(api: FakeBotApi, harness: Harness, seeded: Seeded) -> None:
    token = await harness.invite(seeded.contacts["alice"])
    member = api.user(1001, "Alice", chat_type="group", chat_id=-100)
    await member.send(f"/start {token}")
    assert member.messages[-1].text.startswith("I only work in private chats")
    await member.send("/review")
    assert len(member.messages) == 2
    # ordinary group chatter gets no reply at all
    before = len(api.calls)
    chatter = await member.send("see you all at the meeting", settle=False)
    await member.settle(chatter["update_id"], before, expect_reply=False)
    assert len(member.messages) == 2
    assert_sees_nothing(member, seeded)
    async with seeded.db.read() as conn, conn.execute("SELECT used_at FROM invites") as cur:
        assert [row[0] for row in await cur.fetchall()] == [None]


async def test_token_never_logged(
    api: FakeBotApi, harness: Harness, seeded: Seeded, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    alice = await join(harness, api, "alice", 1001)
    await alice.click("Yes")
    assert "<TOKEN>" in caplog.text  # httpx logged URLs, masked
    assert api.token not in caplog.text
    assert all(api.token not in r.getMessage() for r in caplog.records)


async def test_rejected_token_is_a_clear_error(api: FakeBotApi, settings: Settings) -> None:
    wrong = settings.model_copy(
        update={
            "telegram": settings.telegram.model_copy(update={"bot_token": SecretStr("999:wrong")})
        }
    )
    async with await open_database(":memory:") as db:
        app = tg.build_application(wrong, db)
        with pytest.raises(tg.BotStartError, match="rejected TELEGRAM_BOT_TOKEN"):
            await tg.start(app, wrong)
        await tg.stop(app)


async def test_invite_links(api: FakeBotApi, settings: Settings, seeded: Seeded) -> None:
    made = await create_invites(settings, seeded.db, "North Partnership", False, seeded.clock)
    assert [c.name for c in made.contacts] == ["Alice Archer", "Bob Baker"]
    link = made.links[made.contacts[0].id]["telegram"]
    token = link.partition("?start=")[2]
    assert link == create_deep_linked_url(BOT_USERNAME, token)
    assert made.expires_at - seeded.clock() == timedelta(days=14)
    everyone = await create_invites(settings, seeded.db, None, True, seeded.clock)
    assert len(everyone.contacts) == 4
    with pytest.raises(UserError, match="no partnership"):
        await create_invites(settings, seeded.db, "Nowhere", False, seeded.clock)
    with pytest.raises(UserError, match="either"):
        await create_invites(settings, seeded.db, None, False, seeded.clock)
    # an older unused invite stops working once a new one is made
    alice = api.user(1001, "Alice")
    await alice.send(f"/start {token}")
    assert "expired" in alice.messages[-1].text
