"""Conversions between SQLite's text columns and Python values."""

from __future__ import annotations

from datetime import UTC, date, datetime


def ts(value: datetime) -> str:
    """UTC text, so that timestamps compare correctly as strings in SQL."""
    if value.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return value.astimezone(UTC).isoformat(timespec="seconds")


def parse_ts(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def parse_date(value: str) -> date:
    return date.fromisoformat(value)
