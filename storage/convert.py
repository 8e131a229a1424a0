"""Conversions between SQLite's text columns and Python values."""

from __future__ import annotations

from datetime import date, datetime


def ts(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return value.isoformat(timespec="seconds")


def parse_ts(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def parse_date(value: str) -> date:
    return date.fromisoformat(value)
