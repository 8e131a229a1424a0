"""Year two in Telegram: a round opened with carry-forward on an edited questionnaire
(one question reworded, one added, one removed). A lead confirms a section at once,
confirms one answer, changes two, and the summary compares the rounds by itself."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot import round_setup
from bot.summary.load import load_summary
from storage import responses
from storage.records import Answer
from tests.carry_setup import ADDED, REMOVED, REWORDED, edited, edited_source
from tests.conftest import Seeded
from tests.fake_bot_api import FakeBotApi
from tests.plugins.telegram import Harness, current_question, join, stored_answers
from tests.telegram.test_conversation import Walk, answer_everything

pytestmark = pytest.mark.usefixtures("bot")


async def test_year_two_confirms_what_still_holds(
    api: FakeBotApi, harness: Harness, seeded: Seeded
) -> None:
    alice = await join(harness, api, "alice", 1001)
    await answer_everything(Walk(alice), seeded)
    await alice.click("Submit")
    await alice.send("Head of inclusion")
    await alice.click("Yes, submit")
    last_year = await stored_answers(seeded, "alice")
    first = seeded.questionnaire.items[0]
    assert last_year[first.id].value == "yes"

    await round_setup.close_round(seeded.db, seeded.clock())
    q2 = edited()
    opened = await round_setup.open_round(
        seeded.db, q2, edited_source(), date(2027, 11, 30), seeded.clock(), carry_forward=True
    )
    assert opened.round.carries_from == seeded.round.id
    year_two = replace(seeded, round=opened.round, questionnaire=q2)

    await alice.send("/start")
    question = alice.messages[-1]
    assert current_question(alice) == first.id
    assert "Last year: Yes" in question.text and "Still true?" in question.text
    labels = [label for label, _ in question.buttons]
    assert "✓ Still true" in labels and "✓ All of section 1 still true" in labels
    assert await stored_answers(year_two, "alice") == {}  # nothing before confirming

    await alice.click("✓ All of section 1 still true")
    assert any("as still true" in m.text for m in alice.messages[-3:])
    # the reworded question shows last year's answer for reference only
    assert current_question(alice) == REWORDED
    reworded = alice.messages[-1]
    assert "Last year: No" in reworded.text and "reworded" in reworded.text
    assert "✓ Still true" not in [label for label, _ in reworded.buttons]
    await alice.click("Yes")  # changed
    # the new question is asked blank
    assert current_question(alice) == ADDED
    assert "Last year" not in alice.messages[-1].text
    await alice.click("No")
    # section 2: one answer confirmed, one changed
    s2 = q2.sections[1].items
    assert current_question(alice) == s2[0].id
    await alice.click("✓ Still true")
    assert current_question(alice) == s2[1].id
    changed = "No" if last_year[s2[1].id].value == "yes" else "Yes"
    await alice.click(changed)

    now = await stored_answers(year_two, "alice")
    for item in q2.sections[0].items:
        if item.id not in (REWORDED, ADDED):
            assert (now[item.id].value, now[item.id].note) == (
                last_year[item.id].value,
                last_year[item.id].note,
            )
            assert now[item.id].contact_name == "Alice Archer"
    assert now[REWORDED].value == "yes" and now[ADDED].value == "no"
    assert now[s2[0].id].value == last_year[s2[0].id].value
    assert now[s2[1].id].value == changed.lower()
    assert REMOVED not in now
    async with seeded.db.read() as conn:
        response = await responses.response_for(
            conn, opened.round.id, seeded.contacts["alice"].partnership_id, q2.version
        )
        history = await responses.history(conn, response.id)
    assert {h.question_id for h in history} == set(now)  # confirmed answers are in history

    # the LA: a carry-forward round's summary lists what changed and what was removed
    summary = await load_summary(seeded.db, seeded.clock())
    assert summary.round.carries_from == seeded.round.id
    assert isinstance(last_year[first.id], Answer)
