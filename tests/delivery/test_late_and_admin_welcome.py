"""Who opens the bot after the work is done, or without anything to answer, is told so
plainly: a colleague joining after submission, and an LA admin who is not a contact."""

from __future__ import annotations

import pytest

from tests.conftest import Seeded
from tests.delivery.conftest import ADMIN
from tests.fake_bot_api import FakeBotApi
from tests.plugins.telegram import Harness, join

pytestmark = pytest.mark.usefixtures("bot")


async def test_a_colleague_joining_after_submission_is_told_it_is_done(
    api: FakeBotApi, harness: Harness, seeded: Seeded
) -> None:
    alice = await join(harness, api, "alice", 1001)
    await alice.click("Yes")
    await alice.send("/submit")
    await alice.send("Head of inclusion")  # the role for the sign-off
    await alice.click("Yes, submit")
    assert "Submitted" in alice.messages[-1].text
    bob = await join(harness, api, "bob", 1002)
    welcome = bob.messages[0].text
    assert "was submitted by Alice Archer on 02 November" in welcome
    assert "nothing you need to do" in welcome
    assert "Please finish by" not in welcome
    # then the answers, one review message, without a Submit button
    [review] = [m for m in bob.messages if "Your answers · section" in m.text]
    assert "Submit" not in [label for label, _ in review.buttons]
    assert len(bob.messages) == 2


async def test_an_admin_who_is_not_a_contact_is_not_sent_to_the_la(api: FakeBotApi) -> None:
    olivia = api.user(ADMIN, "Olivia")
    await olivia.send("hello")
    text = olivia.messages[-1].text
    assert "audit team" in text and "/status" in text
    assert "ask the local authority officer" not in text
    stranger = api.user(4040, "Sam")
    await stranger.send("hello")
    assert "ask the local authority officer" in stranger.messages[-1].text
