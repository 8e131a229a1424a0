"""What one person sends arrives together, late, twice or over a slow network, and every
answer still lands where they meant it (issue: answers that arrive together)."""

from __future__ import annotations

import asyncio
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.channels.telegram.ordering import ChatOrderedProcessor
from bot.config import Settings, TelegramSettings
from bot.questionnaire import Kind
from storage import open_database, responses
from tests.conftest import NOW, Seeded, seed
from tests.fake_bot_api import FakeBotApi, FakeUser
from tests.plugins.telegram import Harness, join, stored_answers

STAMP = int(NOW.timestamp())


@pytest.fixture
async def alice(api: FakeBotApi, harness: Harness) -> FakeUser:
    """Alice Archer, joined by her invite, talking to the running bot."""
    await harness.start()
    return await join(harness, api, "alice", 1001)


async def history(seeded: Seeded, who: str) -> list[tuple[str, str | None, str | None]]:
    contact = seeded.contacts[who]
    async with seeded.db.read() as conn:
        response = await responses.response_for(
            conn, seeded.round.id, contact.partnership_id, seeded.round.questionnaire_version
        )
        return [
            (h.question_id, h.value, h.note) for h in await responses.history(conn, response.id)
        ]


async def tap_then_note_together(user: FakeUser, label: str, note: str | None) -> None:
    """A tap and the note typed straight after it, delivered in one getUpdates answer."""
    question = next(
        m for m in reversed(user.messages) if any(text == label for text, _ in m.buttons)
    )
    payloads = [user.tap_update(label, question)]
    if note is not None:
        payloads.append(user.text_update(note, date=STAMP))
    await user.settle_all(user.api.push_together(*payloads))


@pytest.mark.parametrize("slow", ["answerCallbackQuery", "editMessageText", "sendMessage"])
async def test_a_tap_and_the_note_after_it_are_applied_in_order(
    api: FakeBotApi, seeded: Seeded, slow: str, alice: FakeUser
) -> None:
    api.delay = lambda method: 0.15 if method == slow else 0.0
    ticks = [item for item in seeded.questionnaire.items if item.kind is Kind.TICK][:8]
    for n, _ in enumerate(ticks):
        await tap_then_note_together(alice, "Yes" if n % 2 else "No", f"note {n}")
    expected = []
    for n, item in enumerate(ticks):
        value = "yes" if n % 2 else "no"
        expected += [(item.id, value, None), (item.id, value, f"note {n}")]
    assert await history(seeded, "alice") == expected


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.booleans(), st.sampled_from([None, "a", "a2"]), st.booleans()),
        min_size=3,
        max_size=6,
    ),
    seed_=st.integers(0, 2**16),
)
async def test_any_network_delays_give_what_sequential_handling_gives(
    api: FakeBotApi, tmp_path_factory: pytest.TempPathFactory, steps: list, seed_: int
) -> None:
    """Each step: a tap, maybe a note (in one or two messages), maybe delivered twice. With
    random delays on every Bot API call the stored history is the sequential one."""
    rng = random.Random(seed_)
    api.delay = lambda method: rng.choice([0.0, 0.0, 0.01, 0.05])
    folder = tmp_path_factory.mktemp("run")
    db = await open_database(folder / "audit.db")
    try:
        seeded = await seed(db, folder / "directory.csv")
        harness = Harness(
            Settings(
                telegram=TelegramSettings(bot_token=api.token, api_url=api.url),
                db=folder / "audit.db",
            ),
            seeded,
            api,
        )
        await harness.start()
        user_id = 5000 + seed_
        alice = await join(harness, api, "alice", user_id)
        expected = []
        items = seeded.questionnaire.items
        for n, (yes, note, twice) in enumerate(steps):
            label, value = ("Yes", "yes") if yes else ("No", "no")
            question = next(
                m for m in reversed(alice.messages) if any(t == label for t, _ in m.buttons)
            )
            payloads = [alice.tap_update(label, question)]
            if note is not None:
                payloads.append(alice.text_update(f"{n} part one", date=STAMP))
            if note == "a2":  # the rest of the note, sent before the next question showed
                payloads.append(alice.text_update(f"{n} part two", date=STAMP - 30))
            updates = api.push_together(*payloads)
            if twice:
                for update in updates:
                    api.deliver_again(update)
            await alice.settle_all(updates, within=30)
            expected.append((items[n].id, value, None))
            if note == "a":
                expected.append((items[n].id, value, f"{n} part one"))
            elif note == "a2":
                expected.append((items[n].id, value, f"{n} part one"))
                expected.append((items[n].id, value, f"{n} part one\n{n} part two"))
        assert await history(seeded, "alice") == expected
        for app in list(harness.running):
            await harness.stop(app)
    finally:
        await db.close()


