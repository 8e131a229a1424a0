"""The HTML summary, parsed as a browser would: escaping, numbering, the cells that stand
out, notes and changes that can be followed, charts with their numbers, phone and print
layouts declared."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

from bot.summary.load import load_summary
from bot.summary.render_html import render_html
from storage import Database
from tests.conftest import seed
from tests.reports.conftest import AMENDED_NOTE, HTML_NOTE, OTHER_ORGS, TERMLY_NOTE, Filled

ESCAPED_NOTE = "&lt;b&gt;x&lt;/b&gt; &amp; y"


class Page(HTMLParser):
    """Elements with their attributes and text, and every id, to check a page as read."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.cells: list[tuple[dict[str, str], str]] = []
        self._cell: dict[str, str] | None = None
        self._text: list[str] = []
        self.svgs = 0
        self.svg_text: list[str] = []
        self._in_svg = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if "id" in found:
            self.ids.add(found["id"])
        if tag == "a" and found.get("href", "").startswith("#"):
            self.links.append(found["href"][1:])
        if tag == "td":
            self._cell, self._text = found, []
        if tag == "svg":
            self.svgs += 1
            self._in_svg += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.cells.append((self._cell, " ".join("".join(self._text).split())))
            self._cell = None
        if tag == "svg":
            self._in_svg -= 1

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._text.append(data)
        if self._in_svg:
            self.svg_text.append(data.strip())

    def cell(self, label: str, text_start: str) -> dict[str, str]:
        """The first cell labelled `label` (a partnership, a column) whose text starts so."""
        return next(
            a for a, t in self.cells if a.get("data-label") == label and t.startswith(text_start)
        )


async def test_html_escapes_user_text_and_is_one_self_contained_page(filled: Filled) -> None:
    html = render_html(await filled.summary())
    assert ESCAPED_NOTE in html and HTML_NOTE not in html
    assert "Dan &lt;Dee&gt; &amp; Co" in html
    assert "The police &lt;CID&gt; &amp; probation" in html
    assert OTHER_ORGS not in html
    assert not re.search(r"""(src|href)=["'](https?:|//)""", html)  # nothing to fetch
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "@media screen and (max-width: 700px)" in html
    assert "@media print" in html and "size: A4 landscape" in html


async def test_questions_are_numbered_as_in_the_chat_with_the_section_beside(
    filled: Filled,
) -> None:
    html = render_html(await filled.summary())
    assert "Section 7: How long do you keep information? <small>(questions 41–44)</small>" in html
    page = Page(html)
    numbers = [t for a, t in page.cells if "qno" in a.get("class", "")]
    choice_numbers = [str(n) + "." for n in range(1, 45)]
    assert numbers == [n for n in choice_numbers if n in numbers]  # in order, from 1
    assert "42." in numbers and "1." in numbers and "36." not in numbers  # 36: free text
    assert (
        "<strong>North Partnership</strong> · 42. We keep paper records for seven years and"
        " then destroy them <small>(section 7)</small>"
    ) in html
    assert "<h4>36. What do you do to ensure" in html
    assert "7. We keep paper records" not in html  # the old section-number label


async def test_the_cells_that_matter_stand_out_and_lead_to_their_note(filled: Filled) -> None:
    page = Page(render_html(await filled.summary()))
    south_address = page.cell("South Partnership", "No")
    assert "stand-out" in south_address["class"]
    north_address = page.cell("North Partnership", "Yes ✎")
    assert "stand-out" not in north_address["class"] and "has-note" in north_address["class"]
    differs = page.cell("North Partnership", "Our practice differs")
    assert "stand-out" in differs["class"]
    amended = page.cell("North Partnership", "No ✎ ↻")  # question 7: changed, with a note
    assert "amended" in amended["class"] and "stand-out" in amended["class"]
    unanswered = page.cell("East Partnership", "Not answered")
    assert "v-unanswered" in unanswered["class"]
    # every marker leads somewhere on the page: the note, or the list of changes
    assert page.links and set(page.links) <= page.ids
    assert "note-1-1" in page.links and "changes" in page.links


