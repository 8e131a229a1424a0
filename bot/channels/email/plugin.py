"""The email channel as the process and the CLI see it (`registry.Channel`): sends through
SMTP whenever its SMTP settings are complete, and reads replies over IMAP when those are
complete too. The SMTP and IMAP clients load when it first sends or receives: a command
that does neither (and `auditbot --help`) never imports them."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import datetime
from typing import TYPE_CHECKING

from bot.channels.email import commands
from bot.channels.email.name import CHANNEL as NAME
from bot.channels.registry import ChannelStartError

if TYPE_CHECKING:
    import typer

    from bot.channels.registry import Wake
    from bot.clock import Clock
    from bot.config import Settings
    from bot.outbox import Deliverer
    from storage import Database
    from storage.records import Contact

log = logging.getLogger(__name__)


class EmailChannel:
    name = NAME

    def configured(self, settings: Settings) -> bool:
        return settings.email.sending

    @asynccontextmanager
    async def sender(self, settings: Settings) -> AsyncIterator[Deliverer]:
        from bot.channels.email.deliver import EmailDeliverer
        from bot.channels.email.smtp import SmtpSender

        async with SmtpSender(settings.email) as smtp:
            yield EmailDeliverer(settings.email, smtp)

    @asynccontextmanager
    async def receiver(
        self, settings: Settings, db: Database, clock: Clock, wake: Wake
    ) -> AsyncIterator[Deliverer]:
        if not settings.email.receiving:
            log.info(
                "email: sending only; set EMAIL_IMAP_HOST, EMAIL_IMAP_USERNAME, "
                "EMAIL_IMAP_PASSWORD and EMAIL_REPLY_SECRET to read replies"
            )
            async with self.sender(settings) as deliverer:
                yield deliverer
            return
        import asyncio

        from bot.channels.email.conversation import EmailConversation
        from bot.channels.email.mailbox import check_imap

        problem = await check_imap(settings.email)
        if problem is not None:
            raise ChannelStartError(problem)
        conversation = EmailConversation(settings, db, clock, wake)
        async with self.sender(settings) as deliverer:
            polling = asyncio.create_task(conversation.poll(), name="email-replies")
            try:
                yield deliverer
            finally:
                polling.cancel()
                with suppress(asyncio.CancelledError):
                    await polling

    async def invite_links(
        self, settings: Settings, db: Database, contacts: Sequence[Contact], now: datetime
    ) -> Mapping[int, str]:
        """None: an email invitation is itself the way in (replies carry the reply token)."""
        return {}

    async def status_lines(self, settings: Settings) -> list[str]:
        """How many emails are waiting for a person (not from a contact, or not readable)."""
        from bot.channels.email.mailbox import Mailbox, MailboxError
        from bot.texts import texts

        email = settings.email
        if not email.receiving:
            return []
        try:
            async with Mailbox(email) as box:
                waiting = await box.count(email.imap_attention_folder)
        except MailboxError as exc:
            return [texts().string("email.cli.status_unknown", problem=str(exc))]
        return [
            texts().string("email.cli.attention", count=waiting, folder=email.imap_attention_folder)
        ]

    def register_commands(self, app: typer.Typer) -> None:
        commands.register(app)


CHANNEL = EmailChannel()
