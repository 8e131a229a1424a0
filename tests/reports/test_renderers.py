"""Text, CSV and chat messages: partnership text as typed (escaped in Telegram's HTML), the
questions numbered as in the chat, and the changes after submission."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

from bot.channels.telegram.split import TELEGRAM_LIMIT, split_html
from bot.flows import events
from bot.summary.render_csv import render_csv
from bot.summary.render_message import render_message
from bot.summary.render_text import render_text
from tests.reports.conftest import (
    AMENDED_NOTE,
    DIFFERS_NOTE,
    FORMULA_NOTE,
    HTML_NOTE,
    OTHER_ORGS,
    TERMLY_NOTE,
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


async def test_text_numbers_questions_as_the_chat_and_lists_the_changes(filled: Filled) -> None:
    text = render_text(await filled.summary())
    assert "Section 7: How long do you keep information? (questions 41–44)" in text
    assert "\n42. We keep paper records for seven years and then destroy them\n" in text
    assert "North Partnership · 42. We keep paper records" in text
    assert "(section 7)" in text
    # free text: who wrote what, and who has not answered
    assert "18. Are there any other organisations" in text
    assert "   - North Partnership: The police <CID> & probation" in text
    assert "   Not answered yet: East Partnership, South Partnership" in text
    changes = text.split("== Changes after submission ==")[1]
    assert (
        "03 Nov 2026 12:00 · North Partnership · 7. Attendance Records (section 1)\n"
        f"  Yes → No (note: “{AMENDED_NOTE}”); Changed by: Alice Archer"
    ) in changes
    assert f"Yes → Yes (note: “{TERMLY_NOTE}”); Changed by: Bob Baker" in changes


async def test_telegram_messages_escape_and_balance(filled: Filled) -> None:
    messages = split_html(render_message(await filled.summary()))
    joined = "\n".join(messages)
    assert ESCAPED_NOTE in joined and HTML_NOTE not in joined
    assert "Dan &lt;Dee&gt;" not in joined or "Dan &lt;Dee&gt; &amp; Co" in joined
    for message in messages:
        assert len(message) < TELEGRAM_LIMIT
        visible(message)


async def test_telegram_messages_number_questions_and_bold_what_stands_out(
    filled: Filled,
) -> None:
    joined = "\n".join(split_html(render_message(await filled.summary())))
    assert "<u>Section 1: What information do you hold" in joined
    assert "• 4. GP name and contact details: Yes <b>0</b> · <b>No 1</b> · Not answered 2" in joined
    assert "• 37. How do you ensure" in joined
    assert "Written answer <b>0</b> · Nothing to add 1 · Not answered 2" in joined
    assert (
        "<b>North Partnership</b> · 7. Attendance Records: Yes → No (note: “"
        f"{AMENDED_NOTE}”) <i>(Alice Archer, 03 Nov 2026 12:00)</i>"
    ) in joined


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
    assert len(rows) == 1 + 3 * len(filled.questionnaire.items)
    by_key = {(r[0], r[3]): r for r in rows[1:]}
    address = by_key["North Partnership", "s1.address"]
    # Alice answered Yes first; Bob's later Yes with a note leaves the answer hers
    assert address[1:3] == ["1", "1"] and address[5:8] == ["Yes", HTML_NOTE, "Alice Archer"]
    assert address[10] == "Bob Baker"
    assert address[8:10] == ["2026-11-02 10:00", "console"]
    assert by_key["North Partnership", "s1.gp"][6] == f"'{FORMULA_NOTE}"  # never a formula
    assert by_key["East Partnership", "s1.address"][5:] == ["", "", "", "", "", ""]
    assert by_key["South Partnership", "s3.other"][5] == "Nothing to add"
    assert by_key["North Partnership", "s2.other"][5] == OTHER_ORGS
    paper = by_key["North Partnership", "s7.paper_seven_years"]
    assert paper[1:3] == ["42", "7"]  # the question's number, then its section
    assert by_key["North Partnership", "s1.attendance"][5:7] == ["No", AMENDED_NOTE]
