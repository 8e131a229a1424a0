"""An admin's /actions in Telegram: the follow-up actions still open, a page at a time, each
with a "Mark done" button; a tap marks it done as `auditbot actions done` does
(`bot.summary.action_done`), with the admin's account as who, and edits the list in place.

The buttons have their own callback format, ``f1|…`` (not audit flow events, nor the
/query picker's ``q1|…``): ``f1|p|<round>|<page>`` turns a page, and
``f1|d|<round>|<page>|<action code>|<fingerprint>`` marks an action done and shows that
page again. The fingerprint is the start of the answer's, as the list showed it: a button
tapped after the answer changed marks nothing. A second tap, or a button from an old list,
gets one sentence saying why nothing changed, above the list as it now stands.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any, NamedTuple

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot import audit_trail
from bot.channels.telegram.admin_taps import admin_tap, edit_or_send, page_turns, send
from bot.channels.telegram.name import CHANNEL
from bot.clock import Clock
from bot.config import Settings
from bot.questionnaire import Severity
from bot.summary.action_done import mark_action_done
from bot.summary.actions import Action, answer_fingerprint, find_action
from bot.summary.context import Wording, template_context
from bot.summary.load import NoRoundError, load_summary
from bot.summary.model import Summary
from bot.texts import texts
from storage import Database

PREFIX = "f1"
"""This module's callback data prefix (callback_codec has "a1", "z1" and "q1")."""
PER_PAGE = 5
FINGERPRINT_CHARS = 8
MAX_BYTES = 64
DONE_ACTION = "action done"
"""What a tap that marks an action done is recorded as in the audit log."""

_TAP = re.compile(
    rf"{PREFIX}\|(?:p\|(?P<round>[0-9]{{1,18}})\|(?P<page>[0-9]{{1,3}})"
    r"|d\|(?P<dround>[0-9]{1,18})\|(?P<dpage>[0-9]{1,3})\|(?P<code>[0-9]{1,18}-[0-9]{1,4})"
    rf"\|(?P<fp>[0-9a-f]{{{FINGERPRINT_CHARS}}}))",
    re.ASCII,
)


class ActionTap(NamedTuple):
    """A page of a round's open actions (no code), or one action to mark done."""

    round_id: int
    page: int = 0
    code: str | None = None
    fingerprint: str | None = None
    """The start of the answer's fingerprint as the list showed it."""


def encode_tap(tap: ActionTap) -> str:
    if tap.code is None:
        data = "|".join([PREFIX, "p", str(tap.round_id), str(tap.page)])
    else:
        parts = [str(tap.round_id), str(tap.page), tap.code, tap.fingerprint or ""]
        data = "|".join([PREFIX, "d", *parts])
    if len(data) > MAX_BYTES or decode_tap(data) != tap:
        raise ValueError(f"{tap!r} has no button")
    return data


def decode_tap(data: str | None) -> ActionTap | None:
    """The tap in an /actions button's data, or None if it is not one of ours, exactly."""
    if not isinstance(data, str) or not data.isascii() or len(data) > MAX_BYTES:
        return None
    found = _TAP.fullmatch(data)
    if found is None:
        return None
    if found["round"] is not None:
        return ActionTap(int(found["round"]), int(found["page"]))
    return ActionTap(int(found["dround"]), int(found["dpage"]), found["code"], found["fp"])


def short_fingerprint(action: Action) -> str:
    return answer_fingerprint(action.answer.value, action.answer.note)[:FINGERPRINT_CHARS]


def _t(key: str, **context: object) -> str:
    return texts().string(key, **context)


