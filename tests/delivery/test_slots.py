"""`due_summary_slots`: when the LA summary is due, as a pure function of time and state."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.config import Settings
from bot.summary.schedule import due_summary_slots
from bot.working_hours import WorkingHours
from storage.records import Round, Status
from tests.scheduling.test_round import at

HOURS = WorkingHours.from_settings(Settings(timezone="Europe/London"))
MONDAY = 0
WAITING = [Status.SUBMITTED, Status.IN_PROGRESS, Status.NOT_STARTED]
DONE = [Status.SUBMITTED] * 3


def round_(deadline: date = date(2026, 11, 30), closed: datetime | None = None) -> Round:
    """Opened Monday 2 November 2026 at 10:00 (London is on UTC in November)."""
    return Round(1, "v1", at(11, 2, 10), deadline, closed)


def due(
    now: datetime,
    statuses: list[Status] = WAITING,
    queued: dict[str, datetime] | None = None,
    r: Round | None = None,
    weekly: int | None = MONDAY,
) -> list[str]:
    return due_summary_slots(r or round_(), statuses, queued or {}, now, HOURS, weekly)


def test_deadline_day_first_working_hours_tick() -> None:
    assert due(at(11, 30, 8, 45), weekly=None) == []  # before working hours
    assert due(at(11, 30, 9), weekly=None) == ["deadline@2026-11-30"]
    queued = {"deadline@2026-11-30": at(11, 30, 9)}
    assert due(at(11, 30, 9, 15), queued=queued, weekly=None) == []
    assert due(at(12, 1, 10), queued=queued, weekly=None) == []  # once, not every day
    assert due(at(11, 27, 10), weekly=None) == []  # not before the deadline day


def test_deadline_on_a_weekend_waits_for_monday_morning() -> None:
    saturday = round_(date(2026, 11, 28))
    assert due(at(11, 28, 10), r=saturday, weekly=None) == []
    assert due(at(11, 29, 12), r=saturday, weekly=None) == []
    assert due(at(11, 30, 7), r=saturday, weekly=None) == []  # Monday, too early
    assert due(at(11, 30, 9), r=saturday, weekly=None) == ["deadline@2026-11-28"]


def test_deadline_evening_shifts_to_the_next_morning() -> None:
    assert due(at(11, 30, 17), weekly=None) == []  # the bot was down all day
    assert due(at(12, 1, 9), weekly=None) == ["deadline@2026-11-30"]  # late, not lost


def test_a_moved_deadline_is_a_new_slot() -> None:
    queued = {"deadline@2026-11-30": at(11, 30, 9)}
    later = round_(date(2026, 12, 4))
    assert due(at(12, 4, 9), queued=queued, r=later, weekly=None) == ["deadline@2026-12-04"]


def test_all_submitted_once_and_it_ends_the_digests() -> None:
    assert due(at(11, 11, 14), statuses=DONE) == ["all-submitted"]
    assert due(at(11, 11, 18), statuses=DONE) == []  # evening: waits for the morning
    queued = {"all-submitted": at(11, 11, 14)}
    assert due(at(11, 11, 14, 15), statuses=DONE, queued=queued) == []
    assert due(at(11, 16, 9), statuses=DONE, queued=queued) == []  # no Monday digest
    assert due(at(11, 30, 9), statuses=DONE, queued=queued) == []  # nor a deadline one
    assert (
        due(at(11, 11, 14), statuses=[], weekly=None) == []
    )  # no partnerships is not "all submitted"


def test_weekly_digest_on_the_configured_day() -> None:
    assert due(at(11, 9, 8)) == []  # Monday, before working hours
    assert due(at(11, 9, 9)) == ["weekly-2026-W46"]
    queued = {"weekly-2026-W46": at(11, 9, 9)}
    assert due(at(11, 9, 12), queued=queued) == []
    assert due(at(11, 13, 12), queued=queued) == []  # the rest of the week
    assert due(at(11, 16, 9), queued=queued) == ["weekly-2026-W47"]
    assert due(at(11, 11, 9), weekly=2) == ["weekly-2026-W46"]  # Wednesday
    assert due(at(11, 10, 9), weekly=2) == []
    assert due(at(11, 9, 9), weekly=None) == []  # SUMMARY_WEEKLY_DAY empty: off


def test_weekly_digest_catches_up_after_downtime_within_the_week() -> None:
    assert due(at(11, 10, 11)) == ["weekly-2026-W46"]  # down all Monday
    assert due(at(11, 14, 11)) == []  # Saturday: not working time


def test_no_digest_in_the_week_the_round_opened_after_the_digest_morning() -> None:
    assert due(at(11, 2, 11)) == []  # opened Monday 10:00, after the 9:00 digest
    assert due(at(11, 4, 11)) == []


def test_deadline_summary_stands_in_for_that_weeks_digest() -> None:
    assert due(at(11, 30, 9)) == ["deadline@2026-11-30"]
    queued = {"deadline@2026-11-30": at(11, 30, 9)}
    assert due(at(11, 30, 9, 15), queued=queued) == []
    assert due(at(12, 1, 9), queued=queued) == []
    queued["weekly-2026-W48"] = at(11, 23, 9)
    assert due(at(12, 7, 9), queued=queued) == ["weekly-2026-W50"]  # still open: digests go on


def test_on_demand_summaries_do_not_count() -> None:
    queued = {"demand-20261109T084500Z": at(11, 9, 8, 45)}
    assert due(at(11, 9, 9), queued=queued) == ["weekly-2026-W46"]
    queued = {"demand-20261130T090000Z": at(11, 30, 9)}
    assert due(at(11, 30, 9, 15), queued=queued) == ["deadline@2026-11-30"]


def test_nothing_once_the_round_is_closed() -> None:
    closed = round_(closed=datetime(2026, 11, 20, 12, tzinfo=UTC))
    assert due(at(11, 30, 9), r=closed) == []
    assert due(at(11, 23, 9), r=closed, statuses=DONE) == []
