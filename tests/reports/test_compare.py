"""What changed since an earlier round: two rounds recorded in a real database, the second on
an edited questionnaire (one question reworded, one added, one removed)."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.flows import events
from bot.summary.compare import compare_rounds
from bot.summary.load import NoRoundError, load_summary, with_comparison
from bot.summary.render_html import render_html
from bot.summary.render_text import render_text
from bot.summary.render_xlsx import render_xlsx
from tests.reports.conftest import HTML_NOTE, Filled, answer
from tests.reports.two_rounds import NEW_ITEM, TwoRounds, record_two_rounds


@pytest.fixture
async def two_rounds(filled: Filled) -> TwoRounds:
    return await record_two_rounds(filled)


async def test_each_changed_answer_old_and_new(two_rounds: TwoRounds) -> None:
    summary = await two_rounds.summary()
    c = summary.comparison
    assert c is not None and c.previous.id == two_rounds.first
    found = {(x.partnership, x.question.item.id): x for x in c.changes}
    north, east = "North Partnership", "East Partnership"
    assert set(found) == {
        (east, "s1.address"),
        (north, "s1.address"),
        (north, "s1.telephone"),
        (north, "s1.attendance"),
        (north, "s7.safeguarding_returned"),
    }
    address = found[(north, "s1.address")]
    assert address.before is not None and address.before.note == HTML_NOTE
    assert address.note_changed and not address.value_changed
    assert found[(north, "s1.attendance")].reworded
    assert not found[(north, "s1.telephone")].reworded
    first_answer = found[(east, "s1.address")]
    assert first_answer.before is None and first_answer.value_changed
    assert [p.partnership for p in c.partnerships] == [east, north]


async def test_newly_no_or_differs_and_counts_per_section(two_rounds: TwoRounds) -> None:
    c = (await two_rounds.summary()).comparison
    assert c is not None
    assert [(x.partnership, x.question.item.id) for x in c.newly_standing_out] == [
        ("East Partnership", "s1.address"),
        ("North Partnership", "s1.telephone"),
        ("North Partnership", "s7.safeguarding_returned"),
    ]
    counts = {s.number: (s.answers, s.partnerships) for s in c.sections}
    assert counts == {1: (4, 2), 2: (0, 0), 3: (0, 0), 4: (0, 0), 5: (0, 0), 6: (0, 0), 7: (1, 1)}
    assert [q.item.id for q in c.new_questions] == ["s1.photos"]
    assert c.removed_questions == ("Records of successes and of breaches of behaviour rules",)
    assert c.new_partnerships == ()


async def test_the_same_round_twice_has_no_changes(two_rounds: TwoRounds) -> None:
    summary = await two_rounds.summary()
    same = compare_rounds(summary, summary)
    assert same.changes == () and same.new_questions == () and same.removed_questions == ()
    assert all(s.answers == 0 for s in same.sections)
    book = load_workbook(io.BytesIO(render_xlsx(replace(summary, comparison=same))))
    rows = list(book["Since round 2"].iter_rows(values_only=True))
    assert [row[0] for row in rows] == ["Partnership", None, "No answer differs from round 2."]


async def test_a_partnership_new_since_has_nothing_to_compare(two_rounds: TwoRounds) -> None:
    summary = await two_rounds.summary()
    earlier = await load_summary(two_rounds.filled.seeded.db, summary.generated_at, round_id=1)
    fewer = replace(earlier, partnerships=earlier.partnerships[1:])  # East was not there
    c = compare_rounds(summary, fewer)
    assert c.new_partnerships == ("East Partnership",)
    assert all(x.partnership != "East Partnership" for x in c.changes)


async def test_an_unknown_round_to_compare_with(two_rounds: TwoRounds) -> None:
    seeded = two_rounds.filled.seeded
    current = await load_summary(seeded.db, seeded.clock())
    with pytest.raises(NoRoundError):
        await with_comparison(seeded.db, current, 9)


async def test_every_format_shows_what_changed(two_rounds: TwoRounds) -> None:
    summary = await two_rounds.summary()
    text = render_text(summary)
    assert "== Changes since round 1 ==" in text
    assert "5 answers differ, in 2 partnerships" in text
    assert "Yes (note: “<b>x</b> & y”) → Yes" in text
    assert "Not answered → No" in text
    assert "(the question was reworded since)" in text
    assert f"Asked for the first time: 2. {NEW_ITEM}." in text
    assert "No longer asked: Records of successes and of breaches of behaviour rules." in text
    assert "Section 1: What information" in text and "4 answers in 2 partnerships" in text

    html = render_html(summary)
    assert '<h2 id="compare">Changes since round 1</h2>' in html
    assert "Yes (note: “&lt;b&gt;x&lt;/b&gt; &amp; y”)" in html
    assert HTML_NOTE not in html
    assert f"<p>Asked for the first time: 2. {NEW_ITEM}.</p>" in html
    assert (
        "<p>No longer asked: Records of successes and of breaches of behaviour rules.</p>" in html
    )

    book = load_workbook(io.BytesIO(render_xlsx(summary)))
    sheet = book["Since round 1"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Partnership", "No.", "Section")
    assert rows[0][9:] == ("Reworded", "Newly “No” or “Our practice differs”")
    assert sheet.auto_filter.ref == "A1:K6"  # the table of changes: 1 + 5 rows
    changes, after = rows[1:6], rows[6:]
    north_phone = next(r for r in changes if r[0] == "North Partnership" and r[3] == "s1.telephone")
    assert north_phone[5:] == ("Yes", None, "No", None, None, "Newly “No”")
    newly = [(r[0], r[3], r[10]) for r in changes if r[10]]
    assert newly == [
        ("East Partnership", "s1.address", "Newly “No”"),
        ("North Partnership", "s1.telephone", "Newly “No”"),
        ("North Partnership", "s7.safeguarding_returned", "Newly “Our practice differs”"),
    ]
    for r, row in enumerate(changes, start=2):
        filled_in = sheet.cell(row=r, column=11).fill.fgColor.rgb
        assert filled_in.endswith("FDD9B5") == bool(row[10])
    # below the table, after a blank row: the question added, then the one removed
    assert after[0] == (None,) * 11
    assert after[1][:5] == ("Asked for the first time", 2, 1, "s1.photos", NEW_ITEM)
    assert after[2][:5] == (
        "No longer asked",
        None,
        None,
        None,
        "Records of successes and of breaches of behaviour rules",
    )
    assert len(after) == 3


async def test_without_comparison_nothing_is_said(filled: Filled) -> None:
    summary = await filled.summary()
    assert summary.comparison is None
    assert "Changes since round" not in render_text(summary)
    assert "Changes since round" not in render_html(summary)
    sheets = load_workbook(io.BytesIO(render_xlsx(summary))).sheetnames
    assert not any(name.startswith("Since round") for name in sheets)


async def test_the_comparison_fits_a_phone(two_rounds: TwoRounds, tmp_path: Path) -> None:
    from tests.reports.test_phone_width import CHROMIUM, LONG_NOTE, LONG_WORD, PHONE, measure

    if CHROMIUM is None:
        pytest.skip("Chromium is not installed")
    await answer(
        two_rounds.filled.seeded,
        "carol",
        events.BatchEntry("s1.gp", "no", LONG_WORD),
        events.BatchEntry("s1.progress", "yes", LONG_NOTE),
    )
    measured = measure(render_html(await two_rounds.summary()), tmp_path)
    assert measured["inner"] == PHONE[0]
    assert measured["wide"] == []
