"""The sections after the answers on each partnership's Word form, each only where it
applies: the follow-up actions on its answers, the LA's queries to it and their replies,
and what changed since the round compared with; text exactly as typed, laid out to print
like the rest of the form."""

from __future__ import annotations

import io
from datetime import UTC

import pytest
from docx import Document
from docx.document import Document as WordDocument

from bot.summary.model import Summary
from bot.summary.partnership_form import partnership_docx
from bot.summary.render_docx import render_all_docx
from storage import partnerships
from tests.reports.conftest import AMENDED_NOTE, HTML_NOTE, Filled
from tests.reports.test_docx import prints_like_the_paper_form, rows
from tests.reports.two_rounds import (
    ANSWERED_QUERY,
    NORTH,
    OPEN_QUERY,
    QUERY_REPLY,
    REWORDED,
    record_the_return_loop,
    record_two_rounds,
)

SAFEGUARDING = (
    "We ensure that any records concerning safeguarding issues are returned to the school "
    "where the child is on roll"
)


@pytest.fixture
async def year_two(filled: Filled) -> Summary:
    rounds = await record_two_rounds(filled)
    await record_the_return_loop(rounds)
    return await rounds.summary()


def forms(summary: Summary) -> dict[str, WordDocument]:
    found = render_all_docx(summary)
    return {name.split("-")[0]: Document(io.BytesIO(data)) for name, data in found.items()}


def after_the_answers(form: WordDocument) -> list[str]:
    """The paragraphs after the last section's heading, without blank ones."""
    texts = [p.text for p in form.paragraphs if p.text.strip()]
    return texts[texts.index("7. How long do you keep information?") + 1 :]


async def test_the_form_lists_actions_queries_and_changes_after_the_answers(
    year_two: Summary,
) -> None:
    north = forms(year_two)["north"]
    assert after_the_answers(north) == [
        "Follow-up actions",
        "Answers the local authority follows up: 0 open, 1 done.",
        "Queries from the local authority",
        "Changes since round 1",
        "Each answer that differs from round 1: the answer then, and now.",
        "Sign-off",
        north.paragraphs[-2].text,  # the attestation
        "Signed off by Alice Archer, Head of inclusion, on 02 Sep 2027 13:30",
    ]
    tables = [rows(t) for t in north.tables]
    assert len(tables) == 7 + 3
    actions, queries, compared = tables[7:]
    assert actions == [
        ["No.", "Question", "Answer", "Severity", "Suggested action", "Status"],
        [
            "41",
            SAFEGUARDING,
            f"Our practice differs (note: “{QUERY_REPLY}”)",
            "Red",
            "Ask for the partnership's retention schedule and check it against the LA's "
            "retention policy; agree when its practice will match, or record why it differs.",
            "Done by cli:jo, 02 Sep 2027 15:30",
        ],
    ]
    assert queries == [
        ["No.", "Question", "LA comment", "Reply or status"],
        ["3", "Telephone numbers", f"{OPEN_QUERY} (asked 01 Sep 2027 13:30)", "Open, 1 day"],
        [
            "41",
            SAFEGUARDING,
            f"{ANSWERED_QUERY} (asked 01 Sep 2027 13:30)",
            f"Answered by Alice Archer, 02 Sep 2027 13:30: Our practice differs — {QUERY_REPLY}",
        ],
    ]
    assert compared == [
        ["No.", "Question", "Round 1", "This round"],
        ["1", "Address", f"Yes (note: “{HTML_NOTE}”)", "Yes"],
        ["3", "Telephone numbers", "Yes", "No"],
        [
            "8",
            f"{REWORDED} (the question was reworded since)",
            f"No (note: “{AMENDED_NOTE}”)",
            "Yes",
        ],
        ["41", SAFEGUARDING, "True for us", f"Our practice differs (note: “{QUERY_REPLY}”)"],
    ]
    prints_like_the_paper_form(north)


async def test_a_section_that_does_not_apply_is_left_out(year_two: Summary) -> None:
    found = forms(year_two)
    # South: nothing to follow up, no query, no answer changed since round 1
    assert after_the_answers(found["south"])[0] == "Sign-off"
    assert len(found["south"].tables) == 7
    # East: answered for the first time, so changed; nothing else
    east = after_the_answers(found["east"])
    assert east[:2] == [
        "Changes since round 1",
        "Each answer that differs from round 1: the answer then, and now.",
    ]
    assert rows(found["east"].tables[-1])[1:] == [["1", "Address", "Not answered", "No"]]


async def test_without_a_comparison_there_is_no_changes_section(filled: Filled) -> None:
    north = forms(await filled.summary())["north"]
    texts = after_the_answers(north)
    assert texts[:2] == [
        "Follow-up actions",
        "Answers the local authority follows up: 6 open, 0 done.",
    ]
    assert "Changes after submission" in texts  # the amendments, as before
    assert not any(text.startswith(("Changes since round", "Queries from")) for text in texts)


async def test_the_submitters_own_copy_carries_the_sign_off(filled: Filled) -> None:
    """The form a submitter's receipt carries is filled from their partnership alone: the
    answers and the sign-off, not the LA's follow-up."""
    seeded = filled.seeded
    async with seeded.db.read() as conn:
        [north] = [p for p in await partnerships.list_partnerships(conn) if p.name == NORTH]
    built = await partnership_docx(seeded.db, seeded.round.id, north.id, seeded.clock(), UTC)
    assert built is not None and built[0] == "north-partnership.docx"
    form = Document(io.BytesIO(built[1]))
    texts = after_the_answers(form)
    assert texts[-1] == "Signed off by Bob Baker, Head of inclusion, on 02 Nov 2026 11:00"
    assert "Follow-up actions" not in texts