async def test_free_text_lists_every_partnership_and_who_is_missing(filled: Filled) -> None:
    html = render_html(await filled.summary())
    referral = html.split("<h4>36. What do you do to ensure")[1].split("<h4>")[0]
    assert "South Partnership" in referral and "We check with the school." in referral
    assert "Not answered yet: East Partnership" in referral
    assert referral.count("<tr>") == 1 + 3  # the header, then every partnership
    other = html.split("<h4>18. Are there any other organisations")[1].split("<h4>")[0]
    assert "Not answered yet: East Partnership, South Partnership" in other


async def test_every_change_after_submission_is_traceable(filled: Filled) -> None:
    html = render_html(await filled.summary())
    changes = html.split('<h2 id="changes">')[1]
    rows = re.findall(r"<tr>(.*?)</tr>", changes, flags=re.S)
    texts = [" ".join(re.sub(r"<[^>]+>", " ", r).split()) for r in rows]
    assert texts == [
        "Changed at Partnership Question Was Now Changed by",
        "03 Nov 2026 12:00 North Partnership 7. Attendance Records (section 1) Yes"
        f" No (note: “{AMENDED_NOTE}”) Alice Archer",
        "03 Nov 2026 12:30 North Partnership 8. Progress and achievement data (section 1) Yes"
        f" Yes (note: “{TERMLY_NOTE}”) Bob Baker",
    ]
    assert 'by Bob Baker (<a href="#changes">amended 03 Nov 2026 12:30</a>)' in html


async def test_charts_are_inline_svg_with_their_numbers(filled: Filled) -> None:
    filled.seeded.clock.advance(days=1)
    html = render_html(await filled.summary())
    page = Page(html)
    assert page.svgs == 3  # progress, over time, by section
    drawn = [t for t in page.svg_text if t]
    assert "Progress of the round" in drawn and "Answers by section" in drawn
    assert "Submitted 1 · In progress 1 · Not started 1" in drawn
    assert "Yes 10 · No 3 · Not answered 20" in drawn  # section 1
    assert "Section 7" in drawn and "Deadline" not in drawn  # the deadline is weeks away
    # the days on which anything changed, as a table beside the chart over time
    numbers = Page(html.split('<table class="numbers cards">')[1].split("</table>")[0])
    assert [t for _, t in numbers.cells] == ["02 November 2026", "1", "1", "1"]
    assert "<caption>Days on which the numbers changed</caption>" in html


async def test_a_round_opened_today_has_no_chart_over_time(filled: Filled) -> None:
    summary = await filled.summary()
    later = replace(summary, timeline=summary.timeline[:1])
    assert Page(render_html(later)).svgs == 2


async def test_many_partnerships_split_the_answers_into_tables_that_fit_a_page(
    db: Database, tmp_path: Path
) -> None:
    directory = tmp_path / "many.csv"
    rows = "".join(f"P{n:02d} Partnership,Contact {n},c{n}@p{n}.example,\n" for n in range(1, 11))
    directory.write_text("partnership,contact_name,email,telegram_username\n" + rows, "utf-8")
    seeded = await seed(db, directory)
    html = render_html(await load_summary(db, seeded.clock()))
    section = html.split('<h3 id="section-1">')[1].split("<h4>")[0]
    tables = section.split("<table")[1:]
    assert len(tables) == 2
    assert "<caption>Partnerships 1 to 8 of 10</caption>" in tables[0]
    assert "<caption>Partnerships 9 to 10 of 10</caption>" in tables[1]
    headers = [re.findall(r"<th[^>]*>([^<]*)</th>", t.split("</thead>")[0]) for t in tables]
    assert headers[0] == ["No.", "Information held", *(f"P0{n} Partnership" for n in range(1, 9))]
    assert headers[1] == [
        "No.",
        "Information held",
        "P09 Partnership",
        "P10 Partnership",
        "Yes",
        "No",
        "Not answered",
    ]
    first_row = tables[1].split("<tbody>")[1].split("</tr>")[0]
    assert first_row.count("<td") == 2 + 2 + 3  # number, question, two partnerships, totals
