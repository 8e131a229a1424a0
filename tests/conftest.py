"""Shared fixtures: a real SQLite file per test, the real questionnaire, a seeded round."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.audit_service import AuditService
from bot.directory import import_directory
from bot.questionnaire import Questionnaire, load_questionnaire
from bot.round_setup import open_round
from storage import Database, open_database, partnerships
from storage.records import Contact, Round

pytest_plugins = ["tests.plugins.telegram"]

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # a Monday morning
TELEGRAM = "telegram"
DIRECTORY = """partnership,contact_name,email,telegram_username
North Partnership,Alice Archer,alice@north.example,alice_archer
North Partnership,Bob Baker,bob@north.example,
South Partnership,Carol Cole,carol@south.example,carolc
East Partnership,Dan <Dee> & Co,dan@east.example,
"""


def free_port() -> int:
    """A loopback port nothing listens on, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Seeded:
    db: Database
    round: Round
    questionnaire: Questionnaire
    contacts: dict[str, Contact]
    clock: Clock
    service: AuditService


@pytest.fixture(scope="session")
def questionnaire() -> Questionnaire:
    return load_questionnaire()[0]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(tmp_path / "audit.db")
    yield database
    await database.close()


@pytest.fixture
def directory_csv(tmp_path: Path) -> Path:
    path = tmp_path / "directory.csv"
    path.write_text(DIRECTORY, "utf-8")
    return path


@pytest.fixture
async def seeded(db: Database, directory_csv: Path, clock: Clock) -> Seeded:
    """Four contacts in three partnerships and an open round due in four weeks."""
    return await seed(db, directory_csv, clock)


async def seed(db: Database, directory_csv: Path, clock: Clock | None = None) -> Seeded:
    """Seed `db` from `directory_csv` (written with the four contacts if it is missing)."""
    clock = clock or Clock()
    if not directory_csv.exists():  # noqa: ASYNC240 - a tiny test file
        directory_csv.write_text(DIRECTORY, "utf-8")  # noqa: ASYNC240
    questionnaire, source = load_questionnaire()
    await import_directory(db, directory_csv, clock())
    opened = await open_round(db, questionnaire, source, date(2026, 11, 30), clock())
    async with db.read() as conn:
        contacts = {c.email.split("@")[0]: c for c in await partnerships.list_contacts(conn)}
    return Seeded(db, opened.round, questionnaire, contacts, clock, AuditService(db, clock))
