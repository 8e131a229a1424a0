"""A contact answers the audit in Telegram, end to end through the real PTB Application."""

from __future__ import annotations

import asyncio

import pytest

from bot.questionnaire import Kind
from storage import signoffs
from storage.records import Status
from tests.conftest import Seeded
from tests.fake_bot_api import BotMessage, FakeBotApi, FakeUser
from tests.plugins.telegram import (
    Harness,
    current_question,
    join,
    stored_answers,
    stored_response,
)

pytestmark = pytest.mark.usefixtures("bot")


class Walk:
    """Counts what the person does (taps and messages) as they go."""

    def __init__(self, user: FakeUser) -> None:
        self.user = user
        self.actions = 0

    async def click(self, label: str, message: BotMessage | None = None) -> None:
        self.actions += 1
        await self.user.click(label, message)

    async def send(self, text: str) -> None:
        self.actions += 1
        await self.user.send(text)


async def answer_everything(walk: Walk, seeded: Seeded, notes: bool = False) -> None:
    """Answer all questions in order, one tap or one message each; with `notes`, every third
    tick gets a note typed straight after the tap."""
    user = walk.user
    for n, item in enumerate(seeded.questionnaire.items):
        assert current_question(user) == item.id, (n, user.messages[-1].text)
        question = user.messages[-1]
        assert f"{n + 1}. {item.text}" in question.text
        section = seeded.questionnaire.sections[seeded.questionnaire.section_number(n) - 1]
        assert section.heading in question.text  # the whole question, every time
        if item.kind is Kind.TICK:
            await walk.click("Yes" if n % 2 == 0 else "No")
            if notes and n % 3 == 0:
                await walk.click("✎ Note", question)
                await walk.send(f"Note <{n}> & more")
                assert current_question(user) == seeded.questionnaire.items[n + 1].id
        elif item.kind is Kind.STATEMENT:
            if n % 2:
                await walk.click("Our practice differs")
                assert "How does your practice differ?" in question.text
                await walk.send(f"We differ {n}")
            else:
                await walk.click("True for us")
        elif n % 5 == 0:
            await walk.click("Nothing to add")
        else:
            await walk.send(f"Typed answer {n}")
        # the question message became its transcript: a note is one tap away
        assert [label for label, _ in question.buttons] in ([], ["✎ Note"], ["✎ Change note"])


def review_messages(user: FakeUser) -> list[BotMessage]:
    return [m for m in user.messages if "Your answers · section" in m.text]


async def test_the_whole_audit_in_at_most_fifty_actions(
    api: FakeBotApi, harness: Harness, seeded: Seeded
) -> None:
    contact = seeded.contacts["alice"]
    token = await harness.invite(contact)
    alice = api.user(1001, "Alice")
    walk = Walk(alice)
    await walk.send(f"/start {token}")
    await answer_everything(walk, seeded)
    [review] = review_messages(alice)
    assert "That was the last question" in review.text
    await walk.click("Submit")
    # the first sign-off: the name is Alice's, the role is typed once (then remembered)
    assert "type your role" in alice.messages[-1].text
    await walk.send("Head of inclusion")
    assert "Signed off by Alice Archer, Head of inclusion" in alice.messages[-1].text
    await walk.click("Yes, submit")
    assert "Submitted" in alice.messages[-1].text
    assert "signed off by Alice Archer, Head of inclusion" in alice.messages[-1].text
    response = await stored_response(seeded, "alice")
    assert response.status is Status.SUBMITTED
    async with seeded.db.read() as conn:
        [signoff] = await signoffs.for_response(conn, response.id)
    assert (signoff.name, signoff.role, signoff.channel) == (
        "Alice Archer",
        "Head of inclusion",
        "telegram",
    )
    assert signoff.attestation.startswith("I confirm")
    assert walk.actions <= 50, walk.actions
    # every message the bot sent says something new: no repeated review, no note prompts
    texts = [m.text for m in alice.messages]
    assert len(texts) == len(set(texts))
    assert not any("Type a note if you'd like" in t for t in texts)
    assert len(alice.messages) <= 47, len(alice.messages)