def _pages(count: int) -> int:
    return max(1, -(-count // PER_PAGE))


class ActionList:
    def __init__(self, db: Database, settings: Settings, clock: Clock) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock

    def is_admin(self, user_id: int) -> bool:
        return self.settings.is_admin(CHANNEL, str(user_id))

    def register(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Add the buttons' handler; before the contacts' handlers, which would refuse them."""
        app.add_handler(CallbackQueryHandler(self.on_tap, pattern=rf"^{PREFIX}\|"))

    async def start(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
        """/actions: the first page of the current round's open actions."""
        try:
            summary = await load_summary(self.db, self.clock(), zone=self.settings.zone)
        except NoRoundError:
            await send(context, chat_id, escape(_t("admin.no_round"), quote=False))
            return
        text, keyboard = self.page(summary, 0)
        await send(context, chat_id, text, keyboard)

    def page(
        self, summary: Summary, page: int, said: str = ""
    ) -> tuple[str, InlineKeyboardMarkup | None]:
        """A page of the open actions, `said` (plain text) above them, as HTML and buttons."""
        waiting = [a for a in summary.actions if a.is_open]
        if not waiting:
            key = "follow_up.cli.none_open" if summary.actions else "follow_up.cli.none"
            text = " ".join(x for x in (said, _t(key, round=summary.round.id)) if x)
            return escape(text, quote=False), None
        pages = _pages(len(waiting))
        page = max(0, min(page, pages - 1))
        shown = waiting[page * PER_PAGE : (page + 1) * PER_PAGE]
        html = texts().render(
            "telegram/admin_actions.html.j2",
            said=said,
            shown=shown,
            open=len(waiting),
            red=sum(1 for a in waiting if a.severity is Severity.RED),
            page=page + 1,
            pages=pages,
            **template_context(summary),
        )
        n = summary.round.id
        rows = [
            [
                _button(
                    _t("admin.actions.button", code=a.code),
                    ActionTap(n, page, a.code, short_fingerprint(a)),
                )
            ]
            for a in shown
        ]
        rows += page_turns(
            page,
            pages,
            _t("admin.actions.earlier"),
            _t("admin.actions.more"),
            lambda label, to: _button(label, ActionTap(n, to)),
        )
        return html, InlineKeyboardMarkup(rows)

    async def on_tap(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        tapped = await admin_tap(update, context, self.is_admin, "/actions", decode_tap)
        if tapped is None:
            return
        message, user_id, tap = tapped
        try:
            summary = await load_summary(
                self.db, self.clock(), round_id=tap.round_id, zone=self.settings.zone
            )
        except NoRoundError:
            said = _t("admin.actions.no_round", round=tap.round_id)
            await edit_or_send(context, message, escape(said, quote=False), None)
            return
        said = ""
        if tap.code is not None:
            summary, said = await self.mark(summary, tap, f"{CHANNEL}:{user_id}")
        text, keyboard = self.page(summary, tap.page, said)
        await edit_or_send(context, message, text, keyboard)

    async def mark(self, summary: Summary, tap: ActionTap, who: str) -> tuple[Summary, str]:
        """Mark the tapped action done, if it still stands as the list showed it; the
        summary as it now is, and the sentence saying what happened."""
        assert tap.code is not None
        action = find_action(summary.actions, tap.code)
        if action is None:
            return summary, _t("admin.actions.gone", code=tap.code)
        if action.is_open and short_fingerprint(action) != tap.fingerprint:
            return summary, _t("admin.actions.changed", code=action.code)
        done = await mark_action_done(self.db, summary.round.id, action, who, self.clock())
        if done:
            await audit_trail.record(self.db, who, DONE_ACTION, action.code, clock=self.clock)
        summary = await load_summary(
            self.db, self.clock(), round_id=summary.round.id, zone=self.settings.zone
        )
        now = find_action(summary.actions, action.code) or action
        if done:
            said = _t(
                "follow_up.cli.done",
                code=action.code,
                partnership=action.partnership,
                number=action.question.number,
            )
        elif now.is_open:  # changed between reading and marking: check it again
            said = _t("admin.actions.changed", code=action.code)
        else:
            status = Wording(summary).action_status(now)
            said = _t("follow_up.cli.already", code=action.code, status=status)
        return summary, said


def _button(label: str, tap: ActionTap) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=encode_tap(tap))
