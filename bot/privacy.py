"""`auditbot privacy`: the record of processing, with this deployment's settings filled in
(templates/cli/privacy.txt.j2 holds the words; the README links it)."""

from __future__ import annotations

import re
import textwrap

from bot.config import Settings
from bot.retention import WAITING_UPDATES_KEPT, Retention
from bot.texts import texts

TEMPLATE = "cli/privacy.txt.j2"
WIDTH = 88


def record_of_processing(settings: Settings) -> str:
    retention = Retention.from_settings(settings)
    text = texts().render(
        TEMPLATE,
        db=settings.db.resolve(),
        shared=settings.db_allow_shared,
        telegram=settings.telegram.complete,
        email=settings.email.sending,
        email_replies=settings.email.receiving,
        admins=len(settings.admins),
        la_recipients=len(settings.la_recipients),
        invite_days=settings.invite_ttl_days,
        closed_rounds_days=retention.closed_rounds.days,
        processed_updates_days=retention.processed_updates.days,
        failed_attempt_hours=int(retention.failed_invite_attempts.total_seconds() // 3600),
        spent_invites_days=retention.spent_invites.days,
        delivered_days=retention.delivered_messages.days,
        logs_days=retention.logs.days,
        backups_days=retention.backups.days,
        waiting_hours=int(WAITING_UPDATES_KEPT.total_seconds() // 3600),
        done_folder=settings.email.imap_done_folder,
        attention_folder=settings.email.imap_attention_folder,
    )
    return reflow(text)


def reflow(text: str, width: int = WIDTH) -> str:
    """Re-wrap each paragraph, and each "- " item or "[table]" entry, to `width`, with
    continuation lines indented under it; blank lines stay as they are."""
    blocks: list[str] = []
    for block in text.split("\n\n"):
        items = re.split(r"\n(?=- )", block.strip("\n"))
        wrapped = []
        for item in items:
            joined = " ".join(line.strip() for line in item.splitlines() if line.strip())
            indent = "  " if joined.startswith(("- ", "[")) else ""
            wrapped.append(
                textwrap.fill(
                    joined,
                    width,
                    subsequent_indent=indent,
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            )
        blocks.append("\n".join(wrapped))
    return "\n\n".join(blocks)
