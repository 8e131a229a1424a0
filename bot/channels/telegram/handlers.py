"""Telegram updates -> audit events -> rendered messages.

Updates are processed concurrently across chats and one by one, in `update_id` order,
within a chat (`ordering.ChatOrderedProcessor`), so nothing here needs a lock.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from html import escape
from typing import Any

from telegram import CallbackQuery, Chat, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot import reminders
from bot.about import about_now
from bot.audit_service import AuditService, Outcome, contact_lock
from bot.channels.registry import Wake
from bot.channels.telegram import callback_codec as codec
from bot.channels.telegram import render
from bot.channels.telegram.admin import AdminCommands
from bot.channels.telegram.callback_codec import SNOOZE_PREFIX
from bot.channels.telegram.name import CHANNEL
from bot.clock import Clock
from bot.config import Settings
from bot.flows import events as ev
from bot.invites import Redeemed, redeem
from bot.texts import texts
from storage import Database, partnerships
from storage.records import Contact

log = logging.getLogger(__name__)

QUIET_ERRORS = ("message is not modified", "query is too old", "query id is invalid")
UNEDITABLE = ("message can't be edited", "message to edit not found")
"""Edits Telegram refuses for good: the new content is sent as a new message instead."""
REMEMBERED_CHATS = 10_000

COMMANDS: dict[str, ev.Event] = {
    "review": ev.Review(),
    "submit": ev.Submit(),
    "status": ev.Status(),
    "pause": ev.Pause(),
    "cancel": ev.Pause(),  # its name in earlier versions
}

_INVITE_PROBLEMS = {
    Redeemed.INVALID: "telegram.invite.invalid",
    Redeemed.EXPIRED: "telegram.invite.expired",
    Redeemed.USED: "telegram.invite.used",
    Redeemed.TOO_MANY: "telegram.too_many_attempts",
}

TelegramApp = Application[Any, Any, Any, Any, Any, Any]


@dataclass(frozen=True, slots=True)
class InPlay:
    """The message the user acted on: a question (with its id), or another bot message."""

    message_id: int
    question_id: str | None = None


class TelegramChannel:
    def __init__(
        self,
        db: Database,
        service: AuditService,
        clock: Clock,
        settings: Settings,
        wake: Wake = lambda: None,
    ) -> None:
        self.db = db
        self.service = service
        self.clock = clock
        self.settings = settings
        self.admin = AdminCommands(db, self.settings, clock, wake)
        self._questions: OrderedDict[int, InPlay] = OrderedDict()
        """Per chat, the last question message sent, for the most recently active chats
        (cosmetic: lost on restart or for a long-quiet chat, that's fine)."""

    def register(self, app: TelegramApp) -> None:
        app.add_handler(CallbackQueryHandler(self.on_callback))
        app.add_handler(MessageHandler(filters.UpdateType.EDITED, self.on_edited))
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGE, self.on_message))
        app.add_error_handler(self.on_error)

    # -- updates ---------------------------------------------------------------------

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        if message is None or chat is None or user is None:
            return
        text = message.text
        command = _command(text, context.bot.username) if text is not None else None
        if chat.type != Chat.PRIVATE:
            # say so when someone addresses the bot; stay silent through group chatter
            if command is not None:
                await self.send(context, chat.id, render.sentence("telegram.private_only"))
            return
        if text is not None and command == "start":
            await self.on_start(update, context, chat.id, user.id, text)
            return
        if command is not None and await self.admin.handle(
            context, chat.id, user.id, command, message.date, self.send
        ):
            return
        contact = await self.contact(user.id)
        if contact is None:
            await self.send(context, chat.id, self.not_linked(user.id))
            return
        if text is None:
            await self.send(context, chat.id, render.sentence("telegram.not_text"))
            return
        if command == "help":
            about = await about_now(self.db, self.settings, contact)
            await self.send(context, chat.id, render.html("help", about=about))
            return
        if command not in COMMANDS and (command is not None or text.startswith("/")):
            await self.send(context, chat.id, render.sentence("telegram.unknown_command"))
            return
        event = COMMANDS[command] if command is not None else ev.Text(text, message.date)
        async with contact_lock(contact.id):
            outcome = await self.service.handle(
                contact.id, CHANNEL, event, update_key=str(update.update_id)
            )
            await self.show(context, chat.id, outcome, self._questions.get(chat.id))

    async def on_start(
        self,
        update: Update,
        context: ContextTypes.DEFAULT_TYPE,
        chat_id: int,
        user_id: int,
        text: str,
    ) -> None:
        """`/start TOKEN` links the account; `/start` alone resumes a linked contact."""
        parts = text.split(maxsplit=1)
        token = parts[1].strip() if len(parts) > 1 else ""
        key = str(update.update_id)
        problem: str | None = None
        fresh = False
        if token:
            redemption = await redeem(
                self.db, CHANNEL, token, str(user_id), str(chat_id), self.clock(), key
            )
            contact = redemption.contact
            fresh = redemption.result in (Redeemed.LINKED, Redeemed.DUPLICATE)
            if redemption.result in _INVITE_PROBLEMS:
                problem = _INVITE_PROBLEMS[redemption.result]
                contact = await self.contact(user_id)
        else:
            contact = await self.contact(user_id)
        if contact is None:
            await self.send(context, chat_id, self.not_linked(user_id, problem))
            return
        async with contact_lock(contact.id):
            outcome = await self.service.handle(contact.id, CHANNEL, ev.Start(), update_key=key)
            if outcome.duplicate:
                return
            if problem:
                await self.send(context, chat_id, render.sentence(problem))
            about = await about_now(self.db, self.settings, contact) if fresh else None
            greeting = render.welcome(contact, about)
            await self.send(context, chat_id, greeting)
            await self.show(context, chat_id, outcome, None)

    async def on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if chat is None or chat.type != Chat.PRIVATE:
            return
        await self.send(context, chat.id, render.sentence("telegram.edited"))

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Every callback query is answered here, first, before any work."""
        query = update.callback_query
        if query is None:
            return
        chat = query.message.chat if query.message is not None else None
        event: ev.Event | None = None
        notice: str | None = None
        if chat is None or chat.type != Chat.PRIVATE:
            notice = texts().string("telegram.private_only")
        elif (query.data or "").startswith(f"{SNOOZE_PREFIX}|"):
            await self.answer(query, None)
            await self.on_snooze(update, context, query, chat.id)
            return
        else:
            try:
                event = codec.decode(query.data)
            except codec.MalformedCallback as exc:
                log.warning(
                    "refused callback data %r from user %s: %s", query.data, query.from_user.id, exc
                )
                notice = texts().string("telegram.bad_button")
        await self.answer(query, notice)
        if event is None or chat is None:
            return
        contact = await self.contact(query.from_user.id)
        if contact is None:
            await self.send(context, chat.id, self.not_linked(query.from_user.id))
            return
        async with contact_lock(contact.id):
            outcome = await self.service.handle(
                contact.id, CHANNEL, event, update_key=str(update.update_id)
            )
            assert query.message is not None
            message_id = query.message.message_id
            question_id = (
                event.question_id
                if isinstance(event, ev.Choose | ev.Next | ev.Skip | ev.Back | ev.Note)
                else None
            )
            await self.show(
                context,
                chat.id,
                outcome,
                InPlay(message_id, question_id),
                closes_prompt=isinstance(event, ev.Confirm | ev.CancelSubmit | ev.Place | ev.Keep),
                tapped=not isinstance(event, ev.Start),  # Start is on notices: keep them
            )

    async def on_snooze(
        self,
        update: Update,
        context: ContextTypes.DEFAULT_TYPE,
        query: CallbackQuery,
        chat_id: int,
    ) -> None:
        """A reminder's "Remind me tomorrow / next week": hold the reminders, say until when,
        and take the snooze buttons off that reminder (the other buttons stay)."""
        contact = await self.contact(query.from_user.id)
        if contact is None:
            await self.send(context, chat_id, self.not_linked(query.from_user.id))
            return
        decoded = codec.decode_snooze(query.data)
        choice = _snooze_choice(decoded[1]) if decoded is not None else None
        if decoded is None or choice is None:
            log.warning("refused snooze data %r from user %s", query.data, contact.id)
            reply = texts().string("telegram.bad_button")
        else:
            reply = await reminders.snooze(
                self.db, self.settings, contact.id, decoded[0], choice, self.clock()
            )
        await self.send(context, chat_id, escape(reply, quote=False))
        message = query.message
        markup = message.reply_markup if isinstance(message, Message) else None
        if message is not None and markup is not None:
            rows = [
                [b for b in row if not str(b.callback_data or "").startswith(SNOOZE_PREFIX)]
                for row in markup.inline_keyboard
            ]
            kept = [row for row in rows if row]
            await self.quietly(
                context.bot.edit_message_reply_markup(
                    chat_id,
                    message.message_id,
                    reply_markup=InlineKeyboardMarkup(kept) if kept else None,
                ),
                also=UNEDITABLE,
            )

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log (the token is masked by the logging filter) and tell the user, once."""
        log.error("error while handling an update", exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            chat = update.effective_chat
            if chat.type == Chat.PRIVATE and not isinstance(context.error, TelegramError):
                try:
                    await context.bot.send_message(
                        chat.id, render.sentence("telegram.error"), parse_mode=ParseMode.HTML
                    )
                except TelegramError:
                    log.warning("could not tell chat %s about the error", chat.id)

    # -- output ----------------------------------------------------------------------

    def not_linked(self, user_id: int, problem: str | None = None) -> str:
        """For someone who is not a linked contact: how to get an invite, or, for an LA
        admin, that there is nothing to answer here and what they can do instead."""
        return render.not_linked(problem, admin=self.admin.is_admin(user_id))

    async def contact(self, user_id: int) -> Contact | None:
        async with self.db.single() as conn:  # one SELECT: no transaction around it
            return await partnerships.contact_by_account(conn, CHANNEL, str(user_id))

    async def show(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        chat_id: int,
        outcome: Outcome,
        in_play: InPlay | None,
        closes_prompt: bool = False,
        tapped: bool = False,
    ) -> None:
        if outcome.duplicate:
            return
        plan = render.plan(
            outcome.effects,
            outcome.questionnaire,
            outcome.answers,
            outcome.contact,
            outcome.round,
            in_play.question_id if in_play is not None else None,
            closes_prompt=closes_prompt,
            zone=self.settings.zone,
            tapped=tapped,
        )
        if in_play is not None and plan.edit is not None:
            await self.edit(context, chat_id, in_play.message_id, plan.edit)
            if plan.edit.question_id is not None:
                # typed text goes with the question this message now asks (a note offer)
                self.remember(chat_id, InPlay(in_play.message_id, plan.edit.question_id))
        elif in_play is not None and plan.drop_buttons:
            await self.quietly(
                context.bot.edit_message_reply_markup(
                    chat_id, in_play.message_id, reply_markup=None
                ),
                also=UNEDITABLE,
            )
        for message in plan.sends:
            sent = await self.send(context, chat_id, message.text, message.keyboard)
            if message.question_id is not None and sent is not None:
                self.remember(chat_id, InPlay(sent.message_id, message.question_id))

    def remember(self, chat_id: int, in_play: InPlay) -> None:
        self._questions[chat_id] = in_play
        self._questions.move_to_end(chat_id)
        while len(self._questions) > REMEMBERED_CHATS:
            self._questions.popitem(last=False)

    async def send(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        chat_id: int,
        text: str,
        keyboard: Any = None,
    ) -> Message | None:
        try:
            sent: Message = await context.bot.send_message(
                chat_id, text, parse_mode=ParseMode.HTML, reply_markup=keyboard
            )
        except Forbidden:
            log.warning("chat %s has blocked the bot; message not delivered", chat_id)
            return None
        return sent

    async def edit(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        chat_id: int,
        message_id: int,
        message: render.Message,
    ) -> None:
        """Edit a message; if Telegram will not (too old, deleted), send it anew instead."""
        try:
            await self.quietly(
                context.bot.edit_message_text(
                    message.text,
                    chat_id=chat_id,
                    message_id=message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=message.keyboard,
                )
            )
        except BadRequest as exc:
            if not any(reason in str(exc).lower() for reason in UNEDITABLE):
                raise
            log.info("could not edit message %s (%s); sending it anew", message_id, exc)
            sent = await self.send(context, chat_id, message.text, message.keyboard)
            if message.question_id is not None and sent is not None:
                self.remember(chat_id, InPlay(sent.message_id, message.question_id))

    async def answer(self, query: CallbackQuery, notice: str | None) -> None:
        """Stop the button's spinner; if Telegram cannot be told, the tap still counts."""
        try:
            await self.quietly(query.answer(notice[:200] if notice else None))
        except TelegramError as exc:
            log.warning("could not answer a callback query: %s", exc)

    async def quietly(self, request: Any, also: tuple[str, ...] = ()) -> None:
        """Run a request whose normal failures (not modified, too old) mean nothing."""
        try:
            await request
        except BadRequest as exc:
            if not any(quiet in str(exc).lower() for quiet in (*QUIET_ERRORS, *also)):
                raise
            log.debug("ignored: %s", exc)


def _command(text: str, me: str | None) -> str | None:
    """`/review@AuditBot args` -> 'review'; None when the text is not a command, or is a
    command for another bot (`/review@OtherBot`)."""
    if not text.startswith("/"):
        return None
    name, _, bot = text.split(maxsplit=1)[0][1:].partition("@")
    if bot and (me is None or bot.lower() != me.lower()):
        return None
    return name.lower()


def _snooze_choice(value: str) -> reminders.SnoozeChoice | None:
    try:
        return reminders.SnoozeChoice(value)
    except ValueError:
        return None
