"""The LA's queries in the summary (text, HTML, XLSX): open ones first with their age, the
comment and the reply, everything people typed escaped; deleting a round deletes them."""

from __future__ import annotations

import io
import sqlite3

from openpyxl import load_workbook

from bot.flows import events
from bot.queries import QueryLoop
from bot.summary.render_html import render_html
from bot.summary.render_text import render_text
from bot.summary.render_xlsx import render_xlsx
from storage import retention
from tests.reports.conftest import Filled, answer

COMMENT = "Which <system> holds this & since when?"
REPLY = "=No change, because it is on the <referral> form."


async def test_every_format_shows_open_queries_with_their_age(filled: Filled) -> None:
    seeded = filled.seeded
    loop = QueryLoop()
    await loop.ask(seeded.db, "South Partnership", "1", COMMENT, "cli:jo", seeded.clock())
    await loop.ask(seeded.db, "North Partnership", "s1.gp", "Why no?", "cli:jo", seeded.clock())
    seeded.clock.advance(days=3)
    await answer(seeded, "alice", events.BatchEntry("s1.gp", "no", REPLY))
    seeded.clock.advance(days=2)
    summary = await filled.summary()
    assert [(q.partnership, q.is_open, q.age_days) for q in summary.queries] == [
        ("South Partnership", True, 5),
        ("North Partnership", False, 3),
    ]

    text = render_text(summary)
    assert "== Queries to partnerships ==" in text
    assert "1 query waiting for a reply, 1 answered." in text
    assert "Open, 5 days" in text and COMMENT in text
    assert "Answered by Alice Archer" in text and REPLY in text

    html = render_html(summary)
    assert '<a href="#queries">Queries to partnerships</a>' in html
    assert "Which &lt;system&gt; holds this &amp; since when?" in html
    assert COMMENT not in html and "&lt;referral&gt;" in html

    sheet = load_workbook(io.BytesIO(render_xlsx(summary)))["Queries"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("ID", "Partnership") and "Age (days)" in rows[0]
    assert rows[1][1] == "South Partnership" and rows[1][5] == 5
    assert rows[2][-1].startswith("No — =No change")  # text, not a formula
    assert sheet.cell(row=3, column=8).data_type == "s"


async def test_no_queries_no_section(filled: Filled) -> None:
    summary = await filled.summary()
    assert "Queries to partnerships" not in render_text(summary)
    assert "Queries to partnerships" not in render_html(summary)
    assert "Queries" not in load_workbook(io.BytesIO(render_xlsx(summary))).sheetnames


async def test_deleting_a_round_deletes_its_queries(filled: Filled) -> None:
    db, clock = filled.seeded.db, filled.seeded.clock
    await QueryLoop().ask(db, "North Partnership", "1", COMMENT, "cli:jo", clock())
    async with db.transaction() as conn:
        await conn.execute("UPDATE rounds SET closed_at = ?", (clock().isoformat(),))
        await retention.delete_round(conn, filled.seeded.round.id)
    with sqlite3.connect(db.path) as check:
        assert check.execute("SELECT count(*) FROM queries").fetchone() == (0,)
