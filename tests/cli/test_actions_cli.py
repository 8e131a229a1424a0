"""`auditbot actions list|done|reopen` against a real database file with recorded answers:
through typer's runner, and once as a real process."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.flows import events
from tests.conftest import Seeded
from tests.reports.conftest import DIFFERS_NOTE, Filled, answer, fill


@pytest.fixture
async def filled(seeded: Seeded) -> Filled:
    return await fill(seeded)


@pytest.fixture
def cli(filled: Filled, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("AUDITBOT_DB", filled.seeded.db.path)
    monkeypatch.setenv("AUDITBOT_OPERATOR", "jo.smith")
    monkeypatch.setenv("COLUMNS", "250")
    return CliRunner()


def invoke(cli: CliRunner, *args: str) -> tuple[int, str]:
    result = cli.invoke(app, ["actions", *args])
    return result.exit_code, result.output


def code_of(filled: Filled, question_id: str, partnership: str = "North Partnership") -> str:
    with sqlite3.connect(filled.seeded.db.path) as conn:
        (pid,) = conn.execute(
            "SELECT id FROM partnerships WHERE name = ?", (partnership,)
        ).fetchone()
    position = filled.questionnaire.position(question_id)
    assert position is not None
    return f"{pid}-{position + 1}"


def test_list_shows_every_action_red_first(filled: Filled, cli: CliRunner) -> None:
    code, output = invoke(cli, "list")
    assert code == 0, output
    assert "6 open, 0 done" in output
    lines = output.splitlines()
    red = code_of(filled, "s7.paper_seven_years")
    first_row = next(line for line in lines if "North Partnership" in line)
    assert red in first_row and "Red" in first_row
    assert DIFFERS_NOTE[:20] in output
    assert "Mark one done with `auditbot actions done ID`." in output


def test_done_records_who_and_when_and_list_open_hides_it(filled: Filled, cli: CliRunner) -> None:
    red = code_of(filled, "s7.paper_seven_years")
    code, output = invoke(cli, "done", red)
    assert code == 0, output
    assert f"Marked action {red} (North Partnership, question 42) done." in output
    with sqlite3.connect(filled.seeded.db.path) as conn:
        rows = conn.execute("SELECT question_id, done_by FROM action_status").fetchall()
        logged = conn.execute("SELECT actor, action FROM audit_log").fetchall()
    assert rows == [("s7.paper_seven_years", "cli:jo.smith")]
    assert ("cli:jo.smith", "actions done") in logged

    code, output = invoke(cli, "list")
    assert "5 open, 1 done" in output and "Done by cli:jo.smith" in output
    code, output = invoke(cli, "list", "--open")
    assert code == 0 and red not in output.split("Mark one")[0].replace("5 open", "")

    code, output = invoke(cli, "done", red)
    assert code == 0 and f"Action {red} was already done (Done by cli:jo.smith" in output

    code, output = invoke(cli, "reopen", red)
    assert code == 0 and f"Action {red} (North Partnership, question 42) is open again." in output
    code, output = invoke(cli, "reopen", red)
    assert code == 0 and f"Action {red} is not marked done." in output


async def test_a_changed_answer_opens_it_again(filled: Filled, cli: CliRunner) -> None:
    red = code_of(filled, "s7.paper_seven_years")
    # the command runs its own event loop: in a thread, beside this test's
    assert (await asyncio.to_thread(invoke, cli, "done", red))[0] == 0
    await answer(
        filled.seeded,
        "bob",
        events.BatchEntry("s7.paper_seven_years", "differs", "Five years now."),
    )
    code, output = await asyncio.to_thread(invoke, cli, "list", "--open")
    assert code == 0
    assert "6 open, 0 done" in output
    assert "Open again: the answer" in output  # the table wraps the rest of the cell


def test_every_action_done_says_so(filled: Filled, cli: CliRunner) -> None:
    codes = [
        code_of(filled, q)
        for q in (
            "s7.paper_seven_years",
            "s2.other",
            "s6.referral",
            "s6.new_information",
            "s6.register",
            "s6.transfer",
        )
    ]
    for one in codes:
        assert invoke(cli, "done", one)[0] == 0
    code, output = invoke(cli, "list", "--open")
    assert code == 0 and output.strip() == "Every action in round 1 is done."


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("done", "99-1"), "There is no action 99-1 in round 1;"),
        (("done", "rm -rf"), "There is no action rm -rf in round 1;"),
        (("list", "--round", "7"), "There is no round 7."),
    ],
)
def test_mistakes_are_one_sentence(cli: CliRunner, args: tuple[str, ...], message: str) -> None:
    code, output = invoke(cli, *args)
    assert code == 1
    assert message in output and "Traceback" not in output


def test_a_real_process_lists_and_marks_done(filled: Filled, tmp_path: Path) -> None:
    env = {"AUDITBOT_DB": filled.seeded.db.path, "COLUMNS": "250", "PATH": "/usr/bin:/bin"}

    def auditbot(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "actions", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )

    red = code_of(filled, "s7.paper_seven_years")
    done = auditbot("done", red)
    assert done.returncode == 0, done.stderr
    listed = auditbot("list", "--round", "1")
    assert listed.returncode == 0, listed.stderr
    assert "5 open, 1 done" in listed.stdout
