"""Chat commands for the LA's admins (ADMINS: telegram:<user id>), in a private chat with the bot.

/status shows every partnership's progress, /summary sends the LA summary to the admin's
own chat (messages and files, through the outbox), /remind runs a reminder tick now, /query
asks a partnership about one answer (`admin_query`), /actions lists the follow-up actions
still open, each with a button to mark it done (`admin_actions`).
Admins need not be partnership contacts. Anyone else asking for /summary, /remind, /query
or /actions is refused without data; everyone else's /status and /help keep their usual meaning.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from telegram import Bot, BotCommand, BotCommandScopeChat, Message
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import audit_trail
from bot.channels.registry import Wake
from bot.channels.telegram.admin_actions import ActionList
from bot.channels.telegram.admin_query import QueryPicker
from bot.channels.telegram.name import CHANNEL
from bot.channels.telegram.render import sentence
from bot.channels.telegram.split import split_html
from bot.clock import Clock
from bot.config import Recipient, Settings
from bot.questionnaire import Severity
from bot.reminders import tick
from bot.summary import schedule as summary_schedule
from bot.summary.context import template_context
from bot.summary.load import NoRoundError, load_summary
from bot.summary.model import FOLLOW_UP
from bot.texts import texts
from storage import Database, partnerships

log = logging.getLogger(__name__)


ADMIN_COMMANDS = ("status", "summary", "remind", "query", "actions")
"""The admin menu, after the contacts' commands (shown only in admins' chats)."""
HANDLED = frozenset({*ADMIN_COMMANDS, "help"})
ADMIN_ONLY = frozenset({"summary", "remind", "query", "actions"})

Send = Callable[[ContextTypes.DEFAULT_TYPE, int, str], Awaitable[Message | None]]


class AdminCommands:
    def __init__(
        self, db: Database, settings: Settings, clock: Clock, wake: Wake = lambda: None
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.wake = wake
        """Ask the process's outbox worker to send now (it paces every chat in one place)."""
        self.actions = ActionList(db, settings, clock)
        """/actions and its buttons."""
        self.queries = QueryPicker(db, settings, clock, wake, also=(self.actions.register,))
        """/query's picker; `app.build_application` adds its handlers, and with them
        /actions' (`also`), before the contacts' ones."""

    def is_admin(self, user_id: int) -> bool:
        return self.settings.is_admin(CHANNEL, str(user_id))

    async def handle(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        chat_id: int,
        user_id: int,
        command: str,
        sent_at: datetime,
        send: Send,
    ) -> bool:
        """Deal with `command` if it is ours; False lets the contact handlers have it.

        `sent_at` is the message's own date: the same update delivered twice gives the same
        on-demand summary slot, so it is sent once.
        """
        if command not in HANDLED:
            return False
        if not self.is_admin(user_id):
            if command in ADMIN_ONLY:
                log.info("refused /%s from user %s (not an admin)", command, user_id)
                await send(context, chat_id, sentence("admin.not_allowed"))
                return True
            return False
        await audit_trail.record(self.db, f"{CHANNEL}:{user_id}", f"/{command}", clock=self.clock)
        match command:
            case "status":
                for part in await self.status_messages():
                    await send(context, chat_id, part)
            case "summary":
                await self.summary(context, chat_id, sent_at, send)
            case "remind":
                await self.remind(context, chat_id, send)
            case "query":
                await self.queries.start(context, chat_id, user_id)
            case "actions":
                await self.actions.start(context, chat_id)
            case _:  # help: the admin part, then a contact's usual help if they are one
                await send(context, chat_id, texts().render("telegram/admin_help.html.j2"))
                async with self.db.read() as conn:
                    return (
                        await partnerships.contact_by_account(conn, CHANNEL, str(user_id)) is None
                    )
        return True

    async def status_messages(self) -> list[str]:
        """Every partnership's progress, as Telegram HTML messages under the length limit."""
        try:
            summary = await load_summary(self.db, self.clock(), zone=self.settings.zone)
        except NoRoundError:
            return [sentence("admin.no_round")]
        follow_up = [a for a in summary.attention if a.reason in FOLLOW_UP]
        open_actions = [a for a in summary.actions if a.is_open]
        waiting = [q for q in summary.queries if q.is_open]
        html = texts().render(
            "telegram/admin_status.html.j2",
            follow_up=follow_up,
            open_actions=len(open_actions),
            red_actions=sum(1 for a in open_actions if a.severity is Severity.RED),
            open_queries=len(waiting),
            oldest_query_days=max((q.age_days for q in waiting), default=0),
            **template_context(summary),
        )
        return split_html(html)

    async def summary(
        self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, sent_at: datetime, send: Send
    ) -> None:
        """Say at once that the summary is on its way, then compile and queue it to this chat
        (once per message, `sent_at`) in the background: its files take seconds to make, and
        the admin's chat need not wait for them. The application awaits it when stopping."""
        chats = (Recipient(CHANNEL, str(chat_id)),)
        slot = summary_schedule.demand_slot(sent_at)
        try:
            round_ = await summary_schedule.summary_round(self.db)
        except NoRoundError:
            await send(context, chat_id, sentence("admin.no_round"))
            return
        if await summary_schedule.already_queued(self.db, round_.id, slot, chats):
            await send(context, chat_id, sentence("admin.summary_already"))
            return
        files = len(summary_schedule.FILE_KINDS)
        await send(context, chat_id, sentence("admin.summary_queued", files=files))
        context.application.create_task(
            self._queue_summary(context, chat_id, round_.id, slot, send),
            name=f"summary-{chat_id}-{slot}",
        )

    async def _queue_summary(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        chat_id: int,
        round_id: int,
        slot: str,
        send: Send,
    ) -> None:
        chats = (Recipient(CHANNEL, str(chat_id)),)
        try:
            queued = await summary_schedule.queue_summary(
                self.db, self.settings, self.clock(), slot, recipients=chats, round_id=round_id
            )
        except Exception:
            log.exception("could not compile the summary for an admin's /summary")
            await send(context, chat_id, sentence("admin.summary_failed"))
            return
        if queued:
            self.wake()

    async def remind(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, send: Send) -> None:
        result = await tick(self.db, self.settings, self.clock)
        if result.round_id is None:
            await send(context, chat_id, sentence("admin.remind.no_round"))
            return
        key = "admin.remind.queued" if result.reminders or result.flags else "admin.remind.nothing"
        await send(context, chat_id, sentence(key, reminders=result.reminders, flags=result.flags))
        self.wake()


async def set_admin_menus(bot: Bot, settings: Settings, commands: tuple[str, ...]) -> None:
    """Show the admin commands in the menu of each admin's private chat only.

    An admin who has never opened the bot has no chat yet; that is fine and quiet.
    """
    menu: list[Any] = [
        BotCommand(name, texts().string(f"telegram.commands.{name}"))
        for name in commands
        if name not in ADMIN_COMMANDS
    ]
    menu += [BotCommand(name, texts().string(f"admin.commands.{name}")) for name in ADMIN_COMMANDS]
    for admin in (int(a.address) for a in settings.admins if a.channel == CHANNEL):
        try:
            await bot.set_my_commands(menu, scope=BotCommandScopeChat(admin))
        except TelegramError as exc:
            log.info("no admin menu for %s yet: %s", admin, exc)
