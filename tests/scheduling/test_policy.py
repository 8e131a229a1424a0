"""The pure parts of the reminder policy: working time, snoozes and their buttons."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from bot.config import Settings
from bot.notices import Intent, Notice
from bot.reminders import Policy, SnoozeChoice, snooze, snooze_until, tick
from bot.working_hours import WorkingHours
from storage import outbox
from storage.records import Address, Contact
from tests.conftest import NOW, Seeded
from tests.scheduling.test_round import at

DEADLINE = date(2026, 11, 30)


def policy(settings: Settings) -> Policy:
    return Policy.from_settings(settings)


def test_working_time_skips_nights_and_weekends(settings: Settings) -> None:
    p = WorkingHours.from_settings(settings)
    assert p.is_working_time(at(11, 23, 9))
    assert not p.is_working_time(at(11, 23, 17))
    assert p.next_working_time(at(11, 23, 17, 30)) == at(11, 24, 9)
    assert p.next_working_time(at(11, 27, 18)) == at(11, 30, 9)  # Friday evening
    assert p.next_working_time(at(11, 29, 8)) == at(11, 30, 9)  # Sunday
    assert p.next_working_time(at(11, 24, 7)) == at(11, 24, 9)


def test_summer_time_is_respected() -> None:
    p = WorkingHours.from_settings(Settings(timezone="Europe/London"))
    # 9:00 in London in July is 8:00 UTC
    assert p.is_working_time(datetime(2026, 7, 1, 8, 0, tzinfo=UTC))
    assert not p.is_working_time(datetime(2026, 7, 1, 7, 59, tzinfo=UTC))


def test_snooze_never_goes_past_the_deadline(settings: Settings) -> None:
    p = policy(settings)
    assert snooze_until(SnoozeChoice.TOMORROW, at(11, 20, 10), DEADLINE, p) == at(11, 23, 9)
    assert snooze_until(SnoozeChoice.NEXT_WEEK, at(11, 16, 10), DEADLINE, p) == at(11, 23, 9)
    assert snooze_until(SnoozeChoice.NEXT_WEEK, at(11, 26, 10), DEADLINE, p) == at(11, 30, 9)
    assert snooze_until(SnoozeChoice.TOMORROW, at(11, 30, 10), DEADLINE, p) is None


async def test_a_snoozed_contact_hears_again_when_the_snooze_ends(
    linked: Seeded, settings: Settings
) -> None:
    clock, db = linked.clock, linked.db
    clock.now = at(11, 23, 10)
    await tick(db, settings, clock)  # d-7 to all four
    async with db.read() as conn:
        row = next(r for r in await outbox.all_rows(conn) if r.recipient == "1004")
    notice = Notice.from_payload(row.payload)
    assert notice is not None
    [tomorrow, week] = notice.actions[1]
    assert (tomorrow.label, tomorrow.intent) == ("reminders.button.tomorrow", Intent.SNOOZE)
    alice, dan = linked.contacts["alice"], linked.contacts["dan"]

    async def tap(contact_id: int, action: object) -> str:
        args = action.args  # type: ignore[attr-defined]
        choice = SnoozeChoice(args["choice"])
        return await snooze(db, settings, contact_id, args["round_id"], choice, clock())

    reply = await tap(dan.id, week)
    assert "Monday 30 November" in reply  # capped at the deadline
    await tap(alice.id, tomorrow)
    # Friday: d-3 goes to bob and carol, not to dan (snoozed); alice's snooze has ended
    # on Tuesday, so her snooze reminder went then and d-3 now supersedes it.
    for day, hour in ((24, 9), (25, 9), (26, 9), (27, 9), (30, 9)):
        clock.now = at(11, day, hour)
        await tick(db, settings, clock)
    async with db.read() as conn:
        got = [(int(r.recipient), r.slot, r.created_at) for r in await outbox.all_rows(conn)]
    mine = [(slot, when) for chat, slot, when in got if chat == 1004]
    assert mine == [
        ("d-7@2026-11-30", at(11, 23, 10)),
        ("d0@2026-11-30", at(11, 30, 9)),
    ]
    alice_slots = [slot for chat, slot, _ in got if chat == 1001]
    assert alice_slots == [
        "d-7@2026-11-30",
        "snooze-2026-11-24",
        "d-3@2026-11-30",
        "d0@2026-11-30",
    ]


def test_reminders_go_to_the_preferred_reachable_address(settings: Settings) -> None:
    policy = replace(Policy.from_settings(settings), channels=("telegram", "email"))
    telegram = Address("telegram", "501", "501", NOW)
    email = Address("email", "dan@east.example")
    dan = Contact(4, 3, "East", "Dan", "dan@east.example", addresses=(email, telegram))
    assert policy.address(dan) == telegram  # no preference: the default channel first
    assert policy.address(replace(dan, preferred_channel="email")) == email
    blocked = replace(telegram, unreachable_at=NOW)
    assert policy.address(replace(dan, addresses=(email, blocked))) == email
    nowhere = replace(dan, addresses=(replace(email, unreachable_at=NOW), blocked))
    assert policy.address(nowhere) is None
    assert nowhere.unreachable_at == NOW  # unreachable on every channel in use
    only_telegram = replace(policy, channels=("telegram",))
    assert only_telegram.address(replace(dan, preferred_channel="email")) == telegram
