"""A contact answers the audit in Telegram, end to end through the real PTB Application."""

from __future__ import annotations

import asyncio

import pytest

from bot.questionnaire import Kind
from storage.records import Status
from tests.conftest import Seeded
from tests.fake_bot_api import FakeBotApi, FakeUser
from tests.plugins.telegram import (
    Harness,
    current_question,
    join,
    stored_answers,
    stored_response,
)

pytestmark = pytest.mark.usefixtures("bot")


async def answer_everything(user: FakeUser, seeded: Seeded) -> None:
    """Answer all questions in order; every third tick gets a note."""
    for n, item in enumerate(seeded.questionnaire.items):
        assert current_question(user) == item.id, (n, user.messages[-1].text)
        question = user.messages[-1]
        assert f"question {n + 1} of 44" in question.text
        if item.kind is Kind.TICK:
            await user.click("Yes" if n % 2 == 0 else "No")
            assert "Type a note" in user.messages[-1].text or "Type a note" in question.text
            if n % 3 == 0:
                await user.send(f"Note <{n}> & more")
            else:
                await user.click("Next ➜")
        elif item.kind is Kind.STATEMENT:
            await user.click("Our practice differs")
            assert "How does your practice differ?" in question.text
            await user.send(f"We differ {n}")
        elif n % 5 == 0:
            await user.click("Nothing to add")
        else:
            await user.send(f"Typed answer {n}")
        # the question message became a transcript without buttons
        assert question.buttons == [], question.text


async def test_complete_all_questions_with_notes_then_submit_and_amend(
    api: FakeBotApi, harness: Harness, seeded: Seeded
) -> None:
    alice = await join(harness, api, "alice", 1001)
    welcome = alice.messages[0].text
    assert "Alice Archer" in welcome
    assert "North Partnership" in welcome
    assert "30 November 2026" in welcome
    assert "Section 1 of 7" in alice.messages[1].text

    await answer_everything(alice, seeded)

    answers = await stored_answers(seeded, "alice")
    assert len(answers) == 44
    assert all(a.value is not None for a in answers.values())
    assert answers["s1.address"].value == "yes"
    assert answers["s1.address"].note == "Note <0> & more"
    assert answers["s7.paper_seven_years"].value == "differs"
    assert answers["s7.paper_seven_years"].note is not None
    # the end of the questions shows the review
    assert "That was the last question" in alice.messages[-1].text
    assert "44 of 44" in alice.messages[-1].text
    # user text is escaped, not interpreted as HTML
    transcript = next(m for m in alice.messages if "Note <0> & more" in m.text)
    assert "Note &lt;0&gt; &amp; more" in transcript.html

    await alice.send("/submit")
    assert "All 44 questions are answered" in alice.messages[-1].text
    await alice.click("Yes, submit")
    assert "Submitted" in alice.messages[-1].text
    assert (await stored_response(seeded, "alice")).status is Status.SUBMITTED

    # amend after submitting: jump to question 1 from the review and change it
    await alice.send("/review")
    await alice.click("✎ 1")
    assert current_question(alice) == "s1.address"
    assert "Alice Archer" in alice.messages[-1].text  # who answered
    await alice.click("No")
    await alice.click("Next ➜")
    assert "submitted" in alice.messages[-1].text.lower()  # back at the review's end
    response = await stored_response(seeded, "alice")
    assert response.amended_at is not None
    assert (await stored_answers(seeded, "alice"))["s1.address"].value == "no"


async def test_review_splits_messages_and_changes_an_answer(
    api: FakeBotApi, harness: Harness, seeded: Seeded
) -> None:
    alice = await join(harness, api, "alice", 1001)
    await alice.click("Yes")
    await alice.send("x" * 1999)  # a long note, near the limit
    await alice.click("Skip for now")
    await alice.click("◀ Back")
    assert current_question(alice) == "s1.telephone"
    before = len(alice.messages)
    await alice.send("/review")
    review = alice.messages[before:]
    assert len(review) == 8  # seven sections and the summary
    assert all(len(m.html) <= 4096 for m in review)
    assert "Section 1" in review[0].text
    assert "x" * 100 in review[0].text
    assert "1 of 44" in review[-1].text
    await alice.click("✎ 3", review[0])
    assert current_question(alice) == "s1.electronic_contacts"
    await alice.click("Yes")
    await alice.click("Next ➜")
    assert "2 of 44" in alice.messages[-1].text  # back to the review


async def test_back_skip_and_keep(api: FakeBotApi, harness: Harness, seeded: Seeded) -> None:
    alice = await join(harness, api, "alice", 1001)
    await alice.click("No")
    await alice.click("Next ➜")
    assert current_question(alice) == "s1.telephone"
    await alice.click("◀ Back")
    assert current_question(alice) == "s1.address"
    assert "No" in alice.messages[-1].text
    await alice.click("Keep and go on ➜")
    assert current_question(alice) == "s1.telephone"
    await alice.click("Skip for now")
    assert current_question(alice) == "s1.electronic_contacts"


async def test_two_contacts_of_one_partnership_at_once(
    api: FakeBotApi, harness: Harness, seeded: Seeded
) -> None:
    alice = await join(harness, api, "alice", 1001)
    bob = await join(harness, api, "bob", 1002)
    assert "North Partnership" in bob.messages[0].text
    await alice.click("Yes")
    await alice.click("Next ➜")
    # both answer at the same moment, different questions
    await asyncio.gather(alice.click("No"), bob.click("Skip for now"))
    await bob.click("Yes")  # bob, now on question 3
    answers = await stored_answers(seeded, "alice")
    assert answers["s1.address"].contact_name == "Alice Archer"
    assert answers["s1.telephone"].value in ("yes", "no")
    # bob reviews and sees alice's answer with her name
    before = len(bob.messages)
    await bob.send("/review")
    assert "Alice Archer" in bob.messages[before].text
    await bob.click("✎ 1", bob.messages[before])
    assert "Alice Archer" in bob.messages[-1].text
    assert ("Keep and go on ➜", "a1|n|s1.address") in bob.messages[-1].buttons


async def test_pause_status_help_and_out_of_place_input(
    api: FakeBotApi, harness: Harness, seeded: Seeded
) -> None:
    alice = await join(harness, api, "alice", 1001)
    await alice.send("/status")
    assert "0 of 44" in alice.messages[-1].text
    await alice.send("/help")
    assert "/review" in alice.messages[-1].text
    await alice.send("/cancel")
    assert "Paused" in alice.messages[-1].text
    await alice.send("hello again")
    assert current_question(alice) == "s1.address"
    await alice.send_sticker()
    assert "only read text" in alice.messages[-1].text
    await alice.send("/frobnicate")
    assert "/help" in alice.messages[-1].text
    await alice.send("y" * 2500)
    assert "2,000 characters" in alice.messages[-1].text
    assert await stored_answers(seeded, "alice") == {}
