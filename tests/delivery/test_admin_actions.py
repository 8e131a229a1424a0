"""An admin's follow-up actions and queries in Telegram: /status counts the actions still open
and the LA's questions waiting for a reply; /actions lists the open actions a page at a time,
and its "Mark done" buttons mark them done (as `auditbot actions done` does) and edit the
list in place; a second tap, or a button from an old list, is told why nothing changed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.channels.telegram import app as tg
from bot.channels.telegram.admin_actions import ActionTap, decode_tap, encode_tap
from bot.config import Settings
from bot.flows import events
from bot.queries import QueryLoop
from bot.summary.action_done import mark_action_done
from bot.summary.actions import answer_fingerprint
from bot.summary.load import load_summary
from storage import actions as action_store
from storage import audit_log
from tests.conftest import NOW, Seeded
from tests.delivery.conftest import ADMIN
from tests.fake_bot_api import BotMessage, FakeBotApi, FakeUser
from tests.plugins.telegram import Harness, join

DIFFERS_NOTE = "Six <years> & no more."
RED_CODE = "1-42"  # North (partnership 1), s7.paper_seven_years
AMBER_CODE = "1-36"  # North, s6.referral


async def raise_two_actions(seeded: Seeded) -> None:
    entries = (
        events.BatchEntry("s7.paper_seven_years", "differs", DIFFERS_NOTE),
        events.BatchEntry("s6.referral", ""),
    )
    await seeded.service.handle(seeded.contacts["alice"].id, "console", events.Batch(entries))


def mark_button(message: BotMessage, code: str) -> str:
    [data] = [d for label, d in message.buttons if label == f"✓ Mark {code} done"]
    return data


async def test_admin_status_counts_open_actions(
    bot: tg.TelegramApp, api: FakeBotApi, seeded: Seeded
) -> None:
    olivia = api.user(ADMIN, "Olivia")
    await olivia.send("/status")
    assert "follow-up action" not in olivia.messages[-1].text  # nothing raised yet

    await raise_two_actions(seeded)
    await olivia.send("/status")
    status = olivia.messages[-1]
    assert "2 follow-up actions open, 1 of them red. /actions lists them" in status.text

    summary = await load_summary(seeded.db, seeded.clock())
    red = summary.actions[0]
    async with seeded.db.transaction() as conn:
        await action_store.mark_done(
            conn,
            summary.round.id,
            red.partnership_id,
            red.question.item.id,
            answer_fingerprint(red.answer.value, red.answer.note),
            "telegram:777",
            seeded.clock(),
        )
    await olivia.send("/status")
    assert "1 follow-up action open." in olivia.messages[-1].text


async def test_admin_status_counts_queries_waiting_with_the_oldest_age(
    bot: tg.TelegramApp, api: FakeBotApi, seeded: Seeded, settings: Settings
) -> None:
    olivia = api.user(ADMIN, "Olivia")
    await olivia.send("/status")
    assert "waiting for a reply" not in olivia.messages[-1].text
    loop = QueryLoop.from_settings(settings)
    await loop.ask(seeded.db, "North Partnership", "1", "Which <system>?", "cli:jo", seeded.clock())
    await olivia.send("/status")
    said = "1 question to a partnership is waiting for a reply, asked in the last day."
    assert said in olivia.messages[-1].text
    assert "<code>auditbot query list --open</code>" in olivia.messages[-1].html

    seeded.clock.advance(days=6, hours=2)
    await loop.ask(seeded.db, "South Partnership", "2", "And this?", "cli:jo", seeded.clock())
    await loop.ask(seeded.db, "East Partnership", "3", "And that?", "cli:jo", seeded.clock())
    await olivia.send("/status")
    said = "3 questions to partnerships are waiting for a reply, the oldest for 6 days."
    assert said in olivia.messages[-1].text


async def test_admin_marks_an_action_done_from_the_list(
    bot: tg.TelegramApp, api: FakeBotApi, seeded: Seeded
) -> None:
    await raise_two_actions(seeded)
    olivia = api.user(ADMIN, "Olivia")
    await olivia.send("/actions")
    listed = olivia.messages[-1]
    assert "2 follow-up actions open, 1 of them red." in listed.text
    assert f"🔴 {RED_CODE} · Red · North Partnership" in listed.text
    assert "Our practice differs — Six <years> & no more." in listed.text
    assert "Six &lt;years&gt; &amp; no more." in listed.html  # escaped as it is shown
    assert "retention schedule" in listed.text  # the suggested action
    assert [label for label, _ in listed.buttons] == [
        f"✓ Mark {RED_CODE} done",
        f"✓ Mark {AMBER_CODE} done",
    ]
    red = mark_button(listed, RED_CODE)

    await olivia.click_data(red, listed)
    assert olivia.messages[-1] is listed and listed.edits == 1  # the list, edited in place
    assert listed.text.startswith(f"Marked action {RED_CODE} (North Partnership, question 42)")
    assert "1 follow-up action open." in listed.text
    assert [label for label, _ in listed.buttons] == [f"✓ Mark {AMBER_CODE} done"]
    summary = await load_summary(seeded.db, seeded.clock())
    done = next(a for a in summary.actions if a.code == RED_CODE)
    assert done.done is not None
    assert (done.done.done_by, done.done.done_at) == (f"telegram:{ADMIN}", seeded.clock())
    async with seeded.db.read() as conn:
        logged = await audit_log.latest(conn, 1)
    assert [(e.actor, e.action, e.detail) for e in logged] == [
        (f"telegram:{ADMIN}", "action done", RED_CODE)
    ]

    # the same button again (a double tap, or an older copy of the list): nothing changes
    seeded.clock.advance(minutes=5)
    await olivia.click_data(red, listed)
    assert listed.text.startswith(f"Action {RED_CODE} was already done (Done by telegram:{ADMIN}")
    summary = await load_summary(seeded.db, seeded.clock())
    again = next(a for a in summary.actions if a.code == RED_CODE)
    assert again.done is not None and again.done.done_at == done.done.done_at

    amber = mark_button(listed, AMBER_CODE)
    await olivia.click_data(amber, listed)
    assert "Every action in round 1 is done." in listed.text and listed.buttons == []


async def test_a_button_for_an_answer_changed_since_marks_nothing(
    bot: tg.TelegramApp, api: FakeBotApi, seeded: Seeded
) -> None:
    await raise_two_actions(seeded)
    olivia = api.user(ADMIN, "Olivia")
    await olivia.send("/actions")
    listed = olivia.messages[-1]
    red, amber = mark_button(listed, RED_CODE), mark_button(listed, AMBER_CODE)
    alice = seeded.contacts["alice"].id
    changed = events.BatchEntry("s7.paper_seven_years", "differs", "Five years now.")
    await seeded.service.handle(alice, "console", events.Batch((changed,)))

    await olivia.click_data(red, listed)
    assert listed.text.startswith(
        f"The answer behind action {RED_CODE} has changed since this list was sent"
    )
    assert "Five years now." in listed.text  # the list as it stands now
    summary = await load_summary(seeded.db, seeded.clock())
    assert all(a.is_open for a in summary.actions)
    assert mark_button(listed, RED_CODE) != red  # the new button marks the answer shown

    # an answer that no longer needs follow-up
    await seeded.service.handle(
        alice, "console", events.Batch((events.BatchEntry("s6.referral", "We ask the school."),))
    )
    await olivia.click_data(amber, listed)
    assert listed.text.startswith(f"Action {AMBER_CODE} no longer needs follow-up")


async def test_pages_of_actions(bot: tg.TelegramApp, api: FakeBotApi, seeded: Seeded) -> None:
    nothing = tuple(
        events.BatchEntry(q, "")
        for q in ("s6.referral", "s6.new_information", "s6.register", "s6.transfer")
    )
    for who in ("alice", "carol"):
        await seeded.service.handle(seeded.contacts[who].id, "console", events.Batch(nothing))
    olivia = api.user(ADMIN, "Olivia")
    await olivia.send("/actions")
    listed = olivia.messages[-1]
    assert "8 follow-up actions open. (page 1 of 2)" in listed.text
    assert [label for label, _ in listed.buttons][-1] == "More actions ›"
    await olivia.click("More actions ›", listed)
    assert "(page 2 of 2)" in listed.text
    labels = [label for label, _ in listed.buttons]
    assert len(labels) == 4 and labels[-1] == "‹ Earlier actions"
    # marking the last action of the last page done leaves a page that still exists
    await olivia.click(labels[0], listed)
    for _ in range(2):
        await olivia.click(listed.buttons[0][0], listed)
    assert "5 follow-up actions open." in listed.text and "page" not in listed.text


async def test_only_admins_see_or_mark_actions(
    bot: tg.TelegramApp, api: FakeBotApi, harness: Harness, seeded: Seeded
) -> None:
    await raise_two_actions(seeded)
    alice: FakeUser = await join(harness, api, "alice", 1001)
    await alice.send("/actions")
    assert "only for the local authority" in alice.messages[-1].text
    forged = encode_tap(ActionTap(seeded.round.id, code=RED_CODE, fingerprint="0" * 8))
    await alice.click_data(forged, alice.messages[-1])
    assert "only for the local authority" in alice.messages[-1].text
    summary = await load_summary(seeded.db, seeded.clock())
    assert all(a.is_open for a in summary.actions)

    olivia = api.user(ADMIN, "Olivia")
    await olivia.send("/actions")
    listed = olivia.messages[-1]
    await olivia.click_data("f1|d|1|0|1-42|zzzzzzzz", listed)
    assert "couldn't read that button" in olivia.messages[-1].text
    await olivia.click_data(encode_tap(ActionTap(99)), listed)
    assert listed.text.startswith("That list is from round 99, which is no longer kept;")


@pytest.mark.parametrize(
    "tap",
    [
        ActionTap(1),
        ActionTap(7, 3),
        ActionTap(10**17, 999, "123456789012345678-9999", "0123abcd"),
    ],
)
def test_button_data_round_trips_within_telegrams_limit(tap: ActionTap) -> None:
    data = encode_tap(tap)
    assert len(data.encode()) <= 64 and decode_tap(data) == tap


@pytest.mark.parametrize(
    "data",
    [None, "", "f1|p|1", "f1|p|1|1\n", "f1|d|1|0|1-42|ABCDEF12", "q1|p|0", "f1|d|1|x-1|0123abcd"],
)
def test_other_data_is_not_an_action_tap(data: str | None) -> None:
    assert decode_tap(data) is None


async def test_two_admins_marking_at_once_keep_the_first(seeded: Seeded) -> None:
    """Both read the action open; the second to write changes nothing (who and when kept)."""
    await raise_two_actions(seeded)
    summary = await load_summary(seeded.db, seeded.clock())
    action = next(a for a in summary.actions if a.code == RED_CODE)
    first = await mark_action_done(seeded.db, summary.round.id, action, "telegram:1", NOW)
    later = NOW + timedelta(minutes=1)
    second = await mark_action_done(seeded.db, summary.round.id, action, "cli:jo", later)
    assert (first, second) == (True, False)
    done = next(a for a in (await load_summary(seeded.db, later)).actions if a.code == RED_CODE)
    assert done.done is not None and (done.done.done_by, done.done.done_at) == ("telegram:1", NOW)
