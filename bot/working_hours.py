"""Working hours: when the bot may speak on its own (reminders, scheduled LA summaries).

Weekdays, from WORKING_HOURS_START to WORKING_HOURS_END, in AUDITBOT_TIMEZONE.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from bot.config import Settings

WORKING_DAYS = 5
"""Monday to Friday: reminders and digests never go out at weekends."""


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """The working day, `start` to `end` on weekdays, in `zone`."""

    start: time
    end: time
    zone: ZoneInfo

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkingHours:
        return cls(
            start=settings.working_hours_start,
            end=settings.working_hours_end,
            zone=settings.zone,
        )

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def morning(self, day: date) -> datetime:
        """The start of working hours on `day`, in the configured zone."""
        return datetime.combine(day, self.start, tzinfo=self.zone)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < WORKING_DAYS

    def last_working_day(self, day: date) -> date:
        """`day` if it is a working day, else the last working day before it."""
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def is_working_time(self, moment: datetime) -> bool:
        local = self.local(moment)
        return self.is_working_day(local.date()) and self.start <= local.time() < self.end

    def next_working_time(self, moment: datetime) -> datetime:
        """`moment` if it is in working hours, else the next working morning."""
        if self.is_working_time(moment):
            return moment
        local = self.local(moment)
        day = local.date()
        if not self.is_working_day(day) or local.time() >= self.end:
            day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return self.morning(day)
