"""`auditbot round open --carry-forward` through typer's runner, on a real database: the
round remembers the one it carries from, and its summary compares the two by itself."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest
from typer.testing import CliRunner

from bot.cli import app
from tests.conftest import Seeded
from tests.reports.conftest import fill


@pytest.fixture
async def cli(seeded: Seeded, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    await fill(seeded)
    monkeypatch.setenv("AUDITBOT_DB", seeded.db.path)
    return CliRunner()


def run(cli: CliRunner, *args: str) -> tuple[int, str]:
    result = cli.invoke(app, list(args))
    return result.exit_code, " ".join(result.output.split())


def test_a_carry_forward_round_remembers_and_compares(cli: CliRunner, seeded: Seeded) -> None:
    code, output = run(cli, "round", "close", "--force")
    assert code == 0, output
    code, output = run(cli, "round", "open", "--deadline", "2030-01-31", "--carry-forward")
    assert code == 0, output
    assert "shown their answers from round 1 to confirm or change" in output
    with closing(sqlite3.connect(seeded.db.path)) as conn:
        found = conn.execute("SELECT carries_from FROM rounds WHERE closed_at IS NULL").fetchall()
    assert found == [(1,)]
    code, output = run(cli, "summary")
    assert code == 0, output
    assert "== Changes since round 1 ==" in output


def test_an_ordinary_round_carries_nothing(cli: CliRunner, seeded: Seeded) -> None:
    run(cli, "round", "close", "--force")
    code, output = run(cli, "round", "open", "--deadline", "2030-01-31")
    assert code == 0 and "to confirm or change" not in output
    code, output = run(cli, "summary")
    assert code == 0 and "Changes since round" not in output