async def test_updates_from_different_chats_still_run_side_by_side(
    api: FakeBotApi, harness: Harness, seeded: Seeded
) -> None:
    app = await harness.start()
    alice = await join(harness, api, "alice", 1001)
    carol = await join(harness, api, "carol", 1003)
    api.delay = lambda method: 0.3 if method == "answerCallbackQuery" else 0.0
    first = alice.tap_update("Yes", alice.messages[-1])
    second = carol.tap_update("No", carol.messages[-1])
    updates = api.push_together(first, second)
    await alice.settle_all(updates, within=0.55)  # two slow answers, at the same time
    processor = app.update_processor
    assert isinstance(processor, ChatOrderedProcessor)
    for _ in range(100):  # the processor tidies up just after the handlers finish
        if processor.busy_chats == 0:
            break
        await asyncio.sleep(0.01)
    assert processor.busy_chats == 0  # nothing is kept for chats that have gone quiet


async def test_typed_yes_and_no_answer_tick_questions(seeded: Seeded, alice: FakeUser) -> None:
    await alice.send("YES")
    assert "2. Telephone numbers" in alice.messages[-1].text
    await alice.send("no - only for pupils on roll")
    assert "3. Emails" in alice.messages[-1].text
    answers = await stored_answers(seeded, "alice")
    assert (answers["s1.address"].value, answers["s1.address"].note) == ("yes", None)
    telephone = answers["s1.telephone"]
    assert (telephone.value, telephone.note) == ("no", "only for pupils on roll")


async def test_unclear_text_on_a_tick_question_asks_which_was_meant(
    seeded: Seeded, alice: FakeUser
) -> None:
    await alice.send("on the referral form")
    assert "Is that a Yes or a No?" in alice.messages[-1].text
    assert await stored_answers(seeded, "alice") == {}
    await alice.click("Yes")
    address = (await stored_answers(seeded, "alice"))["s1.address"]
    assert (address.value, address.note) == ("yes", "on the referral form")
    assert "2. Telephone numbers" in alice.messages[-1].text


async def test_a_note_sent_in_two_messages_stays_on_its_question(
    api: FakeBotApi, seeded: Seeded, alice: FakeUser
) -> None:
    await alice.click("Yes")
    updates = api.push_together(
        alice.text_update("We keep behaviour records on the MIS,", date=STAMP - 20),
        alice.text_update("and successes go in the termly report.", date=STAMP - 10),
    )
    await alice.settle_all(updates)
    answers = await stored_answers(seeded, "alice")
    assert answers["s1.address"].note == (
        "We keep behaviour records on the MIS,\nand successes go in the termly report."
    )
    assert "s1.telephone" not in answers
    assert "Added to your note on question 1" in alice.messages[-1].text
    # typed just after question 2 showed, and not a Yes or No: more of that note
    await alice.send("And the paper file.", date=STAMP + 5)
    assert "Added to your note on question 1" in alice.messages[-1].text
    # typed minutes later: the bot asks where it goes
    await alice.send("Only since 2019.", date=STAMP + 300)
    assert "Is that a Yes or a No?" in alice.messages[-1].text
    await alice.click("Add to my note on question 1")
    answers = await stored_answers(seeded, "alice")
    assert answers["s1.address"].note.endswith("And the paper file.\nOnly since 2019.")
    assert "s1.telephone" not in answers


