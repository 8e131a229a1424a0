"""Every promise about time is kept: a snooze names the day its reminder really comes.

Reminders go out on working days, in working hours; "Remind me next week" a week before a
Sunday deadline cannot mean the Sunday (nothing is sent then) nor the Monday after (the
deadline has passed): it means the Friday, and says so.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from telegram import Bot

from bot.channels.telegram import app as tg
from bot.channels.telegram.deliver import TelegramDeliverer
from bot.config import Settings, TelegramSettings
from bot.outbox import OutboxWorker
from bot.reminders import (
    Policy,
    SnoozeChoice,
    decide,
    last_reminder_time,
    plan_snooze,
    snooze,
    tick,
)
from bot.scheduler import TICK_EVERY
from bot.working_hours import WorkingHours
from storage import outbox, rounds
from storage import reminders as store
from tests.conftest import TELEGRAM, Seeded
from tests.scheduling.conftest import CHATS, LA_CHAT, FlakyBotApi
from tests.scheduling.test_round import at

SUNDAY_DEADLINE = date(2026, 12, 13)
FRIDAY_DEADLINE = date(2026, 12, 11)
SNOOZE_BUTTON = "Remind me next week"


@pytest.fixture
def settings(api: FlakyBotApi, tmp_path: Path) -> Settings:
    """The scheduling settings, with the bot pointed at the fake Bot API."""
    return Settings(
        telegram=TelegramSettings(bot_token=api.token, api_url=api.url),
        db=tmp_path / "audit.db",
        timezone="Europe/London",
        la_chat_ids=(LA_CHAT,),
        reminder_days_before=(7, 3, 1),
        inactivity_days=5,
        max_reminders_without_progress=4,
    )


async def move_deadline(seeded: Seeded, deadline: date) -> None:
    async with seeded.db.transaction() as conn:
        await rounds.set_deadline(conn, seeded.round.id, deadline)


async def run_schedule(
    seeded: Seeded, settings: Settings, worker: OutboxWorker, until: datetime
) -> None:
    """What `auditbot run` does, in simulated time: a tick every TICK_EVERY, then delivery."""
    clock = seeded.clock
    while clock() < until:
        clock.now += TICK_EVERY
        await tick(seeded.db, settings, clock)
        await worker.run_once()


def day(moment: datetime, settings: Settings) -> str:
    return moment.astimezone(settings.zone).strftime("%A %d %B")


async def test_next_week_before_a_sunday_deadline_is_the_friday_and_it_comes(
    bot: tg.TelegramApp,
    api: FlakyBotApi,
    linked: Seeded,
    settings: Settings,
    telegram_bot: Bot,
) -> None:
    """Monday 7 December, deadline Sunday 13th: the reply names the day the reminder is
    then actually delivered, through the schedule and the outbox, as a person sees it."""
    await move_deadline(linked, SUNDAY_DEADLINE)
    clock = linked.clock
    clock.now = at(12, 7, 10)
    worker = OutboxWorker(
        linked.db, {TELEGRAM: TelegramDeliverer(telegram_bot)}, clock, chat_interval=0
    )
    await tick(linked.db, settings, clock)
    await worker.run_once()
    alice = api.user(CHATS["alice"], "Alice")
    [reminder] = alice.messages
    await alice.click(SNOOZE_BUTTON, reminder)
    reply = alice.messages[-1].text
    assert reply == (
        "The deadline is Sunday 13 December, so I'll remind you Friday 11 December, "
        "the last working day before it."
    )
    told = len(alice.messages)

    await run_schedule(linked, settings, worker, at(12, 14, 12))

    async with linked.db.read() as conn:
        rows = [
            r
            for r in await outbox.all_rows(conn)
            if r.recipient == str(CHATS["alice"]) and r.kind == "reminder"
        ]
    after = [r for r in rows if r.created_at > at(12, 7, 10)]
    assert [(r.slot, r.sent_at) for r in after] == [
        ("snooze-2026-12-11", at(12, 11, 9)),  # the first tick in working hours
        ("overdue-2026-12-14", at(12, 14, 9)),
    ]
    first = after[0].sent_at
    assert first is not None and day(first, settings) in reply
    # and the person received it: the next message in their chat is that reminder
    assert len(alice.messages) == told + 2
    # the others were reminded on Thursday (d-3), as before
    bob = [r.slot for r in await _rows_for(linked, "bob")]
    assert bob == ["d-7@2026-12-13", "d-3@2026-12-13", "overdue-2026-12-14"]


async def _rows_for(seeded: Seeded, who: str) -> list[outbox.OutboxRow]:
    async with seeded.db.read() as conn:
        return [
            r
            for r in await outbox.all_rows(conn)
            if r.recipient == str(CHATS[who]) and r.kind == "reminder"
        ]


async def test_a_snooze_asked_for_is_sent_even_when_the_la_is_told_instead(
    linked: Seeded, settings: Settings
) -> None:
    """After enough reminders without progress the LA is told instead of reminding again;
    a reminder someone asked for still comes, on the day they were told."""
    settings = settings.model_copy(update={"max_reminders_without_progress": 1})
    await move_deadline(linked, SUNDAY_DEADLINE)
    clock, db = linked.clock, linked.db
    clock.now = at(12, 7, 10)
    await tick(db, settings, clock)  # d-7 to everyone: one reminder without progress
    alice = linked.contacts["alice"]
    reply = await snooze(db, settings, alice.id, linked.round.id, SnoozeChoice.NEXT_WEEK, clock())
    assert "Friday 11 December" in reply
    clock.now = at(12, 11, 9)
    await tick(db, settings, clock)
    async with db.read() as conn:
        today = [r for r in await outbox.all_rows(conn) if r.created_at == clock()]
    reminded = [(r.recipient, r.slot) for r in today if r.kind == "reminder"]
    assert reminded == [(str(CHATS["alice"]), "snooze-2026-12-11")]
    # every partnership is flagged to the LA (North too: alice's snooze is no progress)
    assert len([r for r in today if r.kind == "flag"]) == 3


def policy(settings: Settings) -> Policy:
    return Policy.from_settings(settings)


def test_the_last_reminder_before_a_deadline_is_on_a_working_day(settings: Settings) -> None:
    hours = WorkingHours.from_settings(settings)
    assert hours.last_working_day(SUNDAY_DEADLINE) == FRIDAY_DEADLINE
    assert hours.last_working_day(date(2026, 12, 12)) == FRIDAY_DEADLINE
    assert hours.last_working_day(FRIDAY_DEADLINE) == FRIDAY_DEADLINE
    p = policy(settings)
    assert last_reminder_time(SUNDAY_DEADLINE, p) == at(12, 11, 9)
    assert last_reminder_time(date(2026, 12, 14), p) == at(12, 14, 9)


@pytest.mark.parametrize(
    ("now", "choice", "deadline", "until", "capped"),
    [
        # a week before a Sunday deadline: the Friday, earlier than asked
        (at(12, 7, 10), SnoozeChoice.NEXT_WEEK, SUNDAY_DEADLINE, at(12, 11, 9), True),
        (at(12, 7, 10), SnoozeChoice.TOMORROW, SUNDAY_DEADLINE, at(12, 8, 9), False),
        # Thursday "tomorrow" is the Friday itself: as asked
        (at(12, 10, 10), SnoozeChoice.TOMORROW, SUNDAY_DEADLINE, at(12, 11, 9), False),
        # Friday "tomorrow", deadline far off: Monday (no reminders at weekends)
        (at(12, 4, 10), SnoozeChoice.TOMORROW, date(2027, 1, 29), at(12, 7, 9), False),
        # before working hours on the last working day: that morning
        (at(12, 11, 8), SnoozeChoice.NEXT_WEEK, SUNDAY_DEADLINE, at(12, 11, 9), True),
        # a weekday deadline: its own morning
        (at(12, 7, 10), SnoozeChoice.NEXT_WEEK, FRIDAY_DEADLINE, at(12, 11, 9), True),
    ],
)
def test_a_snooze_lands_on_a_working_morning_before_the_deadline(
    settings: Settings,
    now: datetime,
    choice: SnoozeChoice,
    deadline: date,
    until: datetime,
    capped: bool,
) -> None:
    plan = plan_snooze(choice, now, deadline, policy(settings))
    assert plan is not None
    assert (plan.until, plan.capped) == (until, capped)
    assert WorkingHours.from_settings(settings).is_working_time(plan.until)
    assert plan.until > now and plan.until.date() <= deadline


def test_no_snooze_once_the_last_working_morning_has_come(settings: Settings) -> None:
    p = policy(settings)
    for now in (at(12, 11, 9), at(12, 11, 16), at(12, 12, 10), at(12, 13, 10)):
        assert plan_snooze(SnoozeChoice.TOMORROW, now, SUNDAY_DEADLINE, p) is None


@pytest.mark.parametrize(
    ("now", "choice", "deadline", "expected"),
    [
        (
            at(12, 4, 10),
            SnoozeChoice.TOMORROW,
            date(2027, 1, 29),
            "Fine, I'll remind you Monday 07 December: I don't send reminders at weekends.",
        ),
        (
            at(12, 7, 10),
            SnoozeChoice.TOMORROW,
            SUNDAY_DEADLINE,
            "Fine, I'll remind you Tuesday 08 December.",
        ),
        (
            at(12, 7, 10),
            SnoozeChoice.NEXT_WEEK,
            FRIDAY_DEADLINE,
            "The deadline is Friday 11 December, so I'll remind you that morning.",
        ),
        (
            at(12, 11, 10),
            SnoozeChoice.TOMORROW,
            SUNDAY_DEADLINE,
            "The deadline is Sunday 13 December and I send reminders on working days only, "
            "so I can't put this off any further.",
        ),
        (
            at(12, 13, 10),
            SnoozeChoice.NEXT_WEEK,
            SUNDAY_DEADLINE,
            "The deadline has come, so I can't put this off any further.",
        ),
    ],
)
async def test_the_reply_says_what_will_happen(
    linked: Seeded,
    settings: Settings,
    now: datetime,
    choice: SnoozeChoice,
    deadline: date,
    expected: str,
) -> None:
    await move_deadline(linked, deadline)
    alice = linked.contacts["alice"]
    reply = await snooze(linked.db, settings, alice.id, linked.round.id, choice, now)
    assert reply == expected
    async with linked.db.read() as conn:
        held = (await store.snoozes(conn, linked.round.id)).get(alice.id)
    plan = plan_snooze(choice, now, deadline, policy(settings))
    assert held == (plan.until if plan is not None else None)


async def test_a_closed_round_has_nothing_to_snooze(linked: Seeded, settings: Settings) -> None:
    async with linked.db.transaction() as conn:
        await rounds.close_round(conn, linked.round.id, linked.clock())
    alice = linked.contacts["alice"]
    reply = await snooze(
        linked.db, settings, alice.id, linked.round.id, SnoozeChoice.TOMORROW, linked.clock()
    )
    assert reply == "This audit round has closed, so there is nothing left to remind you about."


async def test_snooze_buttons_only_while_a_snooze_can_still_come(
    linked: Seeded, settings: Settings
) -> None:
    """A reminder on the last working morning before a weekend deadline offers no snooze."""
    await move_deadline(linked, SUNDAY_DEADLINE)
    async with linked.db.read() as conn:
        current = await rounds.round_by_id(conn, linked.round.id)
        contacts = [linked.contacts["alice"]]
        states = await store.response_states(conn, linked.round.id)
    assert current is not None
    p = replace(policy(settings), channels=("telegram",))

    def offered(now: datetime) -> bool:
        decided = decide(current, states, contacts, [], {}, [], 44, p, now)
        [reminder] = decided.reminders
        return reminder.snoozable

    assert offered(at(12, 10, 10))  # Thursday: Friday is still to come
    assert not offered(at(12, 11, 10))  # Friday: nothing is sent after today
    assert not offered(at(12, 11, 9) + timedelta(minutes=15))
