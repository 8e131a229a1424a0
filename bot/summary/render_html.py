"""The summary as a printable HTML page (autoescaped: partnership text is shown as typed)."""

from __future__ import annotations

from bot.summary.context import template_context
from bot.summary.model import Summary
from bot.texts import texts


def render_html(summary: Summary) -> str:
    return texts().render("reports/summary.html.j2", **template_context(summary)) + "\n"
