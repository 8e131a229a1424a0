"""Failures between the bot and the Bot API: retried, honoured, and never losing an answer."""

from __future__ import annotations

from tests.conftest import Seeded
from tests.fake_bot_api import ApiError, FakeBotApi
from tests.plugins.telegram import Harness, join, stored_answers


async def test_5xx_answers_are_retried(
    api: FakeBotApi, harness: Harness, seeded: Seeded, bot: object
) -> None:
    alice = await join(harness, api, "alice", 1001)
    before = len(api.calls)
    api.fail_next = [ApiError(502, "Bad Gateway"), ApiError(500, "Internal Server Error")]
    await alice.click("Yes")
    calls = [c.method for c in api.calls[before:] if c.method != "getUpdates"]
    assert calls[:3] == ["answerCallbackQuery"] * 3
    assert "editMessageText" in calls
    assert (await stored_answers(seeded, "alice"))["s1.address"].value == "yes"
    assert "2. Telephone numbers" in alice.messages[-1].text


async def test_retry_after_is_honoured(
    api: FakeBotApi, harness: Harness, seeded: Seeded, bot: object
) -> None:
    alice = await join(harness, api, "alice", 1001)
    await alice.click("No")
    await alice.click("✎ Note")
    before = len(api.calls)
    api.fail_next = [ApiError(429, "Too Many Requests: retry after 1", retry_after=1)]
    await alice.send("a note after a flood warning")
    sends = [c for c in api.calls[before:] if c.method not in ("getUpdates",)]
    assert sends[0].method == sends[1].method
    assert sends[1].at - sends[0].at >= 1.0
    assert (await stored_answers(seeded, "alice"))["s1.address"].note == (
        "a note after a flood warning"
    )


async def test_a_lasting_outage_loses_no_answer_and_the_bot_keeps_running(
    api: FakeBotApi, harness: Harness, seeded: Seeded, bot: object
) -> None:
    alice = await join(harness, api, "alice", 1001)
    api.fail_next = [ApiError(502, "Bad Gateway")] * 20
    await alice.click("Yes")
    # Telegram heard nothing back, but the answer was committed before any reply was tried
    assert (await stored_answers(seeded, "alice"))["s1.address"].value == "yes"
    api.fail_next = []
    # the user never saw the next question, so, after a while, taps Yes again: it comes
    seeded.clock.advance(seconds=10)
    await alice.click("Yes")
    assert "2. Telephone numbers" in alice.messages[-1].text
    assert (await stored_answers(seeded, "alice"))["s1.address"].value == "yes"
