"""An admin's /query in Telegram: pick the partnership, then the question (a page at a time),
then type the comment; the query goes out as `auditbot query` sends it (bot/queries.py),
and the admin's chat hears of the reply.

The picker's buttons have their own callback format (`callback_codec.encode_query_pick`,
"q1|..."), and its handlers are added before the contacts' ones, so that they see these
buttons, and an admin's comment, first. Which question an admin is writing about is kept
in memory: after a restart, they pick it again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.channels.registry import Wake
from bot.channels.telegram import callback_codec as codec
from bot.channels.telegram.admin_taps import admin_tap, edit_or_send, page_turns, send
from bot.channels.telegram.callback_codec import QueryPick
from bot.channels.telegram.name import CHANNEL
from bot.clock import Clock
from bot.config import Recipient, Settings
from bot.queries import QueryError, QueryLoop, choices, target
from bot.texts import texts
from storage import Database

PER_PAGE = 8
"""Buttons on a page of partnerships or questions (44 questions: six pages)."""
BUTTON_CHARS = 48
CANCEL = "/cancel"


@dataclass(frozen=True, slots=True)
class Pending:
    """The answer an admin is about to comment on."""

    partnership_id: int
    question_id: str


def _t(key: str, **context: object) -> str:
    return texts().string(f"queries.admin.{key}", **context)


def _short(text: str) -> str:
    return text if len(text) <= BUTTON_CHARS else text[: BUTTON_CHARS - 1].rstrip() + "…"


def _pages(count: int) -> int:
    return max(1, -(-count // PER_PAGE))


Registers = Callable[[Application[Any, Any, Any, Any, Any, Any]], None]


class QueryPicker:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        clock: Clock,
        wake: Wake = lambda: None,
        also: Sequence[Registers] = (),
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.wake = wake
        self.also = tuple(also)
        """Other admin buttons' `register`, called before this picker's own (/actions')."""
        self.pending: dict[int, Pending] = {}
        """By admin user id: the answer they are typing a comment about."""

    def is_admin(self, user_id: int) -> bool:
        return self.settings.is_admin(CHANNEL, str(user_id))

    def register(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Add the picker's handlers; call before the contacts' handlers are added (one
        handler per group handles an update: the first that wants it)."""
        for register in self.also:
            register(app)
        app.add_handler(CallbackQueryHandler(self.on_pick, pattern=rf"^{codec.QUERY_PREFIX}\|"))
        commenting = filters.ChatType.PRIVATE & filters.TEXT & _Commenting(self)
        app.add_handler(MessageHandler(commenting, self.on_text))

    # -- the steps ---------------------------------------------------------------------

    async def start(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, user_id: int) -> None:
        """/query: the first page of partnerships."""
        self.pending.pop(user_id, None)
        text, keyboard = await self.partnership_page(0)
        await send(context, chat_id, text, keyboard)

    async def partnership_page(self, page: int) -> tuple[str, InlineKeyboardMarkup | None]:
        try:
            found, _ = await choices(self.db)
        except QueryError as exc:
            return escape(str(exc), quote=False), None
        if not found:
            return escape(_t("no_partnerships"), quote=False), None
        page = min(page, _pages(len(found)) - 1)
        shown = found[page * PER_PAGE : (page + 1) * PER_PAGE]
        rows = [[_button(_short(p.name), QueryPick(p.id))] for p in shown]
        rows += _turns(page, _pages(len(found)), lambda n: QueryPick(page=n))
        return escape(_t("pick_partnership"), quote=False), InlineKeyboardMarkup(rows)

    async def question_page(
        self, partnership_id: int, page: int
    ) -> tuple[str, InlineKeyboardMarkup | None]:
        try:
            found, questions = await choices(self.db)
        except QueryError as exc:
            return escape(str(exc), quote=False), None
        partnership = next((p for p in found if p.id == partnership_id), None)
        if partnership is None:
            return escape(texts().string("telegram.bad_button"), quote=False), None
        pages = _pages(len(questions))
        page = min(page, pages - 1)
        shown = questions[page * PER_PAGE : (page + 1) * PER_PAGE]
        rows = [
            [
                _button(
                    _short(f"{q.number}. {q.item.text}"),
                    QueryPick(partnership_id, question_id=q.item.id),
                )
            ]
            for q in shown
        ]
        rows += _turns(page, pages, lambda n: QueryPick(partnership_id, n))
        text = _t("pick_question", partnership=escape(partnership.name), page=page + 1, pages=pages)
        return text, InlineKeyboardMarkup(rows)

    async def on_pick(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        tapped = await admin_tap(update, context, self.is_admin, "/query", codec.decode_query_pick)
        if tapped is None:
            return
        message, user_id, pick = tapped
        if pick.partnership_id is None:
            text, keyboard = await self.partnership_page(pick.page)
        elif pick.question_id is None:
            text, keyboard = await self.question_page(pick.partnership_id, pick.page)
        else:
            text, keyboard = await self.ask_comment(user_id, pick.partnership_id, pick.question_id)
        await edit_or_send(context, message, text, keyboard)

    async def ask_comment(
        self, user_id: int, partnership_id: int, question_id: str
    ) -> tuple[str, InlineKeyboardMarkup | None]:
        try:
            found = await target(self.db, partnership_id, question_id)
        except QueryError as exc:
            return escape(str(exc), quote=False), None
        self.pending[user_id] = Pending(partnership_id, question_id)
        answer = found.answer
        text = _t(
            "type_comment",
            partnership=escape(found.partnership.name),
            number=found.question.number,
            question=escape(found.question.item.text),
            answer=escape(texts().answer_label(answer, found.question.item.kind)),
            note=escape(answer.note) if answer and answer.note else "",
        )
        return text, None

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or message.text is None:
            return
        pending = self.pending.pop(user.id, None)
        if pending is None:  # pragma: no cover - the filter let it through
            return
        if message.text.split()[0].lower() == CANCEL:
            await send(context, message.chat.id, escape(_t("cancelled"), quote=False))
            return
        loop = QueryLoop.from_settings(self.settings, self.wake)
        try:
            asked = await loop.ask(
                self.db,
                pending.partnership_id,
                pending.question_id,
                message.text,
                f"{CHANNEL}:{user.id}",
                self.clock(),
                reply_to=Recipient(CHANNEL, str(message.chat.id)),
            )
        except QueryError as exc:
            if "comment" in str(exc):  # empty or too long: let them type it again
                self.pending[user.id] = pending
            await send(context, message.chat.id, escape(str(exc), quote=False))
            return
        said = _t("sent", partnership=asked.partnership, told=", ".join(asked.told))
        await send(context, message.chat.id, escape(said, quote=False))


class _Commenting(filters.MessageFilter):
    """A message from an admin who is typing a query's comment (any text but a command,
    except /cancel)."""

    def __init__(self, picker: QueryPicker) -> None:
        super().__init__(name="commenting")
        self.picker = picker

    def filter(self, message: Message) -> bool:
        user = message.from_user
        if user is None or user.id not in self.picker.pending or message.text is None:
            return False
        word = message.text.split()[0].lower() if message.text.split() else ""
        return not word.startswith("/") or word == CANCEL


def _button(label: str, pick: QueryPick) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=codec.encode_query_pick(pick))


def _turns(
    page: int, pages: int, make: Callable[[int], QueryPick]
) -> list[list[InlineKeyboardButton]]:
    return page_turns(
        page, pages, _t("earlier"), _t("more"), lambda label, to: _button(label, make(to))
    )
