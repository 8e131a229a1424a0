"""`auditbot summary --compare-with ROUND` through typer's runner, on two recorded rounds."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from bot.cli import app
from tests.conftest import Seeded
from tests.reports.conftest import fill
from tests.reports.two_rounds import TwoRounds, record_two_rounds


@pytest.fixture
async def two_rounds(seeded: Seeded) -> TwoRounds:
    return await record_two_rounds(await fill(seeded))


@pytest.fixture
def cli(two_rounds: TwoRounds, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("AUDITBOT_DB", two_rounds.filled.seeded.db.path)
    return CliRunner()


def summary(cli: CliRunner, *args: str) -> tuple[int, str]:
    result = cli.invoke(app, ["summary", *args])
    return result.exit_code, result.output


def test_text_shows_what_changed_since_round_one(cli: CliRunner) -> None:
    code, output = summary(cli, "--compare-with", "1")
    assert code == 0, output
    assert "== Changes since round 1 ==" in output
    assert "- North Partnership · 3. Telephone numbers (section 1)\n  Yes → No" in output
    assert "Not answered → No" in output


def test_without_the_option_there_is_no_comparison(cli: CliRunner) -> None:
    code, output = summary(cli)
    assert code == 0 and "Changes since round" not in output


@pytest.mark.parametrize("fmt", ["html", "xlsx"])
def test_files_carry_the_comparison(cli: CliRunner, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"summary.{fmt}"
    code, output = summary(cli, "--compare-with", "1", "-f", fmt, "--out", str(target))
    assert code == 0, output
    if fmt == "html":
        assert '<h2 id="compare">Changes since round 1</h2>' in target.read_text("utf-8")
    else:
        book = load_workbook(io.BytesIO(target.read_bytes()))
        # a header and 5 changes, then a blank row, the question added and the one removed
        assert book["Since round 1"].auto_filter.ref == "A1:K6"
        assert book["Since round 1"].max_row == 1 + 5 + 1 + 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--compare-with", "2"), "Round 2 cannot be compared with itself"),
        (("--compare-with", "9"), "There is no round 9."),
        (("--round", "1", "--compare-with", "1"), "Round 1 cannot be compared with itself"),
        (("--compare-with", "1", "--send"), "--compare-with works for a summary you write"),
    ],
)
def test_mistakes_are_one_sentence(cli: CliRunner, args: tuple[str, ...], message: str) -> None:
    code, output = summary(cli, *args)
    assert code == 1
    assert message in " ".join(output.split()) and "Traceback" not in output
