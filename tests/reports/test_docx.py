"""Each partnership's Word form, read back with python-docx as Word or LibreOffice would lay
it out: A4, the round's title and dates, who answered and when, headings kept with their
tables, header rows repeated, rows never split, and column grids that agree with the cells."""

from __future__ import annotations

import io
import zipfile

from docx import Document
from docx.document import Document as WordDocument
from docx.oxml.ns import qn
from docx.shared import Cm

from bot.summary.render_docx import docx_zip, render_all_docx
from tests.reports.conftest import (
    AMENDED_NOTE,
    DIFFERS_NOTE,
    FORMULA_NOTE,
    HTML_NOTE,
    OTHER_ORGS,
    TERMLY_NOTE,
    Filled,
)

EMU_TOLERANCE = Cm(0.01)


async def forms(filled: Filled) -> dict[str, WordDocument]:
    found = render_all_docx(await filled.summary())
    assert sorted(found) == [
        "east-partnership.docx",
        "north-partnership.docx",
        "south-partnership.docx",
    ]
    return {name.split("-")[0]: Document(io.BytesIO(data)) for name, data in found.items()}


def rows(table: object) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]  # type: ignore[attr-defined]


async def test_the_form_is_a4_with_the_rounds_title_dates_and_people(filled: Filled) -> None:
    north = (await forms(filled))["north"]
    section = north.sections[0]
    assert abs(section.page_width - Cm(21.0)) < EMU_TOLERANCE
    assert abs(section.page_height - Cm(29.7)) < EMU_TOLERANCE
    paragraphs = [p.text for p in north.paragraphs if p.text.strip()]
    assert paragraphs[:8] == [
        "LEICESTERSHIRE SECONDARY EDUCATION AND INCLUSION PARTNERSHIPS",
        "AUDIT OF INFORMATION HELD BY PARTNERSHIPS 2026/27",
        "Round 1 · Opened 02 November 2026 · Deadline 30 November 2026",
        "Partnership: North Partnership",
        "Status: Submitted 02 Nov 2026 11:00 by Bob Baker; amended 03 Nov 2026 12:30"
        " (2 changes, listed at the end)",
        "Contacts: Alice Archer, Bob Baker",
        "Answered by: Alice Archer, Bob Baker",
        "Filled in from the answers recorded by 03 Nov 2026 12:30.",
    ]
    assert not any("{" in p or "September 2018" in p for p in paragraphs)
    footer = section.footer.paragraphs[0]._p.xml
    assert "North Partnership · Audit of information held by partnerships 2026/27" in footer
    assert 'w:instr="PAGE"' in footer and 'w:instr="NUMPAGES"' in footer


async def test_forms_of_partnerships_still_answering_say_how_far_they_got(filled: Filled) -> None:
    found = await forms(filled)
    south = [p.text for p in found["south"].paragraphs if p.text.startswith("Status")]
    assert south == [
        "Status: In progress, 4 of 44 questions answered; last activity 02 Nov 2026 12:00"
    ]
    east = [p.text for p in found["east"].paragraphs if p.text.strip()]
    assert "Status: Not started, 0 of 44 questions answered" in east
    assert "Contacts: Dan <Dee> & Co" in east
    assert not any(p.startswith("Answered by") for p in east)
    assert found["east"].tables[0].rows[1].cells[2].text == ""
    assert len(found["east"].tables) == 7  # no changes after submission: no table for them


async def test_questions_carry_their_number_and_answers_their_marks(filled: Filled) -> None:
    north = (await forms(filled))["north"]
    tables = [rows(t) for t in north.tables]
    assert len(tables) == 9  # seven sections, the follow-up actions, the changes after submission
    s1 = tables[0]
    assert s1[0] == ["No.", "Information held", "Tick", "Notes"]
    assert s1[1] == ["1", "Address", "✓", HTML_NOTE]
    assert s1[4] == ["4", "GP name and contact details", "✗", FORMULA_NOTE]
    assert s1[7] == ["7 ↻", "Attendance Records", "✗", AMENDED_NOTE]
    assert len(s1) == 1 + 12
    assert tables[1][-1][0] == "18" and tables[1][-1][3] == OTHER_ORGS
    assert tables[5][0] == ["No.", "Describe", "Answer"]
    assert tables[5][1][0] == "36"
    assert tables[6][0] == [
        "No.",
        "We keep information as follows…",
        "Tick if true",
        "Note how your practice is different",
    ]
    assert tables[6][2] == ["42", tables[6][2][1], "✗", DIFFERS_NOTE]
    headings = [p.text for p in north.paragraphs if p.runs and p.runs[0].bold]
    assert "7. How long do you keep information?" in headings
    south = Document(io.BytesIO(render_all_docx(await filled.summary())["south-partnership.docx"]))
    assert (
        south.tables[5].rows[1].cells[2].text == "We check with the school.\nAnd with the family."
    )


async def test_the_changes_after_submission_are_listed_at_the_end(filled: Filled) -> None:
    north = (await forms(filled))["north"]
    changes = rows(north.tables[-1])
    assert changes == [
        ["No.", "Question", "Was", "Now", "Changed by"],
        [
            "7",
            "Attendance Records",
            "Yes",
            f"No (note: “{AMENDED_NOTE}”)",
            "Alice Archer, 03 Nov 2026 12:00",
        ],
        [
            "8",
            "Progress and achievement data",
            "Yes",
            f"Yes (note: “{TERMLY_NOTE}”)",
            "Bob Baker, 03 Nov 2026 12:30",
        ],
    ]


async def test_the_form_prints_like_the_paper_form(filled: Filled) -> None:
    north = (await forms(filled))["north"]
    prints_like_the_paper_form(north)
    s1 = north.tables[0]
    grid = [int(c.get(qn("w:w"))) for c in s1._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert grid[2] < grid[1] / 3  # the Tick column is narrow, as on the paper form


def prints_like_the_paper_form(north: WordDocument) -> None:
    """Header rows repeat on each page, rows never split, a heading stays with its table
    (keep with next), and each table's grid says the widths its cells ask for."""
    for table in north.tables:
        header, *body = table.rows
        assert header._tr.trPr.find(qn("w:tblHeader")) is not None
        for row in body:
            assert row._tr.trPr.find(qn("w:cantSplit")) is not None
            assert row._tr.trPr.find(qn("w:tblHeader")) is None
        assert table._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        grid = [int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.findall(qn("w:gridCol"))]
        for row in table.rows:
            cells = [int(tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) for tc in row._tr.tc_lst]
            assert cells == grid
        assert abs(sum(grid) - 17 * 567) <= len(grid)  # A4 less two 2 cm margins, in twips
    body = list(north.element.body.iterchildren())
    for table in north.tables:
        before = body[body.index(table._tbl) - 1]
        keep = before.find(f"{qn('w:pPr')}/{qn('w:keepNext')}")
        assert keep is not None, "a heading or instruction must stay with its table"
        for cell in table.rows[0].cells:
            assert cell.paragraphs[0].paragraph_format.keep_with_next


async def test_docx_zip_holds_every_form(filled: Filled) -> None:
    archive = zipfile.ZipFile(io.BytesIO(docx_zip(await filled.summary())))
    assert len(archive.namelist()) == 3
