"""The summary as plain text, for the terminal and email bodies."""

from __future__ import annotations

from bot.summary.context import template_context
from bot.summary.model import Summary
from bot.texts import texts


def render_text(summary: Summary) -> str:
    return texts().render("reports/summary.txt.j2", **template_context(summary)) + "\n"
