"""Telegram and email in one process: a contact starts in Telegram and finishes the same
section by email; both channels' answers make one response, each with its channel."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.channels import registry
from bot.commands.invite import create_invites, queue_invitation_emails
from bot.commands.outbox import deliver_now
from bot.config import Settings, TelegramSettings
from bot.runner import serve
from storage import responses
from tests.conftest import Seeded
from tests.email.dovecot import Account
from tests.email.smtp_server import MailServer
from tests.email.test_answering import CAROL, email_settings, mail_for, plain, reply
from tests.fake_bot_api import FakeBotApi


async def test_a_contact_answers_in_telegram_and_by_email_into_one_response(
    seeded: Seeded, api: FakeBotApi, smtp: MailServer, dovecot: Account
) -> None:
    settings = Settings(
        db=Path(seeded.db.path),
        telegram=TelegramSettings(bot_token=api.token, api_url=api.url),
        email=email_settings(smtp, dovecot),
    )
    channels = registry.configured(settings)
    assert sorted(c.name for c in channels) == ["email", "telegram"]
    stop = asyncio.Event()
    running = asyncio.create_task(serve(settings, seeded.db, stop, channels, seeded.clock))
    try:
        invited = await create_invites(settings, seeded.db, "South Partnership", False)
        await queue_invitation_emails(seeded.db, invited, seeded.clock())
        await deliver_now(settings, seeded.db, seeded.clock)
        invitation = await mail_for(smtp, CAROL, 1)
        link = invited.links[seeded.contacts["carol"].id]["telegram"]
        assert link in plain(invitation)  # the Telegram link and the email way, in one email

        carol = api.user(3003, "Carol")
        await carol.send(f"/start {link.partition('?start=')[2]}", settle=False)
        await api.wait_until(lambda: any(m.buttons for m in carol.messages), 10)
        await carol.click("Yes", settle=False)  # question 1, in Telegram
        await api.wait_until(lambda: "note" in carol.messages[-1].text, 10)
        await dovecot.append(reply(invitation, "start"))
        section = await mail_for(smtp, CAROL, 2)
        assert "1. Address  (answered: Yes)" in plain(section)
        await dovecot.append(reply(section, "2 no\n3 yes"))
        saved = await mail_for(smtp, CAROL, 3)
        assert "Saved 2 answers" in plain(saved)
    finally:
        stop.set()
        await running
    async with seeded.db.read() as conn:
        response = await responses.response_for(
            conn,
            seeded.round.id,
            seeded.contacts["carol"].partnership_id,
            seeded.round.questionnaire_version,
        )
        answers = await responses.answers(conn, response.id)
    assert {qid: (a.value, a.channel) for qid, a in answers.items()} == {
        "s1.address": ("yes", "telegram"),
        "s1.telephone": ("no", "email"),
        "s1.electronic_contacts": ("yes", "email"),
    }
