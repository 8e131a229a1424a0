"""The summary as one self-contained HTML page (autoescaped: partnership text is shown as
typed): reads on a phone (each table a list of cards below 700 px), prints on A4 landscape,
and carries its charts inline as SVG."""

from __future__ import annotations

from bot.summary.charts import build_charts, svg
from bot.summary.context import template_context
from bot.summary.model import Summary
from bot.texts import texts

MATRIX_COLUMNS = 8
"""Partnerships per answer table: as many as fit across A4 landscape, readable; more go in
the next table (each table a list of cards on a phone)."""


def render_html(summary: Summary) -> str:
    context = {
        **template_context(summary),
        "charts": build_charts(summary),
        "svg": svg,
        "matrix_columns": MATRIX_COLUMNS,
    }
    return texts().render("reports/summary.html.j2", **context) + "\n"
