"""An admin's /status in Telegram counts the follow-up actions still open."""

from __future__ import annotations

from bot.channels.telegram import app as tg
from bot.flows import events
from bot.summary.actions import answer_fingerprint
from bot.summary.load import load_summary
from storage import actions as action_store
from tests.conftest import Seeded
from tests.delivery.conftest import ADMIN
from tests.fake_bot_api import FakeBotApi


async def test_admin_status_counts_open_actions(
    bot: tg.TelegramApp, api: FakeBotApi, seeded: Seeded
) -> None:
    olivia = api.user(ADMIN, "Olivia")
    await olivia.send("/status")
    assert "follow-up action" not in olivia.messages[-1].text  # nothing raised yet

    entries = (
        events.BatchEntry("s7.paper_seven_years", "differs", "Six <years> & no more."),
        events.BatchEntry("s6.referral", ""),
    )
    await seeded.service.handle(seeded.contacts["alice"].id, "console", events.Batch(entries))
    await olivia.send("/status")
    status = olivia.messages[-1]
    assert "2 follow-up actions open, 1 of them red." in status.text
    assert "<code>auditbot actions list --open</code>" in status.html

    summary = await load_summary(seeded.db, seeded.clock())
    red = summary.actions[0]
    async with seeded.db.transaction() as conn:
        await action_store.mark_done(
            conn,
            summary.round.id,
            red.partnership_id,
            red.question.item.id,
            answer_fingerprint(red.answer.value, red.answer.note),
            "telegram:777",
            seeded.clock(),
        )
    await olivia.send("/status")
    assert "1 follow-up action open." in olivia.messages[-1].text
