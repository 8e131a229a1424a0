"""The summary as one message body: simple HTML (bold, italic, underline only) that a chat
or an email shows as it is; chat channels cut it to their length limit."""

from __future__ import annotations

from bot.summary.context import template_context
from bot.summary.model import Summary
from bot.texts import texts


def render_message(summary: Summary) -> str:
    return texts().render("reports/summary.message.html.j2", **template_context(summary))
