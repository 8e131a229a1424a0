"""Every format shows partnership text as typed: escaped in HTML/Telegram, literal elsewhere."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

from docx import Document
from openpyxl import load_workbook

from bot.channels.telegram.split import TELEGRAM_LIMIT, split_html
from bot.flows import events
from bot.summary.render_csv import render_csv
from bot.summary.render_docx import docx_zip, render_all_docx
from bot.summary.render_html import render_html
from bot.summary.render_message import render_message
from bot.summary.render_text import render_text
from bot.summary.render_xlsx import render_xlsx
from tests.reports.conftest import (
    DIFFERS_NOTE,
    FORMULA_NOTE,
    HTML_NOTE,
    OTHER_ORGS,
    Filled,
    answer,
)

ESCAPED_NOTE = "&lt;b&gt;x&lt;/b&gt; &amp; y"


class _Balance(HTMLParser):
    """Checks that every tag opened in a message is closed in it, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def visible(message: str) -> str:
    parser = _Balance()
    parser.feed(message)
    parser.close()
    assert parser.stack == [], message[-200:]
    return "".join(parser.text)


async def test_text_keeps_user_text_literally(filled: Filled) -> None:
    text = render_text(await filled.summary())
    assert HTML_NOTE in text and OTHER_ORGS in text and "Dan <Dee> & Co" in text
    assert "1 submitted · 1 in progress · 1 not started (of 3)" in text
    assert DIFFERS_NOTE in text


async def test_html_escapes_user_text_and_prints(filled: Filled) -> None:
    summary = await filled.summary()
    html = render_html(summary)
    assert ESCAPED_NOTE in html and HTML_NOTE not in html
    assert "Dan &lt;Dee&gt; &amp; Co" in html
    assert "The police &lt;CID&gt; &amp; probation" in html
    assert "@media print" in html
    sections_with_choices = {t.question.number for t in summary.tallies}
    assert html.count("<table") == 1 + len(sections_with_choices) + len(summary.comments)


async def test_telegram_messages_escape_and_balance(filled: Filled) -> None:
    messages = split_html(render_message(await filled.summary()))
    joined = "\n".join(messages)
    assert ESCAPED_NOTE in joined and HTML_NOTE not in joined
    assert "Dan &lt;Dee&gt;" not in joined or "Dan &lt;Dee&gt; &amp; Co" in joined
    for message in messages:
        assert len(message) < TELEGRAM_LIMIT
        visible(message)


async def test_telegram_messages_stay_under_the_limit_with_many_long_notes(
    filled: Filled,
) -> None:
    q = filled.questionnaire
    long_notes = {
        item.id: f"<i>{item.id}</i> & " + "word " * 380 + "end"
        for item in q.items
        if item.kind.choices
    }
    await answer(
        filled.seeded,
        "carol",
        *(events.BatchEntry(qid, None, note) for qid, note in long_notes.items()),
    )
    messages = split_html(render_message(await filled.summary()))
    assert len(messages) > 10
    assert all(len(m) < TELEGRAM_LIMIT for m in messages)
    text = "".join(visible(m) for m in messages)
    squashed = " ".join(text.split())
    for note in long_notes.values():
        assert " ".join(note.split()) in squashed


def test_split_html_reopens_tags_and_keeps_entities_whole() -> None:
    html = "<b>" + "&amp; abc " * 100 + "</b>\n" + "<i>tail</i>"
    parts = split_html(html, limit=120)
    assert len(parts) > 5
    for part in parts:
        assert len(part) <= 120
        visible(part)
        assert part.count("&") == part.count("&amp;")
    assert parts[1].startswith("<b>")
    assert "".join(visible(p) for p in parts).replace(" ", "").count("&") == 100


