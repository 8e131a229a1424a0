"""Sends outbox rows through the Telegram Bot API and translates its errors into the
outbox's: retry later, give up, or stop writing to someone who blocked the bot.

Everything the outbox sends is a bulk notification to Telegram, so every message goes
through the deliverer's `BroadcastLimiter` (at most 30 a second, however the bot was
started: `auditbot run` or the command line); a short flood wait (429) pauses them all
and is waited out here, a long one leaves the row for later."""

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
from bot.channels.telegram.rate_limiter import BroadcastLimiter
from bot.notices import Notice
from bot.outbox import (
    OutboxMessage,
    PermanentFailure,
    RateLimited,
    RecipientBlocked,
    TemporaryFailure,
    document_bytes,
)
from bot.texts import texts

log = logging.getLogger(__name__)


WAIT_OUT = 5.0
"""A flood wait up to this many seconds is waited out; a longer one reschedules the row."""
RATE_LIMIT_RETRIES = 3


class TelegramDeliverer:
    """A `Deliverer` for the "telegram" channel; the recipient is the chat id."""

    def __init__(self, bot: Bot, limiter: BroadcastLimiter | None = None) -> None:
        self.bot = bot
        self.limiter = limiter or BroadcastLimiter()

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
        for attempt in range(RATE_LIMIT_RETRIES + 1):
            async with self.limiter.slot():
                try:
                    await self._send_once(chat_id, part)
                    return
                except RetryAfter as exc:
                    wait = retry_after(exc)
                    if wait > WAIT_OUT or attempt == RATE_LIMIT_RETRIES:
                        raise RateLimited("rate limited (429)", wait) from exc
                    log.info("Telegram asked to wait %.0f s (429); all sends pause", wait)
                    self.limiter.pause(wait)

    async def _send_once(self, chat_id: int, part: notices.Part) -> None:
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
        except RetryAfter:
            raise
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
