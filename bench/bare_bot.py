"""The yardstick: a bare python-telegram-bot bot making the same Bot API calls per tap as
the audit bot, with one durable SQLite write per tap (aiosqlite, WAL, synchronous=NORMAL,
as the audit bot's database).

/start sends a greeting and the first question; tapping a choice (one tap per question, as
the audit bot) answers the callback, writes the answer, edits the question into a line of
transcript with a note button, and sends the next question. Callback data and keyboards
have the audit bot's shape.

Run: TELEGRAM_BOT_TOKEN=... TELEGRAM_API_URL=... BARE_DB=... [BARE_LIMITER=1]
python -m bench.bare_bot
"""

from __future__ import annotations

import asyncio
import os
import signal
from html import escape
from pathlib import Path
from typing import Any

import aiosqlite
import yaml
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

QUESTIONNAIRE = Path(__file__).resolve().parent.parent / "questionnaires" / "audit-2018.yaml"
LABELS = {"yes": "Yes", "no": "No", "true": "True for us", "differs": "Our practice differs"}


def questions() -> list[tuple[str, str, tuple[str, ...]]]:
    data = yaml.safe_load(QUESTIONNAIRE.read_text("utf-8"))
    found: list[tuple[str, str, tuple[str, ...]]] = []
    for section in data["sections"]:
        for item in section["items"]:
            kind = item["kind"]
            choices = {"tick": ("yes", "no"), "statement": ("true", "differs")}.get(
                kind, ("nothing",)
            )
            found.append((item["id"], item["text"], choices))
    return found


QUESTIONS = questions()
POSITION = {qid: n for n, (qid, _, _) in enumerate(QUESTIONS)}


def keyboard(qid: str, choices: tuple[str, ...], last_row: tuple[str, str]) -> Any:
    rows = [
        [
            InlineKeyboardButton(LABELS.get(c, "Nothing to add"), callback_data=f"a1|c|{qid}|{c}")
            for c in choices
        ],
        [InlineKeyboardButton(last_row[0], callback_data=f"a1|{last_row[1]}|{qid}")],
    ]
    return InlineKeyboardMarkup(rows)


def question(n: int) -> tuple[str, Any]:
    qid, text, choices = QUESTIONS[n]
    body = f"<b>Question {n + 1} of {len(QUESTIONS)}</b>\n\n{escape(text, quote=False)}"
    return body, keyboard(qid, choices, ("Skip", "s"))


class Bare:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db

    async def write(self, user: int, qid: str, value: str) -> None:
        await self.db.execute(
            "INSERT INTO taps (user_id, question_id, value) VALUES (?, ?, ?)", (user, qid, value)
        )
        await self.db.commit()

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        assert chat is not None
        await context.bot.send_message(chat.id, "<b>Welcome back.</b>", parse_mode=ParseMode.HTML)
        text, markup = question(0)
        await context.bot.send_message(
            chat.id, text, parse_mode=ParseMode.HTML, reply_markup=markup
        )

    async def tap(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.message is not None
        await query.answer()
        _, op, qid, *rest = (query.data or "").split("|")
        n = POSITION[qid]
        _, text, _ = QUESTIONS[n]
        chat_id, message_id = query.message.chat.id, query.message.message_id
        await self.write(query.from_user.id, qid, rest[0] if rest else op)
        await context.bot.edit_message_text(
            f"{n + 1}. {escape(text, quote=False)} — <b>answered</b>",
            chat_id=chat_id,
            message_id=message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("✎ Note", callback_data=f"a1|t|{qid}")]]
            ),
        )
        if n + 1 < len(QUESTIONS):
            body, markup = question(n + 1)
            await context.bot.send_message(
                chat_id, body, parse_mode=ParseMode.HTML, reply_markup=markup
            )


async def main() -> None:
    db = await aiosqlite.connect(os.environ["BARE_DB"])
    await db.execute("PRAGMA journal_mode = WAL")
    await db.execute("PRAGMA synchronous = NORMAL")
    await db.execute(
        "CREATE TABLE IF NOT EXISTS taps (id INTEGER PRIMARY KEY, user_id INTEGER,"
        " question_id TEXT, value TEXT)"
    )
    await db.commit()
    api = os.environ["TELEGRAM_API_URL"].rstrip("/")
    builder: Any = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(f"{api}/bot")
        .concurrent_updates(256)
    )
    if os.environ.get("BARE_LIMITER") == "1":
        builder = builder.rate_limiter(AIORateLimiter())
    app = builder.build()
    bare = Bare(db)
    app.add_handler(CommandHandler("start", bare.start))
    app.add_handler(CallbackQueryHandler(bare.tap))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=10)
        await app.start()
        await stop.wait()
        await app.updater.stop()
        await app.stop()
    await db.close()


if __name__ == "__main__":
    asyncio.run(main())