async def test_csv_has_a_row_per_partnership_and_question(filled: Filled) -> None:
    summary = await filled.summary()
    rows = list(csv.reader(io.StringIO(render_csv(summary))))
    assert rows[0] == [
        "Partnership",
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
    assert len(rows) == 1 + 3 * len(filled.questionnaire.items)
    by_key = {(r[0], r[2]): r for r in rows[1:]}
    address = by_key["North Partnership", "s1.address"]
    # Alice answered Yes first; Bob's later Yes with a note leaves the answer hers
    assert address[1] == "1" and address[4:7] == ["Yes", HTML_NOTE, "Alice Archer"]
    assert address[9] == "Bob Baker"
    assert address[7:9] == ["2026-11-02 10:00", "console"]
    assert by_key["North Partnership", "s1.gp"][5] == f"'{FORMULA_NOTE}"  # never a formula
    assert by_key["East Partnership", "s1.address"][4:] == ["", "", "", "", "", ""]
    assert by_key["South Partnership", "s3.other"][4] == "Nothing to add"
    assert by_key["North Partnership", "s2.other"][4] == OTHER_ORGS


async def test_xlsx_sheets_and_cells(filled: Filled) -> None:
    book = load_workbook(io.BytesIO(render_xlsx(await filled.summary())))
    assert book.sheetnames == ["Progress", "Answers matrix", "Notes", "Points to look at"]
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
    assert progress.column_dimensions["A"].width == 30

    matrix = book["Answers matrix"]
    header = [c.value for c in matrix[1]]
    assert header[3:6] == ["East Partnership", "North Partnership", "South Partnership"]
    assert header[6:] == ["Yes", "No", "True for us", "Our practice differs", "Not answered"]
    assert matrix.freeze_panes == "D2"
    address = [c.value for c in matrix[2]]
    assert address == [1, "s1.address", "Address", "Not answered", "Yes", "No", 1, 1, None, None, 1]
    paper = next(r for r in matrix.iter_rows(values_only=True) if r[1] == "s7.paper_seven_years")
    assert paper[4] == "Our practice differs" and paper[6:] == (None, None, 0, 1, 2)

    notes = book["Notes"]
    assert notes["A2"].alignment.wrap_text
    cells = {(r[0].value, r[2].value): r for r in notes.iter_rows(min_row=2)}
    assert cells["North Partnership", "s1.address"][5].value == HTML_NOTE
    formula = cells["North Partnership", "s1.gp"][5]
    assert formula.value == FORMULA_NOTE and formula.data_type == "s"
    assert cells["North Partnership", "s2.other"][4].value == OTHER_ORGS

    attention = [r for r in book["Points to look at"].iter_rows(min_row=2, values_only=True)]
    assert [(r[0], r[2]) for r in attention] == [
        ("North Partnership", "s2.other"),
        ("North Partnership", "s7.paper_seven_years"),
    ]
    assert attention[1][6] == DIFFERS_NOTE


async def test_docx_reproduces_the_form_with_answers(filled: Filled) -> None:
    forms = render_all_docx(await filled.summary())
    assert sorted(forms) == [
        "east-partnership.docx",
        "north-partnership.docx",
        "south-partnership.docx",
    ]
    doc = Document(io.BytesIO(forms["north-partnership.docx"]))
    paragraphs = [p.text for p in doc.paragraphs if p.text.strip()]
    assert paragraphs[:3] == [
        "LEICESTERSHIRE SECONDARY EDUCATION AND INCLUSION PARTNERSHIPS",
        "AUDIT OF INFORMATION HELD BY PARTNERSHIPS SEPTEMBER 2018",
        "Partnership: North Partnership",
    ]
    assert not any("{" in p for p in paragraphs)
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    assert len(tables) == 7
    s1 = tables[0]
    assert s1[0] == ["Information held", "Tick", "Notes"]
    assert s1[1] == ["Address", "✓", HTML_NOTE]
    assert s1[4] == ["GP name and contact details", "✗", FORMULA_NOTE]
    assert len(s1) == 1 + 12
    assert tables[1][-1][2] == OTHER_ORGS
    assert tables[5][0] == ["Describe", "Answer"]
    assert tables[6][0] == [
        "We keep information as follows…",
        "Tick if true",
        "Note how your practice is different",
    ]
    assert tables[6][2][1:] == ["✗", DIFFERS_NOTE]

    east = Document(io.BytesIO(forms["east-partnership.docx"]))
    assert east.tables[0].rows[1].cells[1].text == ""
    south = Document(io.BytesIO(forms["south-partnership.docx"]))
    assert (
        south.tables[5].rows[1].cells[1].text == "We check with the school.\nAnd with the family."
    )


async def test_docx_zip_holds_every_form(filled: Filled) -> None:
    import zipfile

    archive = zipfile.ZipFile(io.BytesIO(docx_zip(await filled.summary())))
    assert len(archive.namelist()) == 3
