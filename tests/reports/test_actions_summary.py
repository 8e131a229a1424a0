"""Actions in the summary compiled from a real database: derived from the answers the
partnerships recorded, with their stored status, in every summary format."""

from __future__ import annotations

import csv
import io
import sqlite3

from openpyxl import load_workbook

from bot.flows import events
from bot.questionnaire import Severity
from bot.summary.actions import answer_fingerprint
from bot.summary.render_csv import render_csv, render_summary_csv
from bot.summary.render_html import render_html
from bot.summary.render_text import render_text
from bot.summary.render_xlsx import render_xlsx
from storage import actions as action_store
from storage import retention
from tests.reports.conftest import DIFFERS_NOTE, OTHER_ORGS, Filled, answer

BREACH_NOTE = "A memory stick with <names> & dates was LOST in June."


async def test_the_summary_lists_what_the_bundled_rules_raise(filled: Filled) -> None:
    summary = await filled.summary()
    found = {(a.partnership, a.question.item.id): a for a in summary.actions}
    north = "North Partnership"
    assert set(found) == {
        (north, "s7.paper_seven_years"),  # Our practice differs
        (north, "s2.other"),  # other organisations named
        *((north, f"s6.{x}") for x in ("referral", "new_information", "register", "transfer")),
    }
    retention_action = found[(north, "s7.paper_seven_years")]
    assert retention_action.severity is Severity.RED
    assert retention_action.note == DIFFERS_NOTE
    assert summary.actions[0] is retention_action  # red first
    assert found[(north, "s2.other")].answer.value == OTHER_ORGS
    # South wrote how it checks accuracy at referral: nothing to follow up there
    assert not any(a.partnership == "South Partnership" for a in summary.actions)


async def test_a_worrying_note_raises_a_red_action(filled: Filled) -> None:
    await answer(filled.seeded, "carol", events.BatchEntry("s1.gp", "yes", BREACH_NOTE))
    summary = await filled.summary()
    (action,) = [a for a in summary.actions if a.partnership == "South Partnership"]
    assert (action.question.item.id, action.severity) == ("s1.gp", Severity.RED)
    assert action.rules == ("possible-incident",)


async def test_done_is_stored_and_reopens_when_the_answer_changes(filled: Filled) -> None:
    db, clock = filled.seeded.db, filled.seeded.clock
    summary = await filled.summary()
    target = next(a for a in summary.actions if a.question.item.id == "s7.paper_seven_years")
    async with db.transaction() as conn:
        await action_store.mark_done(
            conn,
            summary.round.id,
            target.partnership_id,
            target.question.item.id,
            answer_fingerprint(target.answer.value, target.answer.note),
            "cli:officer",
            clock(),
        )
    summary = await filled.summary()
    done = next(a for a in summary.actions if a.code == target.code)
    assert not done.is_open and done.done is not None
    assert (done.done.done_by, done.done.done_at) == ("cli:officer", clock())
    assert summary.actions[-1] == done  # done ones last

    clock.advance(hours=2)
    await answer(
        filled.seeded,
        "bob",
        events.BatchEntry("s7.paper_seven_years", "differs", "Six years, from next term."),
    )
    summary = await filled.summary()
    again = next(a for a in summary.actions if a.code == target.code)
    assert again.is_open and again.superseded is not None
    assert "Open again: the answer changed after cli:officer marked it done" in render_text(summary)

    async with db.transaction() as conn:
        assert await action_store.reopen(
            conn, summary.round.id, target.partnership_id, target.question.item.id
        )
        assert not await action_store.reopen(
            conn, summary.round.id, target.partnership_id, target.question.item.id
        )


async def test_every_format_shows_the_actions_escaped(filled: Filled) -> None:
    await answer(filled.seeded, "carol", events.BatchEntry("s1.gp", "yes", BREACH_NOTE))
    summary = await filled.summary()
    text = render_text(summary)
    assert "== Actions ==" in text
    assert "6 open, 0 done" not in text and "7 open, 0 done" in text
    assert f"[Red] {summary.actions[0].code} · " in text
    assert BREACH_NOTE in text

    html = render_html(summary)
    assert '<a href="#actions">Actions</a>' in html
    assert '<h2 id="actions">Actions</h2>' in html
    assert "A memory stick with &lt;names&gt; &amp; dates was LOST in June." in html
    assert BREACH_NOTE not in html
    assert html.count('class="sev-red"') == 2 and html.count('class="sev-amber"') == 5

    sheet = load_workbook(io.BytesIO(render_xlsx(summary)))["Actions"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("ID", "Severity", "Partnership")
    assert rows[0][-2:] == ("Suggested action", "Status")
    assert len(rows) == 1 + len(summary.actions)
    breach = next(r for r in rows if r[8] == BREACH_NOTE)
    assert breach[1:4] == ("Red", "South Partnership", 4)
    assert breach[-1] == "Open"
    assert sheet.cell(row=2, column=2).fill.fgColor.rgb.endswith("F4C7C3")

    # the export is the answers alone; the summary's CSV has the action on each answer's row
    assert "Suggested action" not in render_csv(summary)
    rows = list(csv.DictReader(io.StringIO(render_summary_csv(summary))))
    [flagged] = [r for r in rows if r["Note"] == BREACH_NOTE]
    assert (flagged["Action severity"], flagged["Action status"]) == ("Red", "Open")
    assert flagged["Suggested action"].startswith("Ask what happened")


async def test_no_rules_no_actions_section_text(filled: Filled) -> None:
    summary = await filled.summary()
    from dataclasses import replace

    empty = replace(summary, actions=())
    assert "No answer needs follow-up." in render_text(empty)
    assert "No answer needs follow-up." in render_html(empty)
    assert load_workbook(io.BytesIO(render_xlsx(empty)))["Actions"].max_row == 1


async def test_deleting_a_round_deletes_its_actions_done(filled: Filled) -> None:
    db, clock = filled.seeded.db, filled.seeded.clock
    summary = await filled.summary()
    target = summary.actions[0]
    async with db.transaction() as conn:
        await action_store.mark_done(
            conn, summary.round.id, target.partnership_id, "s7.paper_seven_years", "f", "x", clock()
        )
        await conn.execute("UPDATE rounds SET closed_at = ?", (clock().isoformat(),))
        await retention.delete_round(conn, summary.round.id)
    with sqlite3.connect(db.path) as check:
        assert check.execute("SELECT count(*) FROM action_status").fetchone() == (0,)
