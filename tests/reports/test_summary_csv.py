"""The summary's CSV: one flat table, a row per partnership and question, each row carrying
the sign-off, what the answer was in the round compared with and what became of it, the
follow-up action on it and the LA's query about it, under a header that never changes.
`auditbot export` stays the answers alone."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path

import pytest

from bot.summary.model import Summary
from bot.summary.render_csv import FORMULA_STARTS, render_csv, render_summary_csv
from tests.reports.conftest import AMENDED_NOTE, FORMULA_NOTE, HTML_NOTE, Filled
from tests.reports.test_csv_injection import auditbot
from tests.reports.two_rounds import (
    ANSWERED_QUERY,
    NEW_ITEM,
    NORTH,
    OPEN_QUERY,
    QUERY_REPLY,
    REWORDED,
    SIGNER_ROLE,
    record_the_return_loop,
    record_two_rounds,
)

ANSWER_HEADER = [
    "Partnership",
    "No.",
    "Section",
    "Question id",
    "Question",
    "Answer",
    "Note",
    "Answered by",
    "Answered at",
    "Answered in",
    "Note by",
]
SUMMARY_HEADER = [
    *ANSWER_HEADER,
    "Signed off by",
    "Signed off as",
    "Signed off at",
    "Compared with round",
    "Earlier answer",
    "Earlier note",
    "Since the earlier round",
    "Question reworded",
    "Action ID",
    "Action severity",
    "Suggested action",
    "Action status",
    "Action done by",
    "Action done at",
    "LA query",
    "Query asked at",
    "Query status",
    "Query reply",
]
ADDED = SUMMARY_HEADER[len(ANSWER_HEADER) :]
SOUTH, EAST = "South Partnership", "East Partnership"


@pytest.fixture
async def year_two(filled: Filled) -> Summary:
    rounds = await record_two_rounds(filled)
    await record_the_return_loop(rounds)
    return await rounds.summary()


def table(text: str) -> tuple[list[str], dict[tuple[str, str], dict[str, str]]]:
    [header, *rows] = list(csv.reader(io.StringIO(text)))
    assert all(len(row) == len(header) for row in rows)
    return header, {(r[0], r[3]): dict(zip(header, r, strict=True)) for r in rows}


async def test_each_row_carries_sign_off_comparison_action_and_query(year_two: Summary) -> None:
    header, rows = table(render_summary_csv(year_two))
    assert header == SUMMARY_HEADER
    assert len(rows) == 3 * len(year_two.questions)

    # the sign-off, on every row of the partnership that signed off
    north = [row for (name, _), row in rows.items() if name == NORTH]
    assert {(r["Signed off by"], r["Signed off as"]) for r in north} == {
        ("Alice Archer", SIGNER_ROLE)
    }
    assert {r["Signed off at"] for r in north} == {"2027-09-02 13:30"}
    assert {r["Signed off by"] for (name, _), r in rows.items() if name != NORTH} == {""}

    # the earlier answer and note, and what became of it
    def compared(name: str, question: str) -> list[str]:
        row = rows[name, question]
        return [row[c] for c in ("Earlier answer", "Earlier note", "Since the earlier round")]

    assert {rows[key]["Compared with round"] for key in rows} == {"1"}
    assert compared(NORTH, "s1.address") == ["Yes", HTML_NOTE, "Changed"]  # the note went
    assert compared(NORTH, "s1.telephone") == ["Yes", "", "Changed"]
    assert compared(NORTH, "s1.gp") == ["No", f"'{FORMULA_NOTE}", "Unchanged"]
    assert compared(NORTH, "s1.attendance") == ["No", AMENDED_NOTE, "Changed"]
    assert rows[NORTH, "s1.attendance"]["Question"] == REWORDED
    assert rows[NORTH, "s1.attendance"]["Question reworded"] == "Reworded"
    assert rows[NORTH, "s1.address"]["Question reworded"] == ""
    assert compared(NORTH, "s1.photos") == ["", "", "New question"]
    assert rows[NORTH, "s1.photos"]["Question"] == NEW_ITEM
    assert compared(SOUTH, "s1.address") == ["No", "", "Unchanged"]
    assert compared(SOUTH, "s1.telephone") == [
        "Yes",
        "Only the main carer's number.",
        "Not answered yet",
    ]
    assert compared(EAST, "s1.address") == ["", "", "Changed"]  # its first answer
    assert not any(question == "s1.behaviour" for _, question in rows)  # no longer asked

    # the follow-up action, done by the LA after the reply
    action = rows[NORTH, "s7.safeguarding_returned"]
    assert action["Answer"] == "Our practice differs" and action["Note"] == QUERY_REPLY
    assert action["Action ID"] == "1-41" and action["Action severity"] == "Red"
    assert action["Suggested action"].startswith("Ask for the partnership's retention schedule")
    assert (action["Action status"], action["Action done by"]) == ("Done", "cli:jo")
    assert action["Action done at"] == "2027-09-02 15:30"
    assert {
        rows[key]["Action ID"] for key in rows if key != (NORTH, "s7.safeguarding_returned")
    } == {""}

    # the LA's queries: one open (typed as a formula, kept text), one answered
    asked = rows[NORTH, "s1.telephone"]
    assert asked["LA query"] == f"'{OPEN_QUERY}"
    assert (asked["Query asked at"], asked["Query status"], asked["Query reply"]) == (
        "2027-09-01 13:30",
        "Open, 1 day",
        "",
    )
    assert action["LA query"] == ANSWERED_QUERY
    assert action["Query status"] == "Answered by Alice Archer, 02 Sep 2027 13:30"
    assert action["Query reply"] == f"Our practice differs — {QUERY_REPLY}"

    cells = [cell for row in csv.reader(io.StringIO(render_summary_csv(year_two))) for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]


async def test_an_action_left_open_says_so(filled: Filled) -> None:
    _, rows = table(render_summary_csv(await filled.summary()))
    differs = rows[NORTH, "s7.paper_seven_years"]
    assert (differs["Action severity"], differs["Action status"]) == ("Red", "Open")
    assert differs["Action done by"] == differs["Action done at"] == ""


async def test_the_header_is_the_same_whatever_applies(filled: Filled, year_two: Summary) -> None:
    bare = replace(year_two, comparison=None, actions=(), queries=())
    bare = replace(bare, partnerships=tuple(replace(p, signoff=None) for p in bare.partnerships))
    header, rows = table(render_summary_csv(bare))
    assert header == SUMMARY_HEADER
    assert {row[column] for row in rows.values() for column in ADDED} == {""}
    # what does apply is unchanged by what does not
    _, full = table(render_summary_csv(year_two))
    assert {k: [r[c] for c in ANSWER_HEADER] for k, r in rows.items()} == {
        k: [r[c] for c in ANSWER_HEADER] for k, r in full.items()
    }


async def test_export_is_the_answers_alone(year_two: Summary) -> None:
    header, rows = table(render_csv(year_two))
    assert header == ANSWER_HEADER
    assert rows[NORTH, "s1.telephone"]["Answer"] == "No"


async def test_the_commands_write_each_table(filled: Filled, tmp_path: Path) -> None:
    """`auditbot summary --format csv` writes the summary's table; `auditbot export`, to the
    screen or a file, the answers alone, as before."""
    rounds = await record_two_rounds(filled)
    await record_the_return_loop(rounds)
    db = Path(filled.seeded.db.path)
    summary_file, export_file = tmp_path / "summary.csv", tmp_path / "export.csv"
    assert "Wrote" in auditbot(db, "summary", "--format", "csv", "--out", str(summary_file))
    assert "Wrote" in auditbot(db, "export", "--format", "csv", "--out", str(export_file))
    printed = auditbot(db, "export", "--format", "csv")

    header, rows = table(summary_file.read_text("utf-8-sig"))
    assert header == SUMMARY_HEADER
    assert rows[NORTH, "s1.telephone"]["LA query"] == f"'{OPEN_QUERY}"
    assert rows[NORTH, "s1.telephone"]["Signed off as"] == SIGNER_ROLE
    for exported in (export_file.read_text("utf-8-sig"), printed):
        header, rows = table(exported)
        assert header == ANSWER_HEADER
        assert rows[NORTH, "s7.safeguarding_returned"]["Note"] == QUERY_REPLY
