"""The command line as an LA officer uses it: real processes, a real database file."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.questionnaire import Kind, Questionnaire
from tests.conftest import DIRECTORY


def auditbot(
    db: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "AUDITBOT_DB": str(db), "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


@pytest.fixture
def setup(tmp_path: Path) -> Path:
    db = tmp_path / "cli.db"
    directory = tmp_path / "directory.csv"
    directory.write_text(DIRECTORY, "utf-8")
    assert auditbot(db, "init").returncode == 0
    result = auditbot(db, "partnerships", "import", str(directory))
    assert result.returncode == 0, result.stderr
    assert "3 new partnerships, 4 new contacts" in result.stdout
    result = auditbot(db, "round", "open", "--deadline", "2099-01-31")
    assert result.returncode == 0, result.stderr
    return db


def full_script(q: Questionnaire) -> tuple[str, dict[str, tuple[str, str]]]:
    """Typed lines answering every question with a note, and the expected export cells."""
    lines: list[str] = []
    expected: dict[str, tuple[str, str]] = {}
    for n, item in enumerate(q.items):
        note = f'Note {n} for {item.id} <with> & "marks"'
        if item.kind is Kind.TICK:
            choice = "yes" if n % 2 else "no"
            lines.append(f"{choice} - {note}")  # one line per tick, its note after a dash
            expected[item.id] = ("Yes" if choice == "yes" else "No", note)
        elif item.kind is Kind.STATEMENT:
            choice = "differs" if n % 2 else "true"
            lines += [choice, note] if choice == "differs" else [f"{choice} - {note}"]
            expected[item.id] = (
                "Our practice differs" if choice == "differs" else "True for us",
                note,
            )
        else:
            answer = f"Answer {n} to {item.id}"
            lines.append(answer)
            expected[item.id] = (answer, "")
    lines += ["/submit", "Head of inclusion", "yes"]  # the role for the sign-off, then submit
    return "\n".join(lines) + "\n", expected


def test_piped_full_audit_is_exported_and_submitted(
    setup: Path, questionnaire: Questionnaire
) -> None:
    script, expected = full_script(questionnaire)
    result = auditbot(setup, "chat", "--as", "alice@north.example", stdin=script)
    assert result.returncode == 0, result.stderr
    assert "your audit has been submitted" in result.stdout
    assert "To sign off the audit, type your role" in result.stdout
    assert "signed off by Alice Archer, Head of inclusion" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    history = auditbot(setup, "history", "--partnership", "North Partnership")
    assert history.returncode == 0, history.stderr
    assert "Submitted, signed off" in history.stdout
    assert "Head of inclusion" in history.stdout

    exported = auditbot(setup, "export", "--format", "csv")
    assert exported.returncode == 0, exported.stderr
    rows = [
        r
        for r in csv.DictReader(io.StringIO(exported.stdout))
        if r["Partnership"] == "North Partnership"
    ]
    assert len(rows) == 44
    for row in rows:
        assert (row["Answer"], row["Note"]) == expected[row["Question id"]]
        assert row["Answered by"] == "Alice Archer"
        assert row["Answered at"]

    status = auditbot(setup, "status")
    assert status.returncode == 0, status.stderr
    north = next(line for line in status.stdout.splitlines() if "North Partnership" in line)
    assert "Submitted" in north
    assert "44/44" in north


def test_chat_stops_and_resumes_where_it_left_off(setup: Path) -> None:
    first = auditbot(setup, "chat", "--as", "carol@south.example", stdin="yes\nno\n/back\n")
    assert first.returncode == 0, first.stderr
    assert "Paused" in first.stdout
    second = auditbot(setup, "chat", "--as", "carol@south.example", stdin="")
    # Carol went back to question 2 and stopped there; she is asked question 2 again.
    assert "[2/44]" in second.stdout.split("Hello")[1]
    assert "Current answer: No\n" in second.stdout  # her own: no "(by Carol Cole)"


def test_typed_answers_carry_their_notes_and_unclear_text_is_asked_about(setup: Path) -> None:
    typed = "No - only for pupils on roll\nwe think so\ny\n"
    result = auditbot(setup, "chat", "--as", "carol@south.example", stdin=typed)
    assert result.returncode == 0, result.stderr
    assert "Is that a yes or a no?" in result.stdout
    exported = auditbot(setup, "export", "--format", "csv")
    rows = {
        r["Question id"]: (r["Answer"], r["Note"])
        for r in csv.DictReader(io.StringIO(exported.stdout))
        if r["Partnership"] == "South Partnership"
    }
    assert rows["s1.address"] == ("No", "only for pupils on roll")
    assert rows["s1.telephone"] == ("Yes", "we think so")


def test_unknown_email_is_one_clear_sentence(setup: Path) -> None:
    result = auditbot(setup, "chat", "--as", "nobody@example.org")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error: No contact has the email address nobody@example.org; "
        "`auditbot partnerships list` shows who is set up."
    )


def test_bad_csv_row_names_the_line_and_imports_nothing(setup: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "partnership,contact_name,email\nWest,Wendy,wendy@west.example\nWest,Will,not-an-email\n",
        "utf-8",
    )
    result = auditbot(setup, "partnerships", "import", str(bad))
    assert result.returncode == 1
    assert "line 3" in result.stderr and "not-an-email" in result.stderr
    assert "Nothing was imported" in result.stderr
    listing = auditbot(setup, "partnerships", "list")
    assert "West" not in listing.stdout and "wendy" not in listing.stdout


def test_reimport_changes_nothing(setup: Path, tmp_path: Path) -> None:
    directory = tmp_path / "again.csv"
    directory.write_text(DIRECTORY, "utf-8")
    result = auditbot(setup, "partnerships", "import", str(directory))
    assert result.returncode == 0
    assert "Nothing changed" in result.stdout


@pytest.mark.parametrize(
    ("deadline", "message"),
    [
        ("2027-02-30", "'2027-02-30' is not a date"),
        ("next week", "'next week' is not a date"),
    ],
)
def test_impossible_dates_are_refused(setup: Path, deadline: str, message: str) -> None:
    auditbot(setup, "round", "close")
    result = auditbot(setup, "round", "open", "--deadline", deadline)
    assert result.returncode == 1
    assert message in result.stderr
    status = auditbot(setup, "status")
    assert "(closed)" in status.stdout


def test_closing_before_the_deadline_says_so(setup: Path) -> None:
    closed = auditbot(setup, "round", "close")
    assert closed.returncode == 0, closed.stderr
    assert "Round closed before its deadline of 31 January 2099;" in closed.stdout
    assert "deadline was" not in closed.stdout


def test_past_deadline_and_second_round_are_refused(setup: Path) -> None:
    second = auditbot(setup, "round", "open", "--deadline", "2099-02-01")
    assert second.returncode == 1
    assert "already open" in second.stderr
    auditbot(setup, "round", "close")
    past = auditbot(setup, "round", "open", "--deadline", "2020-01-01")
    assert past.returncode == 1
    assert "not in the future" in past.stderr


def test_questionnaire_check(tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    good = auditbot(db, "questionnaire", "check", "questionnaires/audit-2018.yaml")
    assert good.returncode == 0, good.stderr
    assert "7 sections, 44 questions" in good.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "title: T\nsections:\n  - id: a\n    heading: H\n    items:\n"
        "      - {id: a.x, kind: checkbox, text: X}\n",
        "utf-8",
    )
    result = auditbot(db, "questionnaire", "check", str(bad))
    assert result.returncode == 1
    assert f"{bad}, line 6" in result.stderr and "unknown kind 'checkbox'" in result.stderr


def test_invalid_setting_is_named(tmp_path: Path) -> None:
    result = auditbot(tmp_path / "x.db", "init", env={"AUDITBOT_TIMEZONE": "Mars/Olympus"})
    assert result.returncode == 1
    assert "AUDITBOT_TIMEZONE" in result.stderr and "Mars/Olympus" in result.stderr


def test_health(tmp_path: Path) -> None:
    result = auditbot(tmp_path / "h.db", "health")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_unusable_database_path_is_one_sentence(tmp_path: Path) -> None:
    result = auditbot(tmp_path, "status")  # a folder, not a file
    assert result.returncode == 1
    assert result.stderr.startswith("Error: Cannot open the database")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (("run",), {"AUDITBOT_TIMEZONE": "Mars/Olympus"}, "Setting AUDITBOT_TIMEZONE is invalid"),
        (("run",), {"TELEGRAM_BOT_TOKEN": ""}, "No channel is set up"),
        (("questionnaire", "show", "missing.yaml"), {}, "missing.yaml: cannot be read"),
        (("run",), {"TELEGRAM_BOT_TOKEN": "1:x", "AUDITBOT_DB": "/"}, "Cannot open the database"),
    ],
)
def test_start_up_problems_are_one_sentence(
    tmp_path: Path, args: tuple[str, ...], env: dict[str, str], message: str
) -> None:
    result = auditbot(tmp_path / "x.db", *args, env=env)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_history_shows_who_changed_what_and_notes_keep_their_author(setup: Path) -> None:
    alice = auditbot(
        setup, "chat", "--as", "alice@north.example", stdin="yes - [b]on[/b] the MIS\n"
    )
    assert alice.returncode == 0, alice.stderr
    # Bob goes back to question 1, sees Alice's answer, and changes it
    bob = auditbot(setup, "chat", "--as", "bob@north.example", stdin="/go 1\nno\n")
    assert "Current answer: Yes (by Alice Archer)" in bob.stdout
    result = auditbot(setup, "history", "--partnership", "north partnership", "--question", "1")
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if "1. Address" in line]
    assert len(rows) == 2, bob.stdout
    assert "Yes" in rows[0] and "Alice Archer" in rows[0] and "[b]on[/b] the MIS" in rows[0]
    assert "No" in rows[1] and "Bob Baker" in rows[1] and "[b]on[/b] the MIS" in rows[1]
    exported = auditbot(setup, "export", "--format", "csv")
    address = next(
        r
        for r in csv.DictReader(io.StringIO(exported.stdout))
        if (r["Partnership"], r["Question id"]) == ("North Partnership", "s1.address")
    )
    assert (address["Answered by"], address["Note by"]) == ("Bob Baker", "Alice Archer")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--partnership", "Nowhere"), "There is no partnership called 'Nowhere'"),
        (("--partnership", "North Partnership", "--question", "45"), "There is no question '45'"),
        (("--partnership", "North Partnership", "--round", "9"), "There is no round 9"),
    ],
)
def test_history_mistakes_are_one_sentence(
    setup: Path, args: tuple[str, ...], message: str
) -> None:
    result = auditbot(setup, "history", *args)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_go_takes_only_plain_digits(setup: Path) -> None:
    result = auditbot(setup, "chat", "--as", "carol@south.example", stdin="/go ²\n/go ٣\n")
    assert result.returncode == 0, result.stderr
    assert "There is no question ²" in result.stdout
    assert "There is no question ٣" in result.stdout
    assert "went wrong" not in result.stdout + result.stderr


def test_chat_takes_one_line_per_tick_with_notes_by_dash_or_note(setup: Path) -> None:
    script = "yes\nno - landline only\n/note 1\nheld on the referral form\n/note\n\n/quit\n"
    result = auditbot(setup, "chat", "--as", "alice@north.example", stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Type your note on question 1 (Address)" in out
    # /note alone: the question last saved (here, question 1 again)
    assert "Question 1 (Address) has the note: held on the referral form" in out
    # back at question 3 after each note, its section's question in view
    assert out.count("[3/44] Emails and other electronic contact points") == 3
    assert "(1/7 · What information do you hold" in out
    exported = auditbot(setup, "export", "--format", "csv")
    rows = {
        r["Question id"]: (r["Answer"], r["Note"])
        for r in csv.DictReader(io.StringIO(exported.stdout))
        if r["Partnership"] == "North Partnership"
    }
    assert rows["s1.address"] == ("Yes", "held on the referral form")
    assert rows["s1.telephone"] == ("No", "landline only")
    assert rows["s1.electronic_contacts"] == ("", "")


def test_demo_runs_in_a_throwaway_database_to_a_working_day_deadline(tmp_path: Path) -> None:
    """The README's first command: answer a question, then quit; nothing is left behind."""
    result = auditbot(tmp_path / "unused.db", "demo", stdin="yes\n/quit\n")
    assert result.returncode == 0, result.stderr
    assert "✓ Saved: Yes" in result.stdout
    assert "[2/44]" in result.stdout
    deadline = result.stdout.split("to finish by ")[1].split(",")[0]
    assert not deadline.startswith(("Saturday", "Sunday")), deadline
    assert "answers are discarded" in result.stdout
    assert not (tmp_path / "unused.db").exists()
