"""Generate templates/reports/partnership-form.docx, the Word template for each
partnership's filled-in form (rendered with docxtpl, from bot/summary/form.py's context).

Run once after changing the layout: `python tools/make_docx_template.py`. The LA may then
restyle the generated file in Word, keeping the {{ }} and {% %} tags intact.

The layout prints like the paper form on A4 in Word and LibreOffice alike: a heading stays
with its table, a table's header row repeats on every page it runs onto, a row never splits
across pages, and each table's column grid says the same widths as its cells.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

TARGET = Path(__file__).resolve().parent.parent / "templates" / "reports" / "partnership-form.docx"

A4 = (Cm(21.0), Cm(29.7))
MARGIN = Cm(2.0)
TEXT_WIDTH_CM = 17.0
"""A4's 21 cm less two 2 cm margins: every table is exactly this wide."""
TICK_COLUMNS = (1.2, 6.8, 1.8, 7.2)
"""No., the question, the tick, the notes (the paper form's 7.5 / 2 / 7.5, plus the number)."""
DESCRIBE_COLUMNS = (1.2, 6.8, 9.0)
CHANGE_COLUMNS = (1.2, 4.6, 3.9, 3.9, 3.4)
ACTION_COLUMNS = (1.2, 4.4, 3.2, 1.8, 3.6, 2.8)
"""No., the question, the answer (with its note), severity, suggested action, status."""
QUERY_COLUMNS = (1.2, 4.6, 5.2, 6.0)
"""No., the question, the LA's comment, the reply (or how long it has been open)."""
COMPARED_COLUMNS = (1.2, 5.8, 5.0, 5.0)
"""No., the question, the answer in the round compared with, the answer now."""
GREY = RGBColor(0x55, 0x55, 0x55)
SMALL = Pt(9)


def _keep_with_next(paragraph: Paragraph) -> Paragraph:
    paragraph.paragraph_format.keep_with_next = True
    return paragraph


def _row_property(row_xml: OxmlElement, name: str) -> None:
    """Set an on/off row property (w:tblHeader, w:cantSplit) in the row's w:trPr."""
    tr_pr = row_xml.get_or_add_trPr()
    element = OxmlElement(name)
    element.set(qn("w:val"), "true")
    tr_pr.append(element)


def _table(
    doc: Document, rows: str, headers: list[str], cells: list[str], widths: tuple[float, ...]
) -> Table:
    """A header row (repeated on each page), then a row per item of `rows` (never split)."""
    assert math.isclose(sum(widths), TEXT_WIDTH_CM) and len(headers) == len(cells) == len(widths)
    table = doc.add_table(rows=4, cols=len(widths))
    table.style = "Table Grid"
    table.autofit = False  # a fixed layout: Word and LibreOffice use the widths given
    tbl_pr = table._tbl.tblPr
    tbl_w = tbl_pr.find(qn("w:tblW"))
    if tbl_w is None:
        tbl_w = OxmlElement("w:tblW")
        tbl_pr.append(tbl_w)
    tbl_w.set(qn("w:w"), str(round(TEXT_WIDTH_CM * 567)))
    tbl_w.set(qn("w:type"), "dxa")
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)  # the grid (w:gridCol) ...
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)  # ... and every cell agree
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        _keep_with_next(cell.paragraphs[0]).add_run(text).bold = True
    _row_property(table.rows[0]._tr, "w:tblHeader")
    table.cell(1, 0).text = f"{{%tr for row in {rows} %}}"
    for cell, text in zip(table.rows[2].cells, cells, strict=True):
        cell.text = text
    _row_property(table.rows[2]._tr, "w:cantSplit")
    table.cell(3, 0).text = "{%tr endfor %}"
    return table


