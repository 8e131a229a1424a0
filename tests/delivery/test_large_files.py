"""Files over Telegram's 50 MB limit: a zip (the Word forms of a large round) goes as
several complete zips, any other file as a message saying it is too big; never dropped
silently. Sent with a real PTB Bot to the fake Bot API, which refuses what Telegram does."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from telegram import Bot
from telegram.error import TelegramError

from bot.channels.telegram import notices
from bot.channels.telegram.documents import DOCUMENT_LIMIT, zip_parts
from bot.channels.telegram.notices import Document, Text
from bot.notices import Attachment, Notice
from tests.delivery.conftest import LA_CHAT
from tests.fake_bot_api import FakeBotApi

MB = 1_000_000


def _zip(sizes: list[int], compression: int = zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for n, size in enumerate(sizes):
            archive.writestr(f"partnership-{n:04d}.docx", os.urandom(size))
    return out.getvalue()


def _members(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_zip_is_split_into_complete_zips_under_the_limit() -> None:
    whole = _zip([300_000] * 10, zipfile.ZIP_DEFLATED)
    pieces = zip_parts("audit-forms-round-3.zip", whole, limit=1_000_000)
    assert [name for name, _ in pieces] == [
        f"audit-forms-round-3-part-{n}-of-4.zip" for n in range(1, 5)
    ]
    assert all(len(content) <= 1_000_000 for _, content in pieces)
    together: dict[str, bytes] = {}
    for _, content in pieces:
        together.update(_members(content))
    assert list(together) == list(_members(whole))  # every form once, in order
    assert together == _members(whole)
    assert zip_parts("audit-forms-round-3.zip", whole, limit=1_000_000) == pieces  # same again


def test_what_cannot_be_split_is_not_split() -> None:
    assert zip_parts("forms.zip", _zip([200_000, 1_200_000]), limit=1_000_000) == []
    assert zip_parts("summary.csv", b"partnership,answer\n" * 100_000, limit=1_000_000) == []


async def test_files_over_telegrams_limit_arrive_in_parts_or_are_explained(
    api: FakeBotApi, telegram_bot: Bot
) -> None:
    forms = _zip([9 * MB] * 6)  # 54 MB: over the limit
    report = b"x" * (DOCUMENT_LIMIT + 1)
    notice = Notice(
        "summary.la",
        {"round_id": 1, "body_html": "The summary."},
        attachments=[
            Attachment("audit-forms-round-1.zip", forms, "reports.file.png"),
            Attachment("audit-summary-round-1.pdf", report, "reports.file.pdf"),
            Attachment("audit-charts-round-1.png", b"small", "reports.file.png"),
        ],
    )
    with pytest.raises(TelegramError, match="Too Large"):  # as Telegram: refused whole
        await telegram_bot.send_document(LA_CHAT, forms, filename="audit-forms-round-1.zip")

    parts = notices.parts(notice)
    for part in parts:
        if isinstance(part, Document):
            await telegram_bot.send_document(
                LA_CHAT, part.content, filename=part.filename, caption=part.caption_html
            )
        else:
            await telegram_bot.send_message(LA_CHAT, part.html)

    received = api.messages[LA_CHAT]
    files = {m.filename: m for m in received if m.document is not None}
    assert list(files) == [
        "audit-forms-round-1-part-1-of-2.zip",
        "audit-forms-round-1-part-2-of-2.zip",
        "audit-charts-round-1.png",
    ]
    assert files["audit-forms-round-1-part-2-of-2.zip"].text.endswith("(part 2 of 2)")
    together: dict[str, bytes] = {}
    for name in list(files)[:2]:
        document = files[name].document
        assert document is not None
        together.update(_members(document))
    assert together == _members(forms)
    said = [m.text for m in received if m.document is None]
    assert any(
        "audit-summary-round-1.pdf (50 MB) is over Telegram's 50 MB limit" in text for text in said
    )
    assert [type(p) for p in parts[-4:]] == [Document, Document, Text, Document]
