"""`auditbot round open` says when the deadline falls on a day no reminder goes out."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.config import Settings
from bot.round_setup import DeadlineAdvice, deadline_advice
from bot.working_hours import WorkingHours
from tests.cli.test_cli import auditbot
from tests.conftest import DIRECTORY


@pytest.fixture
def imported(tmp_path: Path) -> Path:
    db = tmp_path / "cli.db"
    directory = tmp_path / "directory.csv"
    directory.write_text(DIRECTORY, "utf-8")
    assert auditbot(db, "partnerships", "import", str(directory)).returncode == 0
    return db


def test_a_sunday_deadline_opens_with_a_note_suggesting_the_friday(imported: Path) -> None:
    result = auditbot(imported, "round", "open", "--deadline", "2099-02-01")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("Round opened for 3 partnerships, deadline Sunday 01 February")
    assert lines[1:] == [
        "Note: the deadline, Sunday 01 February 2099, is not a working day, so no reminder "
        "goes out on it; the last working day before it is Friday 30 January 2099 (to use "
        "that, close this round and open it again with --deadline 2099-01-30)."
    ]
    assert result.stderr == ""
    status = auditbot(imported, "status")
    assert "deadline 01 February 2099" in status.stdout  # opened as asked


def test_a_weekday_deadline_opens_without_a_note(imported: Path) -> None:
    result = auditbot(imported, "round", "open", "--deadline", "2099-02-02")
    assert result.returncode == 0, result.stderr
    assert "Note" not in result.stdout
    assert len(result.stdout.strip().splitlines()) == 1


def test_the_advice_suggests_only_a_day_still_to_come() -> None:
    hours = WorkingHours.from_settings(Settings())
    saturday, sunday, monday = date(2026, 12, 12), date(2026, 12, 13), date(2026, 12, 14)
    friday = date(2026, 12, 11)
    assert deadline_advice(monday, date(2026, 12, 1), hours) is None
    assert deadline_advice(sunday, date(2026, 12, 1), hours) == DeadlineAdvice(sunday, friday)
    assert deadline_advice(saturday, date(2026, 12, 1), hours) == DeadlineAdvice(saturday, friday)
    # opened on the Friday itself for that Sunday: no earlier working day is left
    assert deadline_advice(sunday, friday, hours) == DeadlineAdvice(sunday, None)