def _field(paragraph: Paragraph, instruction: str) -> None:
    """A page-number field (PAGE, NUMPAGES) that Word and LibreOffice fill in when printing."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    colour = OxmlElement("w:color")
    colour.set(qn("w:val"), str(GREY))
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), str(round(SMALL.pt * 2)))  # half-points
    properties.extend([colour, size])
    run.append(properties)
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _small(paragraph: Paragraph, text: str, *, bold: bool = False) -> Paragraph:
    run = paragraph.add_run(text)
    run.font.size = SMALL
    run.font.color.rgb = GREY
    run.bold = bold
    return paragraph


def _listing(doc: Document, name: str, columns: tuple[float, ...]) -> None:
    """`name`'s section when the form's context has rows for it: `name` (the rows, each
    with `cells`), `name_heading`, `name_intro` (may be empty) and `name_header`."""
    doc.add_paragraph(f"{{%p if {name} %}}")
    heading = _keep_with_next(doc.add_paragraph())
    heading.paragraph_format.space_before = Pt(10)
    heading.add_run(f"{{{{ {name}_heading }}}}").bold = True
    doc.add_paragraph(f"{{%p if {name}_intro %}}")
    _small(_keep_with_next(doc.add_paragraph()), f"{{{{ {name}_intro }}}}")
    doc.add_paragraph("{%p endif %}")
    _table(
        doc,
        name,
        [f"{{{{ {name}_header[{i}] }}}}" for i in range(len(columns))],
        [f"{{{{ row.cells[{i}] }}}}" for i in range(len(columns))],
        columns,
    )
    doc.add_paragraph("{%p endif %}")


def build(target: Path = TARGET) -> Path:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = A4
    section.left_margin = section.right_margin = MARGIN
    section.top_margin = section.bottom_margin = Cm(1.8)
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(4)

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _small(footer, "{{ footer }}")
    _field(footer, "PAGE")
    _small(footer, "{{ footer_of }}")
    _field(footer, "NUMPAGES")

    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    heading.add_run("{{ organisation | upper }}").bold = True
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title_run = title.add_run("{{ title | upper }}")
    title_run.bold = True
    title_run.font.size = Pt(13)
    dates = doc.add_paragraph()
    dates.alignment = WD_ALIGN_PARAGRAPH.CENTER
    dates.add_run("{{ round_line }}")

    doc.add_paragraph().add_run("{{ partnership_line }}").bold = True
    doc.add_paragraph("{{ status_line }}")
    doc.add_paragraph("{%p if contacts_line %}")
    doc.add_paragraph("{{ contacts_line }}")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p if answered_by_line %}")
    doc.add_paragraph("{{ answered_by_line }}")
    doc.add_paragraph("{%p endif %}")
    _small(doc.add_paragraph(), "{{ compiled_line }}")

    doc.add_paragraph("{%p for section in sections %}")
    number = _keep_with_next(doc.add_paragraph())
    number.paragraph_format.space_before = Pt(10)
    number.add_run("{{ section.heading }}").bold = True
    doc.add_paragraph("{%p if section.instructions %}")
    _keep_with_next(doc.add_paragraph()).add_run("{{ section.instructions }}").italic = True
    doc.add_paragraph("{%p endif %}")

    doc.add_paragraph("{%p if section.describe %}")
    _table(
        doc,
        "section.rows",
        ["{{ number_header }}", "{{ section.column }}", "{{ section.tick_header }}"],
        ["{{ row.label }}", "{{ row.text }}", "{{ row.note }}"],
        DESCRIBE_COLUMNS,
    )
    doc.add_paragraph("{%p else %}")
    table = _table(
        doc,
        "section.rows",
        [
            "{{ number_header }}",
            "{{ section.column }}",
            "{{ section.tick_header }}",
            "{{ section.notes_header }}",
        ],
        ["{{ row.label }}", "{{ row.text }}", "{{ row.mark }}", "{{ row.note }}"],
        TICK_COLUMNS,
    )
    table.cell(2, 2).paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p endfor %}")

    # after the answers, what applies: follow-up actions, the LA's queries, what changed
    # since the round compared with (each a heading, a line and a table, or nothing)
    for name, columns in (
        ("actions", ACTION_COLUMNS),
        ("queries", QUERY_COLUMNS),
        ("compared", COMPARED_COLUMNS),
    ):
        _listing(doc, name, columns)

    doc.add_paragraph("{%p if changes %}")
    changes = _keep_with_next(doc.add_paragraph())
    changes.paragraph_format.space_before = Pt(10)
    changes.add_run("{{ changes_heading }}").bold = True
    _small(_keep_with_next(doc.add_paragraph()), "{{ amended_legend }}")
    _table(
        doc,
        "changes",
        [f"{{{{ changes_header[{i}] }}}}" for i in range(len(CHANGE_COLUMNS))],
        [
            "{{ row.number }}",
            "{{ row.question }}",
            "{{ row.before }}",
            "{{ row.after }}",
            "{{ row.by }}",
        ],
        CHANGE_COLUMNS,
    )
    doc.add_paragraph("{%p endif %}")

    # the signature line, last: who signed the return off, as what, and what they confirmed
    signature = _keep_with_next(doc.add_paragraph())
    signature.paragraph_format.space_before = Pt(10)
    signature.add_run("{{ signoff_heading }}").bold = True
    _keep_with_next(doc.add_paragraph()).add_run("{{ attestation }}").italic = True
    doc.add_paragraph("{{ signoff_line }}")

    target.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(target))
    return target


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else TARGET))
