"""Notices as Telegram messages: each kind through telegram/notices/<kind>.html.j2, cut to
Telegram's length limit, its actions as inline buttons, its attachments as documents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels.telegram import callback_codec as codec
from bot.channels.telegram.documents import DOCUMENT_LIMIT, zip_parts
from bot.channels.telegram.split import split_html
from bot.flows import events as ev
from bot.notices import Action, Attachment, Intent, Notice
from bot.texts import texts


@dataclass(frozen=True, slots=True)
class Text:
    html: str
    keyboard: InlineKeyboardMarkup | None = None


@dataclass(frozen=True, slots=True)
class Document:
    filename: str
    content: bytes
    caption_html: str = ""


Part = Text | Document


def parts(notice: Notice) -> list[Part]:
    """What to send, in order; the buttons go with the last text, below everything said."""
    html = texts().render(f"telegram/notices/{notice.kind}.html.j2", **notice.context)
    chunks = split_html(html)
    said: list[Part] = [Text(chunk) for chunk in chunks[:-1]]
    if chunks:
        said.append(Text(chunks[-1], keyboard(notice.actions) if notice.actions else None))
    files = [part for a in notice.attachments for part in _file(a)]
    return [*said, *files]


def _file(attachment: Attachment, limit: int = DOCUMENT_LIMIT) -> list[Part]:
    """The attachment as one document; a zip over Telegram's limit as several; any other
    file over it as a message saying so (see `documents`)."""
    if len(attachment.content) <= limit:
        return [Document(attachment.filename, attachment.content, _caption(attachment.caption))]
    pieces = zip_parts(attachment.filename, attachment.content, limit)
    if not pieces:
        size = f"{len(attachment.content) / 1e6:.0f}"
        text = texts().string("telegram.file_too_big", filename=attachment.filename, size=size)
        return [Text(escape(text, quote=False))]
    t = texts()
    caption = t.string(attachment.caption) if attachment.caption else attachment.filename
    return [
        Document(
            name,
            content,
            escape(
                t.string("telegram.file_part", caption=caption, number=n, total=len(pieces)),
                quote=False,
            ),
        )
        for n, (name, content) in enumerate(pieces, start=1)
    ]


def _caption(key: str) -> str:
    return escape(texts().string(key), quote=False) if key else ""


def keyboard(rows: Sequence[Sequence[Action]]) -> InlineKeyboardMarkup:
    t = texts()
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t.string(a.label), callback_data=callback_data(a)) for a in row]
            for row in rows
        ]
    )


def callback_data(action: Action) -> str:
    """An action as this channel's button data (the versioned callback codec)."""
    match action.intent:
        case Intent.CONTINUE:
            return codec.encode(ev.Start())
        case Intent.SNOOZE:
            return codec.encode_snooze(int(action.args["round_id"]), str(action.args["choice"]))
        case Intent.ANSWER_QUERY:  # the question, then back to the review
            return codec.encode(ev.Jump(str(action.args["question_id"])))
    raise ValueError(f"no button for {action.intent}")  # pragma: no cover
