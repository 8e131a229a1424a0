"""Sends outbox rows as emails: each notice kind through templates/email/notices/<kind>.*,
its actions as words to reply with, its files attached, over the SMTP connection."""

from __future__ import annotations

import re
from collections.abc import Sequence
from email.message import EmailMessage
from typing import Any

import jinja2

from bot.channels.email.compose import compose
from bot.channels.email.inbound import html_to_text
from bot.channels.email.smtp import SmtpSender
from bot.config import EmailSettings
from bot.notices import Action, Intent, Notice
from bot.outbox import OutboxMessage, PermanentFailure
from bot.reminders import SnoozeChoice
from bot.texts import texts


def action_keyword(action: Action) -> str:
    """The strings.yaml key of the words that do `action` when someone replies with one."""
    if action.intent is Intent.SNOOZE:
        choice = action.args.get("choice")
        return "email.keywords." + ("next_week" if choice == SnoozeChoice.NEXT_WEEK else "later")
    return "email.keywords.start"


_ADDRESS = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")


class EmailDeliverer:
    """A `Deliverer` for the "email" channel; the recipient is the email address.

    An email is one part: it is sent whole or not at all, so `parts_sent` plays no role.
    """

    def __init__(self, settings: EmailSettings, sender: SmtpSender) -> None:
        self.settings = settings
        self.sender = sender

    async def deliver(self, message: OutboxMessage) -> None:
        if not _ADDRESS.fullmatch(message.recipient):
            raise PermanentFailure(f"not an email address: {message.recipient!r}")
        try:
            notice = Notice.from_payload(message.payload)
        except (KeyError, TypeError, ValueError) as exc:
            raise PermanentFailure(f"the message is damaged ({type(exc).__name__}: {exc})") from exc
        if notice is None:
            raise PermanentFailure("the message was queued in a form only Telegram can send")
        await self.sender.send(email_for(self.settings, message.recipient, notice))


def email_for(settings: EmailSettings, to: str, notice: Notice) -> EmailMessage:
    """The email that says `notice` to `to`; `PermanentFailure` if it has no email wording.

    The templates get the notice's context, and: `replies` (its actions as reply words,
    when replies are read), `keywords` (the suggested word per `email.keywords` key),
    `receiving`, `files` (attachments' names and captions) and, for an HTML body
    (`body_html`), `body_text`.
    """
    t = texts()
    context: dict[str, Any] = {
        **notice.context,
        "replies": replies(notice.actions) if settings.receiving else [],
        "keywords": {name: keyword(f"email.keywords.{name}") for name in _keyword_names()},
        "receiving": settings.receiving,
        "files": [
            {"filename": a.filename, "caption": t.string(a.caption) if a.caption else ""}
            for a in notice.attachments
        ],
    }
    if isinstance(context.get("body_html"), str):
        context["body_text"] = html_to_text(context["body_html"])
    base = f"email/notices/{notice.kind}"
    try:
        subject = t.render(f"{base}.subject.txt.j2", **context)
        text = t.render(f"{base}.txt.j2", **context)
        try:
            html: str | None = t.render(f"{base}.html.j2", **context)
        except jinja2.TemplateNotFound as exc:
            if exc.name != f"{base}.html.j2":
                raise
            html = None
    except jinja2.TemplateNotFound as exc:
        raise PermanentFailure(f"no email wording for {notice.kind!r} ({exc.name})") from exc
    except jinja2.UndefinedError as exc:
        raise PermanentFailure(f"the {notice.kind!r} notice lacks {exc.message}") from exc
    in_reply_to = notice.context.get("in_reply_to")
    return compose(
        settings,
        to,
        subject,
        text,
        html,
        notice.attachments,
        in_reply_to if isinstance(in_reply_to, str) else None,
    )


def keyword(key: str) -> str:
    """The word the emails suggest for a strings.yaml keyword list: its first, in capitals
    (replies may use any of the list, in any case)."""
    node: Any = texts().strings
    for part in key.split("."):
        node = node[part]
    return str(node[0]).upper()


def _keyword_names() -> list[str]:
    return list(texts().strings["email"]["keywords"])


def replies(rows: Sequence[Sequence[Action]]) -> list[dict[str, Any]]:
    """Actions as reply words, one per word (a query is answered with the question's
    number, as any answer is: no word for it)."""
    found: dict[str, dict[str, Any]] = {}
    for action in (a for row in rows for a in row if a.intent is not Intent.ANSWER_QUERY):
        word = keyword(action_keyword(action))
        found.setdefault(
            word,
            {
                "keyword": word,
                "intent": action.intent.value,
                "label": action.label,
                "args": dict(action.args),
            },
        )
    return list(found.values())
