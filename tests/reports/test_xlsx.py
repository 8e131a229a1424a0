"""The workbook: every sheet read back with openpyxl, as Excel would open it."""

from __future__ import annotations

import io
import zipfile

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from bot.summary.render_xlsx import render_xlsx
from tests.reports.conftest import (
    AMENDED_NOTE,
    DIFFERS_NOTE,
    FORMULA_NOTE,
    HTML_NOTE,
    OTHER_ORGS,
    Filled,
)


async def workbook(filled: Filled) -> tuple[Workbook, bytes]:
    data = render_xlsx(await filled.summary())
    return load_workbook(io.BytesIO(data)), data


async def test_sheets_and_progress(filled: Filled) -> None:
    book, _ = await workbook(filled)
    assert book.sheetnames == [
        "Progress",
        "Charts",
        "Answers matrix",
        "Notes",
        "Points to look at",
        "Actions",
        "Changes after submission",
    ]
    progress = book["Progress"]
    assert progress["A1"].value == "Partnership" and progress["A1"].font.bold
    assert progress.freeze_panes == "B2"
    rows = list(progress.iter_rows(min_row=2, values_only=True))
    assert [r[:4] for r in rows] == [
        ("East Partnership", "Not started", 0, 44),
        ("North Partnership", "Submitted", 44, 44),
        ("South Partnership", "In progress", 4, 44),
    ]
    assert rows[0][6] == "Dan <Dee> & Co"
    assert rows[1][7] == "Bob Baker" and rows[1][8] is not None  # submitted by; amended
    assert rows[2][8] is None
    assert progress.column_dimensions["A"].width == 30


async def test_the_matrix_numbers_questions_and_marks_the_cells_that_matter(
    filled: Filled,
) -> None:
    book, _ = await workbook(filled)
    matrix = book["Answers matrix"]
    header = [c.value for c in matrix[1]]
    assert header[:4] == ["No.", "Section", "Question id", "Question"]
    assert header[4:7] == ["East Partnership", "North Partnership", "South Partnership"]
    assert header[7:] == ["Yes", "No", "True for us", "Our practice differs", "Not answered"]
    assert matrix.freeze_panes == "E2"
    assert matrix.max_row == 1 + 44  # every question, free text too
    address = [c.value for c in matrix[2]]
    assert address == [
        1,
        1,
        "s1.address",
        "Address",
        "Not answered",
        "Yes",
        "No",
        1,
        1,
        None,
        None,
        1,
    ]
    by_id = {row[2].value: row for row in matrix.iter_rows(min_row=2)}
    east, north, south = by_id["s1.address"][4:7]
    assert south.fill.fgColor.rgb.endswith("FDD9B5") and south.font.bold  # "No" stands out
    assert north.fill.fill_type is None
    assert north.comment is not None and HTML_NOTE in north.comment.text
    assert east.font.italic and east.comment is None
    attendance = by_id["s1.attendance"][5]
    assert attendance.value == "No" and attendance.fill.fill_type == "solid"
    assert "Changed after submission" in attendance.comment.text
    assert AMENDED_NOTE in attendance.comment.text
    paper = [c.value for c in by_id["s7.paper_seven_years"]]
    assert paper[:2] == [42, 7] and paper[5] == "Our practice differs"
    assert paper[7:] == [None, None, 0, 1, 2]
    other = [c.value for c in by_id["s2.other"]]
    assert other[:2] == [18, 2] and other[4:7] == ["Not answered", OTHER_ORGS, "Not answered"]
    assert other[-1] == 2  # two partnerships have not answered it


async def test_notes_attention_and_changes(filled: Filled) -> None:
    book, _ = await workbook(filled)
    notes = book["Notes"]
    assert notes["A2"].alignment.wrap_text
    cells = {(r[0].value, r[3].value): r for r in notes.iter_rows(min_row=2)}
    assert cells["North Partnership", "s1.address"][6].value == HTML_NOTE
    assert cells["North Partnership", "s1.address"][1].value == 1
    formula = cells["North Partnership", "s1.gp"][6]
    assert formula.value == FORMULA_NOTE and formula.data_type == "s"
    assert cells["North Partnership", "s2.other"][5].value == OTHER_ORGS

    attention = list(book["Points to look at"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[3]) for r in attention] == [
        ("North Partnership", 18, "s2.other"),
        ("North Partnership", 42, "s7.paper_seven_years"),
    ]
    assert attention[1][7] == DIFFERS_NOTE

    changes = book["Changes after submission"]
    assert [c.value for c in changes[1]] == [
        "Changed at",
        "Partnership",
        "No.",
        "Section",
        "Question id",
        "Question",
        "Was",
        "Note was",
        "Now",
        "Note now",
        "Changed by",
        "Answered in",
    ]
    rows = list(changes.iter_rows(min_row=2, values_only=True))
    assert [r[1:] for r in rows] == [
        (
            "North Partnership",
            7,
            1,
            "s1.attendance",
            "Attendance Records",
            "Yes",
            None,
            "No",
            AMENDED_NOTE,
            "Alice Archer",
            "console",
        ),
        (
            "North Partnership",
            8,
            1,
            "s1.progress",
            "Progress and achievement data",
            "Yes",
            None,
            "Yes",
            "Termly, from the schools.",
            "Bob Baker",
            "console",
        ),
    ]
    assert rows[0][0].strftime("%Y-%m-%d %H:%M") == "2026-11-03 12:00"


async def test_native_charts_sit_beside_their_numbers(filled: Filled) -> None:
    """Three Excel charts (progress, over time, by section), each drawn from a table of its
    numbers on the same sheet; the numbers are the summary's."""
    filled.seeded.clock.advance(days=1)
    book, data = await workbook(filled)
    sheet = book["Charts"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    cells = [v for row in values for v in row if v is not None]
    assert "Progress of the round" in cells and "Answers by section" in cells
    start = next(i for i, row in enumerate(values) if row[0] == "Progress of the round")
    assert [r[:2] for r in values[start + 2 : start + 5]] == [
        ["Submitted", 1],
        ["In progress", 1],
        ["Not started", 1],
    ]
    days = next(i for i, row in enumerate(values) if row[0] == "Progress over time")
    assert values[days + 1][:4] == ["Day", "Submitted", "In progress", "Not started"]
    assert values[days + 2][1:4] == [1, 1, 1]
    sections = next(i for i, row in enumerate(values) if row[0] == "Answers by section")
    header = values[sections + 1]
    assert header[:8] == [
        "Section",
        "Yes",
        "No",
        "True for us",
        "Our practice differs",
        "Written answer",
        "Nothing to add",
        "Not answered",
    ]
    assert values[sections + 2][:8] == ["Section 1", 10, 3, 0, 0, 0, 0, 20]
    assert values[sections + 8][:8] == ["Section 7", 0, 0, 2, 1, 0, 0, 6]

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        charts = sorted(n for n in archive.namelist() if n.startswith("xl/charts/chart"))
        xml = [archive.read(name).decode() for name in charts]
    assert len(charts) == 3
    kinds = ["barChart" if "<barChart>" in x else "areaChart" for x in xml]
    assert sorted(kinds) == ["areaChart", "barChart", "barChart"]
    assert all("'Charts'!" in x for x in xml)  # each chart reads its numbers from the sheet
    assert any('<grouping val="stacked"' in x and "<barChart>" in x for x in xml)
