"""What the admins' button screens (/query's picker, /actions) share: sending and editing
their HTML quietly, and the checks every tap on them goes through first."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from html import escape
from typing import TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.texts import texts

log = logging.getLogger(__name__)
T = TypeVar("T")


async def quietly(call: Awaitable[object]) -> None:
    """A Bot API call whose failure changes nothing for the admin (logged)."""
    try:
        await call
    except TelegramError as exc:
        log.info("admin screen: %s", exc)


async def send(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    html: str,
    keyboard: InlineKeyboardMarkup | None = None,
) -> None:
    await quietly(
        context.bot.send_message(chat_id, html, parse_mode=ParseMode.HTML, reply_markup=keyboard)
    )


async def say(context: ContextTypes.DEFAULT_TYPE, chat_id: int, key: str) -> None:
    """One sentence from templates/strings.yaml, as a message of its own."""
    await send(context, chat_id, escape(texts().string(key), quote=False))


async def edit_or_send(
    context: ContextTypes.DEFAULT_TYPE,
    message: Message,
    html: str,
    keyboard: InlineKeyboardMarkup | None,
) -> None:
    """Show `html` in place of the message tapped; anew if that can no longer be edited."""
    try:
        await message.edit_text(html, parse_mode=ParseMode.HTML, reply_markup=keyboard)
    except TelegramError as exc:
        if "not modified" in str(exc).lower():
            return
        await send(context, message.chat.id, html, keyboard)


async def admin_tap(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    is_admin: Callable[[int], bool],
    what: str,
    decode: Callable[[str], T | None],
) -> tuple[Message, int, T] | None:
    """A tap on an admin screen's button, answered at once: its message, who tapped and the
    button's data as `decode` reads it; None (after saying so to a non-admin, or of a
    button it cannot read) when it is not to be acted on."""
    query = update.callback_query
    if query is None:
        return None
    await quietly(query.answer())
    message, user_id = query.message, query.from_user.id
    if not isinstance(message, Message) or message.chat.type != ChatType.PRIVATE:
        return None
    if not is_admin(user_id):
        log.info("refused a %s button from user %s (not an admin)", what, user_id)
        await say(context, message.chat.id, "admin.not_allowed")
        return None
    data = query.data or ""
    tap = decode(data)
    if tap is None:
        log.warning("refused %s data %r from user %s", what, data, user_id)
        await say(context, message.chat.id, "telegram.bad_button")
        return None
    return message, user_id, tap


def page_turns(
    page: int,
    pages: int,
    earlier: str,
    more: str,
    turn_to: Callable[[str, int], InlineKeyboardButton],
) -> list[list[InlineKeyboardButton]]:
    """The "earlier" and "more" buttons of a list's page (0-based), as a row; none on a
    single page. `turn_to(label, page)` makes the button."""
    row = []
    if page > 0:
        row.append(turn_to(earlier, page - 1))
    if page + 1 < pages:
        row.append(turn_to(more, page + 1))
    return [row] if row else []