async def tap_after_bob_answered(
    api: FakeBotApi, harness: Harness, seeded: Seeded, bob_note: str | None = None
) -> FakeUser:
    """Alice taps Yes on her question 1 after Bob, later, answered it No (with a note)."""
    await harness.start()
    alice = await join(harness, api, "alice", 1001)
    old_question = alice.messages[-1]
    seeded.clock.advance(minutes=5)
    bob = await join(harness, api, "bob", 1002)
    await bob.click("No")
    if bob_note is not None:
        await bob.click("✎ Note")
        await bob.send(bob_note)
    seeded.clock.advance(minutes=5)
    await alice.click("Yes", message=old_question)
    return alice


async def test_changing_a_colleagues_newer_answer_asks_first_and_keeps_their_note(
    api: FakeBotApi, harness: Harness, seeded: Seeded
) -> None:
    alice = await tap_after_bob_answered(api, harness, seeded, "Only for pupils on roll.")
    prompt = alice.messages[-1].text
    assert "Bob Baker answered No" in prompt
    assert "Only for pupils on roll." in prompt
    assert (await stored_answers(seeded, "alice"))["s1.address"].value == "no"
    await alice.click("Change it to “Yes”")
    address = (await stored_answers(seeded, "alice"))["s1.address"]
    assert (address.value, address.contact_name) == ("yes", "Alice Archer")
    assert (address.note, address.note_by) == ("Only for pupils on roll.", "Bob Baker")
    await alice.send("/review")
    review = next(m.text for m in alice.messages if "Your answers · section 1" in m.text)
    assert "➜ Yes\n" in review  # her own answer: not attributed to her
    assert "Note (Bob Baker): Only for pupils on roll." in review


async def test_keeping_a_colleagues_answer_changes_nothing(
    api: FakeBotApi, harness: Harness, seeded: Seeded
) -> None:
    alice = await tap_after_bob_answered(api, harness, seeded)
    await alice.click("Keep Bob Baker's answer")
    address = (await stored_answers(seeded, "alice"))["s1.address"]
    assert (address.value, address.contact_name) == ("no", "Bob Baker")
    assert "2. Telephone numbers" in alice.messages[-1].text


async def test_a_refused_edit_still_gets_a_reply(
    api: FakeBotApi,
    caplog: pytest.LogCaptureFixture,
    alice: FakeUser,
) -> None:
    api.refuse_edits = True
    before = len(alice.messages)
    await alice.click("Yes")
    # the refused edit of the question into its transcript is sent anew, then the next one
    assert len(alice.messages) == before + 2
    assert "➜ Yes" in alice.messages[-2].text
    assert "2. Telephone numbers" in alice.messages[-1].text
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    assert "something went wrong" not in " ".join(alice.texts())


async def test_commands_for_another_bot_are_not_ours(alice: FakeUser) -> None:
    await alice.send("/review@SomeOtherBot")
    assert "I don't know that command" in alice.messages[-1].text
    await alice.send("/review@partnership_audit_test_bot")
    assert "Your answers · section 1" in alice.messages[-1].text


async def test_a_bad_invite_is_explained_once_escaped(
    api: FakeBotApi, harness: Harness, seeded: Seeded
) -> None:
    await harness.start()
    stranger = api.user(4040, "Stranger")
    await stranger.send("/start not-a-real-token")
    shown = stranger.messages[-1]
    assert "That invite link isn't valid." in shown.text
    assert "&#39;" not in shown.text and "&amp;" not in shown.html


async def test_invite_tokens_are_never_kept_in_the_inbox(
    api: FakeBotApi, harness: Harness, seeded: Seeded
) -> None:
    await harness.start()
    token = await harness.invite(seeded.contacts["alice"])
    api.delay = lambda method: 0.5 if method == "sendMessage" else 0.0
    alice = api.user(1001, "Alice")
    since = len(api.calls)
    update = await alice.send(f"/start {token}", settle=False)
    await api.wait_until(lambda: any(c.method == "sendMessage" for c in api.calls[since:]))
    async with seeded.db.read() as conn, conn.execute("SELECT payload FROM inbox") as cur:
        kept = [row["payload"] for row in await cur.fetchall()]
    assert not any(token in payload for payload in kept)
    await alice.settle_all([update])
