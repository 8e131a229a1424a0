"""Reads one received email into the few facts the bot acts on.

Mail from the wild is often malformed, so every field is read on its own and falls back to
an empty value: `read_message` never raises.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import collapse_rfc2231_value, getaddresses, parseaddr
from html.parser import HTMLParser
from typing import Any, TypeVar, cast

_T = TypeVar("_T")

RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To")
AUTOMATIC_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
AUTOMATIC_HEADERS = ("X-Autoreply", "X-Autorespond")
AUTOMATIC_SUBJECTS = (
    "automatic reply",
    "auto reply",
    "auto-reply",
    "autoreply",
    "out of office",
    "out of the office",
)
SYSTEM_SENDERS = {"mailer-daemon", "postmaster"}


@dataclass(frozen=True, slots=True)
class Inbound:
    """A received email: who sent it, to which addresses, and its text."""

    message_id: str
    sender: str
    """The bare From address, lowercased ("" when there is none)."""
    recipients: tuple[str, ...]
    """Lowercased addresses from To, Cc, Delivered-To and X-Original-To."""
    subject: str
    text: str
    """The plain-text body (or the HTML body as text, quotes as '> ' lines)."""
    automatic: bool
    """Sent by a machine: an auto-reply, out-of-office, list mail or bounce."""


def read_message(raw: bytes) -> Inbound:
    """The facts of one raw message (RFC 5322 bytes, as IMAP hands them over)."""
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception:
        return Inbound(_stable_id(raw), "", (), "", "", automatic=False)
    message_id = _safe(lambda: _header(message, "Message-ID"), "") or _stable_id(raw)
    none: tuple[str, ...] = ()
    sender = _safe(lambda: _addresses(message, ("From",)), none)
    return Inbound(
        message_id=message_id,
        sender=sender[0] if sender else "",
        recipients=_safe(lambda: _addresses(message, RECIPIENT_HEADERS), none),
        subject=_safe(lambda: " ".join(_header(message, "Subject").split()), ""),
        text=_safe(lambda: _body_text(message), ""),
        automatic=_safe(lambda: _automatic(message, sender), False),
    )


def _safe(read: Callable[[], _T], fallback: _T) -> _T:
    """The email package can raise on pathological input; one bad field must not lose the
    rest of the message."""
    try:
        return read()
    except Exception:
        return fallback


def _stable_id(raw: bytes) -> str:
    return f"<{hashlib.sha256(raw).hexdigest()}@no-message-id.invalid>"


def _clean(text: str) -> str:
    """Undoes the parser's surrogate escapes (raw 8-bit headers are usually UTF-8) so the
    result can always be stored, and drops NUL characters."""
    try:
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        data = text.encode("utf-8", "replace")
    return data.decode("utf-8", "replace").replace("\x00", "")


def _header(message: Message, name: str) -> str:
    """One header as decoded text ("" when missing; undecoded when it cannot be decoded)."""
    try:
        value = message.get(name)
        text = "" if value is None else str(value)
    except Exception:
        raw = _raw_headers(message, name)
        text = raw[0] if raw else ""
    return _clean(text).strip()


def _raw_headers(message: Message, name: str) -> list[str]:
    """The header's values as they came, for the fallback parsers."""
    wanted = name.lower()
    return [_clean(str(value)) for key, value in message.raw_items() if key.lower() == wanted]


def _addresses(message: Message, names: Iterable[str]) -> tuple[str, ...]:
    """Bare lowercased addresses from the headers, in order, without repeats."""
    found: list[str] = []
    for name in names:
        try:
            parsed = [
                _addr_spec(address)
                for header in message.get_all(name, failobj=[])
                for address in cast(Any, header).addresses
            ]
        except Exception:  # not an address header (Delivered-To), or unparseable
            parsed = [address for _, address in getaddresses(_raw_headers(message, name))]
        found.extend(parsed)
    cleaned = (_clean(address).strip().strip("<>").lower() for address in found)
    return tuple(dict.fromkeys(address for address in cleaned if "@" in address))


def _addr_spec(address: Address) -> str:
    return address.addr_spec if address.domain else address.username


