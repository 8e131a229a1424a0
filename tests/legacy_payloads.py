"""Outbox payloads as the release before notices queued them: rows like these may still be
waiting in a database when the bot is upgraded, and must deliver as they are."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any


def message_payload(
    html: str, text: str | None = None, buttons: Sequence[Sequence[dict[str, str]]] = ()
) -> dict[str, Any]:
    return {"html": html, "text": text, "buttons": [list(row) for row in buttons]}


def document_payload(filename: str, content: bytes, caption_html: str = "") -> dict[str, Any]:
    document = {"filename": filename, "base64": base64.b64encode(content).decode("ascii")}
    return {"document": document, "caption_html": caption_html}
