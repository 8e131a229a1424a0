"""An admin's /query in Telegram, end to end through the real bot and the fake Bot API: pick
the partnership and the question (paged), type the comment; the partnership's contact gets
the query with their answer and the comment, taps through to the question, answers it
again, and the LA (its chat and the admin who asked) is told, old -> new."""

from __future__ import annotations

from bot.channels.telegram import app as tg
from bot.channels.telegram import callback_codec as codec
from bot.channels.telegram.callback_codec import QueryPick
from bot.flows import events
from bot.summary.model import number_questions
from bot.texts import texts
from storage import queries as store
from tests.conftest import Seeded
from tests.delivery.conftest import ADMIN, LA_CHAT
from tests.fake_bot_api import BotMessage, FakeBotApi, FakeUser
from tests.plugins.telegram import Harness, join, stored_answers

COMMENT = "Please say which <system> holds this & where."


def with_data(user: FakeUser, data: str) -> BotMessage:
    """The latest message with a button carrying `data`."""
    for message in reversed(user.messages):
        if any(d == data for _, d in message.buttons):
            return message
    raise AssertionError(f"no button {data!r}; latest: {user.messages[-1].buttons}")


async def test_an_admin_asks_and_the_partnership_answers_through_the_jump(
    process: tg.TelegramApp, api: FakeBotApi, harness: Harness, seeded: Seeded
) -> None:
    alice = await join(harness, api, "alice", 1001)
    north = seeded.contacts["alice"].partnership_id
    note = "On the referral form."
    entry = events.BatchEntry("s1.address", "yes", note)
    await seeded.service.handle(seeded.contacts["alice"].id, "telegram", events.Batch((entry,)))
    la = api.user(LA_CHAT, "LA")
    olivia = api.user(ADMIN, "Olivia")
    questions = number_questions(seeded.questionnaire)

    await olivia.send("/query")
    picking = olivia.messages[-1]
    assert "Which partnership" in picking.text
    assert [label for label, _ in picking.buttons][:3] == [
        "East Partnership",
        "North Partnership",
        "South Partnership",
    ]
    await olivia.click("North Partnership")
    page = olivia.messages[-1]
    assert "page 1 of 6" in page.text  # 44 questions, eight a page, edited in place
    first = f"1. {questions[0].item.text}"
    assert page.buttons[0][0] in (first, first[:47].rstrip() + "…")
    await olivia.click("More questions ›")
    assert "page 2 of 6" in olivia.messages[-1].text
    assert olivia.messages[-1].buttons[0][0].startswith("9. ")
    await olivia.click("‹ Earlier questions")
    pick = codec.encode_query_pick(QueryPick(north, question_id="s1.address"))
    await olivia.click_data(pick, with_data(olivia, pick))
    prompt = olivia.messages[-1]
    assert "Now type your comment" in prompt.text and "question 1" in prompt.text
    assert "Yes" in prompt.text and note in prompt.text

    await olivia.send(COMMENT)
    assert "Sent to North Partnership (Alice Archer)" in olivia.messages[-1].text
    async with seeded.db.read() as conn:
        [query] = await store.in_round(conn, seeded.round.id, only_open=True)
    assert query.comment == COMMENT and query.asked_by == f"telegram:{ADMIN}"
    assert query.notify == ("telegram:9001", f"telegram:{ADMIN}")

    # Alice hears of it in Telegram, with her answer, her note and the comment
    notice = await alice.wait_for_text("The local authority asks")
    assert COMMENT in notice.text and note in notice.text and "Your answer: Yes" in notice.text
    await alice.click(texts().string("queries.button.answer"), notice)
    question = alice.messages[-1]
    assert "Yes" in [label.removeprefix("✓ ") for label, _ in question.buttons]
    # the question itself shows the comment (escaped), and a note is one tap away
    assert (
        "The local authority asks about this answer" in question.text and COMMENT in question.text
    )
    assert "&lt;system&gt;" in question.html
    assert texts().string("telegram.edit_note") in [label for label, _ in question.buttons]
    await alice.send("/review")  # the review marks the queried answer
    assert texts().string("queries.in_review") in alice.messages[-1].text
    await alice.click("✎ 1")
    await alice.click("No")
    assert (await stored_answers(seeded, "alice"))["s1.address"].value == "no"

    told = await la.wait_for_text("replied to your question")
    assert "North Partnership" in told.text and "Yes → No" in told.text
    assert "Please say which &lt;system&gt;" in told.html  # escaped as it is shown
    await olivia.wait_for_text("replied to your question")
    async with seeded.db.read() as conn:
        [answered] = await store.in_round(conn, seeded.round.id)
    assert answered.answered_by_name == "Alice Archer" and answered.answer_value == "no"


async def test_only_admins_may_query_and_cancel_stops_it(
    process: tg.TelegramApp, api: FakeBotApi, harness: Harness, seeded: Seeded
) -> None:
    alice = await join(harness, api, "alice", 1001)
    await alice.send("/query")
    assert "only for the local authority" in alice.messages[-1].text
    forged = codec.encode_query_pick(QueryPick(1, question_id="s1.address"))
    await alice.click_data(forged, alice.messages[-1])
    assert "only for the local authority" in alice.messages[-1].text

    olivia = api.user(ADMIN, "Olivia")
    await olivia.send("/query")
    await olivia.click("South Partnership")
    pick = codec.encode_query_pick(
        QueryPick(seeded.contacts["carol"].partnership_id, question_id="s1.gp")
    )
    await olivia.click_data(pick, with_data(olivia, pick))
    await olivia.send("/cancel")
    assert "The query was not sent." in olivia.messages[-1].text
    async with seeded.db.read() as conn:
        assert await store.in_round(conn, seeded.round.id) == []