async def test_complete_all_questions_with_notes_then_submit_and_amend(
    api: FakeBotApi, harness: Harness, seeded: Seeded
) -> None:
    alice = await join(harness, api, "alice", 1001)
    welcome = alice.messages[0].text
    assert "Alice Archer" in welcome
    assert "North Partnership" in welcome
    assert "30 November 2026" in welcome
    assert "Section 1 of 7" in alice.messages[1].text

    await answer_everything(Walk(alice), seeded, notes=True)

    answers = await stored_answers(seeded, "alice")
    assert len(answers) == 44
    assert all(a.value is not None for a in answers.values())
    assert answers["s1.address"].value == "yes"
    assert answers["s1.address"].note == "Note <0> & more"
    assert answers["s7.paper_seven_years"].value in ("true", "differs")
    # the end of the questions shows the review
    assert "That was the last question" in alice.messages[-1].text
    assert "44 of 44" in alice.messages[-1].text
    # user text is escaped, not interpreted as HTML
    transcript = next(m for m in alice.messages if "Note <0> & more" in m.text)
    assert "Note &lt;0&gt; &amp; more" in transcript.html

    await alice.send("/submit")
    assert "All 44 questions are answered" in alice.messages[-1].text
    await alice.click("✎ Another name")  # the confirmation, edited in place
    assert "Type the name" in alice.messages[-1].text
    await alice.send("Alice <b> Archer")
    await alice.send("Chair & SENCo")
    confirmation = alice.messages[-1]
    assert "Alice &lt;b&gt; Archer, Chair &amp; SENCo" in confirmation.html
    await alice.click("Yes, submit")
    assert "Submitted" in alice.messages[-1].text
    assert (await stored_response(seeded, "alice")).status is Status.SUBMITTED
    await alice.send("Thanks!")
    assert "You're welcome" in alice.messages[-1].text

    # amend after submitting: jump to question 1 from the review and change it
    await alice.send("/review")
    review = alice.messages[-1]
    for section in range(6, 0, -1):
        await alice.click(f"◀ Section {section}", review)
    assert "section 1 of 7" in review.text
    await alice.click("✎ 1")
    assert current_question(alice) == "s1.address"
    assert "Alice Archer" not in alice.messages[-1].text  # her own answer: no attribution
    await alice.click("No")
    assert "submitted" in alice.messages[-1].text.lower()  # back at the review, in place
    assert len(review_messages(alice)) == 2  # the end of the walk, and this /review
    response = await stored_response(seeded, "alice")
    assert response.amended_at is not None
    assert (await stored_answers(seeded, "alice"))["s1.address"].value == "no"


async def test_one_review_message_edited_in_place(
    api: FakeBotApi, harness: Harness, seeded: Seeded
) -> None:
    alice = await join(harness, api, "alice", 1001)
    await alice.click("Yes")
    await alice.click("✎ Note")
    await alice.send("x" * 1999)  # a long note, near the limit
    await alice.click("Skip for now")
    await alice.click("◀ Back")
    assert current_question(alice) == "s1.telephone"
    before = len(alice.messages)
    await alice.send("/review")
    assert len(alice.messages) == before + 1
    review = alice.messages[-1]
    assert "section 1 of 7" in review.text
    assert len(review.html) <= 4096
    assert "x" * 100 in review.text
    assert "1 of 44" in review.text
    assert review.buttons[-1][0] == "Submit"  # always at the bottom
    await alice.click("Section 2 ▶", review)
    assert "section 2 of 7" in review.text and len(alice.messages) == before + 1
    await alice.click("◀ Section 1", review)
    await alice.click("✎ 3", review)
    assert current_question(alice) == "s1.electronic_contacts"
    assert len(alice.messages) == before + 1  # the review became the question
    await alice.click("Yes", review)
    assert "section 1 of 7" in review.text  # and back to where the person was
    assert "2 of 44" in review.text
    await alice.click("Submit", review)
    assert "still unanswered" in review.text
    await alice.click("Not yet", review)
    assert "section 1 of 7" in review.text
    assert len(alice.messages) == before + 1


async def test_a_note_is_one_tap_away_and_lands_on_its_question(
    api: FakeBotApi, harness: Harness, seeded: Seeded
) -> None:
    alice = await join(harness, api, "alice", 1001)
    first = alice.messages[-1]
    await alice.click("Yes")
    await alice.click("No")
    assert current_question(alice) == "s1.electronic_contacts"
    await alice.click("✎ Note", first)
    assert "Type your note on question 1" in first.text
    await alice.send("Held on the referral form")
    assert current_question(alice) == "s1.electronic_contacts"  # back where she was
    assert "Held on the referral form" in first.text
    answers = await stored_answers(seeded, "alice")
    assert answers["s1.address"].note == "Held on the referral form"
    assert answers["s1.telephone"].note is None
    # a note typed right after a tap lands on the question tapped, not the one now asked
    await alice.click("Yes")
    await alice.send("only for staff", date=int(seeded.clock().timestamp()) + 5)
    assert "Added to your note on question 3" in alice.messages[-1].text
    assert current_question(alice) == "s1.gp"
    answers = await stored_answers(seeded, "alice")
    assert answers["s1.electronic_contacts"].note == "only for staff"
    assert "s1.gp" not in answers


async def test_back_skip_and_keep(api: FakeBotApi, harness: Harness, seeded: Seeded) -> None:
    alice = await join(harness, api, "alice", 1001)
    await alice.click("No")
    assert current_question(alice) == "s1.telephone"
    await alice.click("◀ Back")
    assert current_question(alice) == "s1.address"
    assert "No" in alice.messages[-1].text
    await alice.click("Keep and go on ➜")
    assert current_question(alice) == "s1.telephone"
    await alice.click("Skip for now")
    assert current_question(alice) == "s1.electronic_contacts"
    assert "Skipped for now" in alice.messages[-2].text
    await alice.click("◀ Back")
    assert "Skipped" not in alice.messages[-2].text  # going back is not skipping


async def test_two_contacts_of_one_partnership_at_once(
    api: FakeBotApi, harness: Harness, seeded: Seeded
) -> None:
    alice = await join(harness, api, "alice", 1001)
    bob = await join(harness, api, "bob", 1002)
    assert "North Partnership" in bob.messages[0].text
    await alice.click("Yes")
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
    await bob.click("✎ 1", bob.messages[-1])
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
    await alice.send("/pause")
    assert "Paused" in alice.messages[-1].text
    await alice.send("/cancel")  # its old name still works
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
