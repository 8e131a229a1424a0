"""Marking a follow-up action done, for the answer as it stands: the one way both
`auditbot actions done` and an admin's "Mark done" button in Telegram do it."""

from __future__ import annotations

from datetime import datetime

from bot.summary.actions import Action, answer_fingerprint
from storage import Database
from storage import actions as action_store


async def mark_action_done(
    db: Database, round_id: int, action: Action, who: str, now: datetime
) -> bool:
    """Record that `who` dealt with `action` at `now`; False, and nothing changed, if it was
    already done for this answer (by whoever got there first: who and when are kept)."""
    if not action.is_open:
        return False
    async with db.transaction() as conn:
        return await action_store.mark_done(
            conn,
            round_id,
            action.partnership_id,
            action.question.item.id,
            answer_fingerprint(action.answer.value, action.answer.note),
            who,
            now,
        )
