"""Builds the emails the bot sends: headers that let replies find their way back (a reply
token in Reply-To and the subject), a plain-text body with an optional HTML alternative,
and attached files."""

from __future__ import annotations

import base64
import hashlib
import hmac
import mimetypes
from collections.abc import Sequence
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from bot.config import EmailSettings
from bot.notices import Attachment

TOKEN_LENGTH = 12
"""60 bits of HMAC: unguessable, yet short enough to sit in an address and a subject."""

_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".zip": "application/zip",
    ".pdf": "application/pdf",
}
"""Spelled out because `mimetypes` depends on the machine's own tables for some of these."""


def reply_token(secret: str, address: str) -> str:
    """The token that ties a reply to the address the email went to (any letter case)."""
    digest = hmac.new(secret.encode(), address.lower().encode(), hashlib.sha256)
    return base64.b32encode(digest.digest()).decode("ascii").lower()[:TOKEN_LENGTH]


def reply_address(sender: str, token: str) -> str:
    """`local+token@domain`: mail servers deliver it to `local@domain`, token included."""
    local, _, domain = sender.rpartition("@")
    return f"{local}+{token}@{domain}"


def ref_tag(token: str) -> str:
    """What the subject ends with, for replies whose client drops the plus-address."""
    return f"[ref {token}]"


def compose(
    settings: EmailSettings,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    attachments: Sequence[Attachment] = (),
    in_reply_to: str | None = None,
) -> EmailMessage:
    """One email from the bot to `to`; with EMAIL_REPLY_SECRET set it carries `to`'s token.

    A reply to someone's email (`in_reply_to`) is threaded under it and marked
    auto-replied; anything else is auto-generated. Both keep out-of-office replies away.
    """
    sender = settings.sender
    if not sender:
        raise ValueError("EMAIL_FROM is not set")
    message = EmailMessage(policy=policy.SMTP)
    subject = " ".join(subject.split())
    message["From"] = sender
    message["To"] = to
    if settings.reply_secret is not None:
        token = reply_token(settings.reply_secret.get_secret_value(), to)
        if ref_tag(token) not in subject:
            subject = f"{subject} {ref_tag(token)}"
        message["Reply-To"] = reply_address(sender, token)
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    if in_reply_to:
        reference = in_reply_to if in_reply_to.startswith("<") else f"<{in_reply_to}>"
        message["In-Reply-To"] = reference
        message["References"] = reference
        message["Auto-Submitted"] = "auto-replied"
    else:
        message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"  # Outlook/Exchange: no out-of-office replies
    message.set_content(text, subtype="plain", charset="utf-8")
    if html is not None:
        message.add_alternative(html, subtype="html", charset="utf-8")
    for attachment in attachments:
        maintype, subtype = content_type(attachment.filename).split("/")
        params = {"charset": "utf-8"} if maintype == "text" else {}
        message.add_attachment(
            attachment.content, maintype, subtype, filename=attachment.filename, params=params
        )
    for part in message.walk():
        if part is not message:
            del part["MIME-Version"]  # the stdlib adds it to every part; it belongs on top
    return message


def content_type(filename: str) -> str:
    """The MIME type for a file name; unknown kinds are sent as plain bytes."""
    dot = filename.rfind(".")
    known = _TYPES.get(filename[dot:].lower()) if dot >= 0 else None
    return known or mimetypes.guess_type(filename)[0] or "application/octet-stream"