def _automatic(message: Message, sender: tuple[str, ...]) -> bool:
    """RFC 3834 and the headers Exchange and common autoresponders add, bounces (RFC 3464)
    and the usual out-of-office subjects."""
    submitted = re.split(r"[\s;(]", _header(message, "Auto-Submitted").lower(), maxsplit=1)[0]
    if submitted and submitted != "no":
        return True
    if _header(message, "Precedence").lower() in AUTOMATIC_PRECEDENCE:
        return True
    if any(name in message for name in AUTOMATIC_HEADERS):
        return True
    suppress = _header(message, "X-Auto-Response-Suppress").lower().replace(" ", "").split(",")
    if {"all", "oof"}.intersection(suppress):
        return True
    if _header(message, "Return-Path").replace(" ", "") == "<>":
        return True
    local = (sender[0] if sender else parseaddr(_header(message, "From"))[1]).split("@")[0]
    if local.lower() in SYSTEM_SENDERS:
        return True
    if message.get_content_type() == "multipart/report":
        return True
    subject = " ".join(_header(message, "Subject").lower().split())
    return subject.startswith(AUTOMATIC_SUBJECTS)


def _body_text(message: Message) -> str:
    if not isinstance(message, EmailMessage):
        return ""
    plain = message.get_body(preferencelist=("plain",))
    if plain is not None:
        return _plain_text(plain)
    html = message.get_body(preferencelist=("html",))
    if html is not None:
        return html_to_text(_decoded(html))
    if not message.is_multipart() and message.get_content_maintype() == "text":
        return _plain_text(message)
    return ""


def _plain_text(part: Message) -> str:
    text = _decoded(part)
    if _param(part, "format") == "flowed":
        text = unflow(text, delsp=_param(part, "delsp") == "yes")
    return text.strip("\n")


def _param(part: Message, name: str) -> str:
    value = part.get_param(name, "", header="content-type")
    return str(collapse_rfc2231_value(value)).strip().lower()


def _decoded(part: Message) -> str:
    """The part's text: its declared charset, else UTF-8, else Latin-1 (which never fails)."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "us-ascii"
    for candidate in (charset, "utf-8"):
        try:
            text = payload.decode(candidate)
            break
        except (LookupError, UnicodeDecodeError):
            continue
    else:
        text = payload.decode("latin-1")
    return _clean(text.replace("\r\n", "\n").replace("\r", "\n"))


def unflow(text: str, *, delsp: bool = False) -> str:
    """Joins the soft line breaks of format=flowed text (RFC 3676): a line ending in a space
    continues on the next line of the same quote depth."""
    lines: list[str] = []
    depth_of_last: int | None = None
    continues = False
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]  # space-stuffing
        soft = content.endswith(" ") and content != "-- "
        if soft and delsp:
            content = content[:-1]
        if continues and depth == depth_of_last and lines:
            lines[-1] += content
        else:
            lines.append((">" * depth + " " if depth else "") + content)
        continues, depth_of_last = soft, depth
    return "\n".join(line.rstrip() for line in lines)


_BLOCKS = {
    "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figure", "footer",
    "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol",
    "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
_HIDDEN = {"head", "script", "style", "title", "template"}
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0]+")


class _TextMaker(HTMLParser):
    """Keeps the HTML's lines and turns each blockquote level into a '> ' prefix."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.depth = 0
        self.hidden = 0
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag == "br":
            self.flush(keep_empty=True)
        elif tag in _BLOCKS:
            self.flush()
            if tag == "blockquote":
                self.depth += 1
            elif tag == "pre":
                self.pre += 1
            elif tag == "li":
                self.current.append("- ")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.handle_data(alt)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.flush(keep_empty=True)
        elif tag not in _HIDDEN:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.flush()
            if tag == "blockquote":
                self.depth = max(0, self.depth - 1)
            elif tag == "pre":
                self.pre = max(0, self.pre - 1)

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if self.pre:
            parts = data.replace("\r\n", "\n").split("\n")
            for index, part in enumerate(parts):
                if index:
                    self.flush(keep_empty=True)
                self.current.append(part)
        else:
            self.current.append(_SPACES.sub(" ", data))

    def flush(self, *, keep_empty: bool = False) -> None:
        text = "".join(self.current)
        self.current = []
        text = text.replace("\u00a0", " ")
        text = text.rstrip() if self.pre else " ".join(text.split())
        if text or keep_empty:
            prefix = ">" * self.depth + " " if self.depth else ""
            self.lines.append((prefix + text).rstrip())


def html_to_text(html: str) -> str:
    """Readable text from an HTML email: one line per block or <br>, quotes as '> '."""
    maker = _TextMaker()
    maker.feed(html)
    maker.close()
    maker.flush()
    text = "\n".join(line.rstrip() for line in maker.lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")
