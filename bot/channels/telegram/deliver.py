"""Sends outbox rows through the Telegram Bot API and translates its errors into the
outbox's: retry later, give up, or stop writing to someone who blocked the bot."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from bot.channels.telegram import notices
from bot.notices import Notice
from bot.outbox import (
    OutboxMessage,
    PermanentFailure,
    RecipientBlocked,
    TemporaryFailure,
    document_bytes,
)
from bot.texts import texts

log = logging.getLogger(__name__)


class TelegramDeliverer:
    """A `Deliverer` for the "telegram" channel; the recipient is the chat id."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def deliver(self, message: OutboxMessage) -> None:
        try:
            chat_id = int(message.recipient)
        except ValueError:
            raise PermanentFailure(f"not a Telegram chat id: {message.recipient!r}") from None
        notice = Notice.from_payload(message.payload)
        to_send = notices.parts(notice) if notice is not None else _queued_before(message.payload)
        for number, part in enumerate(to_send, start=1):
            if number <= message.parts_sent:
                continue  # sent by an earlier try
            await self._send(chat_id, part)
            if message.part_sent is not None and len(to_send) > 1:
                await message.part_sent(number)

    async def _send(self, chat_id: int, part: notices.Part) -> None:
        try:
            if isinstance(part, notices.Document):
                await self.bot.send_document(
                    chat_id,
                    part.content,
                    filename=part.filename,
                    caption=part.caption_html or None,
                    parse_mode=ParseMode.HTML,
                )
            else:
                await self.bot.send_message(
                    chat_id,
                    part.html,
                    parse_mode=ParseMode.HTML,
                    reply_markup=part.keyboard,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )
        except RetryAfter as exc:
            raise TemporaryFailure("rate limited (429)", retry_after(exc)) from exc
        except Forbidden as exc:
            raise RecipientBlocked(f"forbidden (403): {exc.message}") from exc
        except BadRequest as exc:
            raise PermanentFailure(f"bad request (400): {exc.message}") from exc
        except TimedOut as exc:
            raise TemporaryFailure(f"timed out: {exc.message}") from exc
        except NetworkError as exc:
            raise TemporaryFailure(f"network or server error: {exc.message}") from exc
        except ChatMigrated as exc:
            raise PermanentFailure(f"chat moved to {exc.new_chat_id}") from exc
        except (InvalidToken, TelegramError) as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc.message}") from exc


def _queued_before(payload: Mapping[str, Any]) -> list[notices.Part]:
    """A row queued by a release before notices: Telegram HTML or a file, buttons as data."""
    if "document" not in payload:
        return [notices.Text(payload["html"], _old_keyboard(payload.get("buttons") or ()))]
    content = document_bytes(payload)
    if content is None:
        raise PermanentFailure(f"document {payload['document'].get('filename')!r} has no content")
    caption = payload.get("caption_html") or ""
    return [notices.Document(payload["document"]["filename"], content, caption)]


def _old_keyboard(rows: Sequence[Sequence[Mapping[str, str]]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    t = texts()
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t.string(b["label"]), callback_data=b["data"]) for b in row]
            for row in rows
        ]
    )


def retry_after(exc: RetryAfter) -> float:
    """Seconds to wait, whether PTB gives an int (today) or a timedelta (PTB_TIMEDELTA)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
