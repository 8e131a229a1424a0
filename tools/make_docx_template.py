"""Generate templates/reports/partnership-form.docx, the Word template for each
partnership's filled-in form (rendered with docxtpl).

Run once after changing the layout: `python tools/make_docx_template.py`. The LA may then
restyle the generated file in Word, keeping the {{ }} and {% %} tags intact.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from docx.table import Table

TARGET = Path(__file__).resolve().parent.parent / "templates" / "reports" / "partnership-form.docx"


def _header(table: Table, texts: list[str]) -> None:
    for cell, text in zip(table.rows[0].cells, texts, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True


def _widths(table: Table, widths: list[float]) -> None:
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)


def build(target: Path = TARGET) -> Path:
    doc = Document()
    section = doc.sections[0]
    section.left_margin = section.right_margin = Cm(2)
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(10.5)

    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    heading.add_run("{{ organisation | upper }}").bold = True
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run(
        "{{ title | upper }}{% if edition %} {{ edition | upper }}{% endif %}"
    ).bold = True
    doc.add_paragraph("{{ partnership_line }}")
    doc.add_paragraph("{{ status_line }}")

    doc.add_paragraph("{%p for section in sections %}")
    number = doc.add_paragraph()
    number.add_run("{{ section.number }}. {{ section.heading }}").bold = True
    doc.add_paragraph("{%p if section.instructions %}")
    doc.add_paragraph("{{ section.instructions }}")
    doc.add_paragraph("{%p endif %}")

    doc.add_paragraph("{%p if section.describe %}")
    table = doc.add_table(rows=4, cols=2)
    table.style = "Table Grid"
    _header(table, ["{{ section.column }}", "{{ section.tick_header }}"])
    table.cell(1, 0).text = "{%tr for row in section.rows %}"
    table.cell(2, 0).text = "{{ row.text }}"
    table.cell(2, 1).text = "{{ row.note }}"
    table.cell(3, 0).text = "{%tr endfor %}"
    _widths(table, [7.5, 9.5])
    doc.add_paragraph("{%p else %}")
    table = doc.add_table(rows=4, cols=3)
    table.style = "Table Grid"
    _header(
        table, ["{{ section.column }}", "{{ section.tick_header }}", "{{ section.notes_header }}"]
    )
    table.cell(1, 0).text = "{%tr for row in section.rows %}"
    table.cell(2, 0).text = "{{ row.text }}"
    table.cell(2, 1).text = "{{ row.mark }}"
    table.cell(2, 1).paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    table.cell(2, 2).text = "{{ row.note }}"
    table.cell(3, 0).text = "{%tr endfor %}"
    _widths(table, [7.5, 2.0, 7.5])
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p endfor %}")

    target.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(target))
    return target


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else TARGET))
