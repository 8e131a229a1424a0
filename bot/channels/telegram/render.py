"""Effects -> Telegram messages (HTML text + inline keyboards), through the templates.

Each effect is shown through `templates/telegram/<effect in snake_case>.html.j2`
(`effects.template_name`), as in every channel; templates named with a leading underscore are pieces
of those. Rendering is pure: it returns a `Plan` that the handlers carry out, so it can be
tested without a Bot API. The message "in play" is the question message the user acted on;
it is edited into a transcript (or into the note offer) and new questions are sent after it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from functools import lru_cache
from html import escape, unescape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.about import About
from bot.channels.telegram import callback_codec as codec
from bot.channels.telegram.name import CHANNEL
from bot.flows import effects as fx
from bot.flows import events as ev
from bot.flows.state import NOTHING_TO_ADD
from bot.questionnaire import Item, Questionnaire
from bot.signoff import attestation
from bot.texts import texts
from storage.records import Answer, Contact, Round

MAX_TEXT = 4096
ROOM = 1500
REVIEW_ROOM = 1000
MIN_ROOM = 100
REVIEW_MIN_ROOM = 20
"""Characters of each answer or note shown in a message (`room` in the templates); less
when the questionnaire's own texts are long, so that the message still fits (a review
section shows many answers, so each may be cut shorter: the whole is a tap away)."""
JUMPS_PER_ROW = 6
BUTTONS_KEPT = 4096
"""Buttons kept made (`button`): a questionnaire's take a few hundred."""
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True, slots=True)
class Message:
    text: str
    keyboard: InlineKeyboardMarkup | None = None
    question_id: str | None = None
    """Set when this message asks a question, so that later input can edit it."""


@dataclass(slots=True)
class Plan:
    edit: Message | None = None
    """New content for the message in play (None: leave it)."""
    sends: list[Message] = field(default_factory=list)
    drop_buttons: bool = False
    """Remove the buttons of the message in play, keeping its text (a used confirmation)."""


def html(
    template: str, room: int = ROOM, min_room: int = MIN_ROOM, shares: int = 2, **context: Any
) -> str:
    """Render a message; templates cut each answer and note to `room` characters, and
    less when a long question would push the message past Telegram's limit (`shares`: how
    many texts at most share the cut)."""
    while True:
        text = texts().render(f"telegram/{template}.html.j2", room=room, **context)
        over = visible_length(text) - MAX_TEXT
        if over <= 0:
            return text
        if room <= min_room:
            raise ValueError(f"telegram/{template} rendered {visible_length(text)} characters")
        # truncate() may keep a few more than `room`
        room = max(min_room, room - over // shares - 10)


def visible_length(text: str) -> int:
    """Length as Telegram counts it: after tags and entities are parsed."""
    return len(unescape(_TAG.sub("", text)))


def string(key: str, **context: Any) -> str:
    """A short text for a button label (plain text, not HTML)."""
    return texts().string(f"telegram.{key}", **context)


def sentence(key: str, **context: Any) -> str:
    """A short text for a message body: escaped, since messages are sent as HTML."""
    return escape(texts().channel_string(CHANNEL, key, **context), quote=False)


@lru_cache(maxsize=BUTTONS_KEPT)
def button(label: str, event: ev.Event) -> InlineKeyboardButton:
    """A button, made once for each label and event (buttons are immutable, and every tap
    draws a question's keyboard again)."""
    return InlineKeyboardButton(label, callback_data=codec.encode(event))


_SCREENS = fx.Ask | fx.ShowReview | fx.AskConfirm | fx.Submitted


def _replaces_tapped(effect: fx.Effect | None) -> bool:
    """Whether this screen takes the place of the message whose button was tapped: the
    review, a question opened from it, and submitting from it are one message, edited in
    place, rather than a new message each time."""
    match effect:
        case fx.Ask(in_review=in_review):
            return in_review
        case fx.ShowReview(at_end=at_end):
            return not at_end
        case fx.AskConfirm() | fx.Submitted():
            return True
    return False


def plan(
    effects: Sequence[fx.Effect],
    questionnaire: Questionnaire | None,
    answers: Mapping[str, Answer],
    contact: Contact,
    round_: Round | None,
    in_play: str | None,
    closes_prompt: bool = False,
    zone: tzinfo = UTC,
    tapped: bool = False,
) -> Plan:
    """What to show for `effects`; `in_play` is the question id of the message acted on,
    `closes_prompt` says that message was a one-off question (submit? where does it go?)
    whose buttons are used up, `tapped` that it was acted on with one of its buttons."""
    result = Plan()
    me = contact.id
    screens = [e for e in effects if isinstance(e, _SCREENS)]
    if tapped and screens and _replaces_tapped(screens[-1]) and questionnaire is not None:
        result.edit = _screen(screens[-1], questionnaire, answers, me)
        effects = [e for e in effects if not isinstance(e, _SCREENS | fx.Recorded | fx.Skipped)]
        in_play = None
    moved_on = False
    for effect in effects:
        match effect:
            case fx.Recorded(qid) if questionnaire is not None:
                if qid == in_play:
                    result.edit = recorded(questionnaire, effect, me, edit=True)
                else:
                    result.sends.append(recorded(questionnaire, effect, me))
            case fx.Skipped(qid) if questionnaire is not None and qid == in_play:
                position = questionnaire.position(qid)
                assert position is not None
                context = _item_context(questionnaire, position, me)
                text = html(fx.template_name(effect), answer=answers.get(qid), **context)
                result.edit = Message(text)
            case fx.AskWhere() if questionnaire is not None:
                moved_on = True
                result.sends.append(ask_where(questionnaire, effect))
            case fx.ConfirmChange() if questionnaire is not None:
                result.sends.append(confirm_change(questionnaire, effect, zone))
            case fx.OfferNote(qid, answer) if questionnaire is not None:
                offer = offer_note(questionnaire, qid, answer, me)
                if qid == in_play:
                    result.edit = offer
                else:
                    result.sends.append(offer)
            case fx.Ask() | fx.ShowReview() | fx.AskConfirm() if questionnaire is not None:
                moved_on = True
                result.sends.append(_screen(effect, questionnaire, answers, me))
            case fx.ConfirmedSection():
                result.sends.append(Message(html(fx.template_name(effect), effect=effect)))
            case fx.Submitted(unanswered, signer):
                text = html(fx.template_name(effect), unanswered=unanswered, signer=signer)
                result.sends.append(Message(text))
            case fx.Paused():
                result.sends.append(Message(html(fx.template_name(effect), effect=effect)))
            case fx.ShowStatus(done, total, submitted):
                result.sends.append(
                    Message(
                        html(
                            fx.template_name(effect),
                            contact=contact,
                            round=round_,
                            answered=done,
                            total=total,
                            submitted=submitted,
                        )
                    )
                )
            case fx.Rejected():
                result.sends.append(Message(html(fx.template_name(effect), effect=effect)))
            case fx.BatchResult() if questionnaire is not None:
                text = html(
                    fx.template_name(effect),
                    effect=effect,
                    q=questionnaire,
                    total=len(questionnaire.items),
                )
                result.sends.append(Message(text))
            case _:
                pass
    if moved_on and result.edit is None and in_play is not None and questionnaire is not None:
        result.edit = answered(questionnaire, in_play, answers.get(in_play), me)
    if closes_prompt:
        result.drop_buttons = True
    return result


def _screen(
    effect: fx.Effect, questionnaire: Questionnaire, answers: Mapping[str, Answer], me: int
) -> Message:
    match effect:
        case fx.Ask(position=position, answer=answer, answered=done, in_review=in_review):
            return question(questionnaire, position, answer, me, done, in_review, effect)
        case fx.ShowReview():
            return review(questionnaire, effect, me)
        case fx.AskConfirm():
            return confirm(questionnaire, effect)
        case fx.Submitted(unanswered, signer):
            return Message(html(fx.template_name(effect), unanswered=unanswered, signer=signer))
    raise ValueError(f"{effect!r} is not a screen")  # pragma: no cover


def _item_context(questionnaire: Questionnaire, position: int, me: int | None) -> dict[str, Any]:
    number = questionnaire.section_number(position)
    return {
        "item": questionnaire.items[position],
        "position": position,
        "section": questionnaire.sections[number - 1],
        "section_number": number,
        "section_count": len(questionnaire.sections),
        "total": len(questionnaire.items),
        "me": me,
    }


def question(
    questionnaire: Questionnaire,
    position: int,
    answer: Answer | None,
    me: int | None = None,
    answered_count: int = 0,
    in_review: bool = False,
    asked: fx.Ask | None = None,
) -> Message:
    """A question; `asked` brings last round's answer in a carry-forward round."""
    ctx = _item_context(questionnaire, position, me)
    item: Item = ctx["item"]
    before = questionnaire.items[position - 1] if position > 0 else None
    can_confirm = asked is not None and asked.can_confirm
    section_carried = asked.section_carried if asked is not None else 0
    text = html(
        fx.template_name(fx.Ask),
        show_heading=questionnaire.starts_section(position),
        show_hint=in_review or before is None or before.kind is not item.kind,
        answer=answer,
        answered=answered_count,
        carried=asked.carried if asked is not None else None,
        query=asked.query if asked is not None else None,
        can_confirm=can_confirm,
        section_carried=section_carried,
        **ctx,
    )
    rows: list[list[InlineKeyboardButton]] = []
    if can_confirm:
        rows.append([button(texts().string("button.still_true"), ev.StillTrue(item.id))])
    if section_carried:
        number = ctx["section_number"]
        label = texts().string("button.section_still_true", number=number)
        rows.append([button(label, ev.SectionStillTrue(item.id))])
    current = answer.value if answer is not None else None
    if item.kind.is_free_text:
        rows.append(
            [button(texts().string("button.nothing_to_add"), ev.Choose(item.id, NOTHING_TO_ADD))]
        )
    else:
        rows.append([_choice_button(item, value, current) for value in item.kind.choices])
    if current is not None:
        rows.append([button(texts().string("button.keep"), ev.Next(item.id))])
    if asked is not None and asked.query and not item.kind.is_free_text:
        # "no change, because ...": the LA's question is answered by a note too
        label = string("edit_note" if answer and answer.note else "add_note")
        rows.append([button(label, ev.Note(item.id))])
    nav: list[InlineKeyboardButton] = []
    if position > 0:
        nav.append(button(texts().string("button.back"), ev.Back(item.id)))
    if in_review:
        nav.append(button(texts().string("button.to_review"), ev.Review()))
    else:
        nav.append(button(texts().string("button.skip"), ev.Skip(item.id)))
    rows.append(nav)
    return Message(text, InlineKeyboardMarkup(rows), question_id=item.id)


def _choice_button(item: Item, value: str, current: str | None) -> InlineKeyboardButton:
    label = texts().choice_label(item.kind, value)
    if value == current:
        label = string("current_mark", label=label)
    return button(label, ev.Choose(item.id, value))


def answered(
    questionnaire: Questionnaire,
    qid: str,
    answer: Answer | None,
    me: int | None = None,
) -> Message:
    """The transcript a question message becomes once the person has moved on from it."""
    position = questionnaire.position(qid)
    assert position is not None
    text = html("_answered", answer=answer, **_item_context(questionnaire, position, me))
    return Message(text, _note_keyboard(questionnaire.items[position], answer))


def _note_keyboard(item: Item, answer: Answer | None) -> InlineKeyboardMarkup | None:
    """ "✎ Note" on an answered tick or statement: a note is one tap away, never in the way."""
    if item.kind.is_free_text or answer is None or answer.value is None:
        return None
    label = string("edit_note" if answer.note else "add_note")
    return InlineKeyboardMarkup([[button(label, ev.Note(item.id))]])


def recorded(
    questionnaire: Questionnaire, effect: fx.Recorded, me: int | None = None, edit: bool = False
) -> Message:
    """What was saved: the question message edited into its transcript (`edit`), or a new
    message saying so when the person has left that question."""
    position = questionnaire.position(effect.question_id)
    assert position is not None
    text = html(
        fx.template_name(effect),
        effect=effect,
        edit=edit,
        answer=effect.answer,
        **_item_context(questionnaire, position, me),
    )
    return Message(text, _note_keyboard(questionnaire.items[position], effect.answer))


def offer_note(
    questionnaire: Questionnaire, qid: str, answer: Answer, me: int | None = None
) -> Message:
    position = questionnaire.position(qid)
    assert position is not None
    ctx = _item_context(questionnaire, position, me)
    item: Item = ctx["item"]
    nav = [button(texts().string("button.next"), ev.Next(qid))]
    if position > 0:
        nav.insert(0, button(texts().string("button.back"), ev.Back(qid)))
    rows = [[_choice_button(item, value, answer.value) for value in item.kind.choices], nav]
    return Message(
        html(fx.template_name(fx.OfferNote), answer=answer, **ctx),
        InlineKeyboardMarkup(rows),
        question_id=qid,
    )


def ask_where(questionnaire: Questionnaire, effect: fx.AskWhere) -> Message:
    """Typed text that may be an answer or a note: the person says which with a button."""
    position = questionnaire.position(effect.question_id)
    assert position is not None
    item = questionnaire.items[position]
    previous = questionnaire.position(effect.previous) if effect.previous else None
    rows: list[list[InlineKeyboardButton]] = []
    if item.kind.is_free_text:
        label = string("it_answers", number=position + 1)
        rows.append([button(label, ev.Place(item.id, ev.Use.ANSWER))])
    else:
        rows.append([_choice_button(item, value, None) for value in item.kind.choices])
    if effect.previous is not None and previous is not None:
        label = string("add_to_note", number=previous + 1)
        rows.append([button(label, ev.Place(effect.previous, ev.Use.NOTE))])
    if not item.kind.is_free_text:
        rows.append([button(string("just_a_note"), ev.Place(item.id, ev.Use.NOTE))])
    text = html(
        fx.template_name(effect),
        text=effect.text,
        previous=None if previous is None else previous + 1,
        **_item_context(questionnaire, position, None),
    )
    return Message(text, InlineKeyboardMarkup(rows), question_id=item.id)


def confirm_change(
    questionnaire: Questionnaire, effect: fx.ConfirmChange, zone: tzinfo = UTC
) -> Message:
    """A colleague answered differently since this person saw the question: change it?"""
    position = questionnaire.position(effect.question_id)
    assert position is not None
    item = questionnaire.items[position]
    label = texts().choice_label(item.kind, effect.value)
    theirs = effect.current.contact_name or string("colleague")
    rows = [
        [button(string("change_to", label=label), ev.Choose(item.id, effect.value, True))],
        [button(string("keep_theirs", name=theirs), ev.Keep(item.id))],
    ]
    text = html(
        fx.template_name(effect),
        answer=effect.current,
        label=label,
        colleague=theirs,
        when=effect.current.answered_at.astimezone(zone) if effect.current.answered_at else None,
        **_item_context(questionnaire, position, None),
    )
    return Message(text, InlineKeyboardMarkup(rows))


def review(questionnaire: Questionnaire, effect: fx.ShowReview, me: int | None = None) -> Message:
    """One message: a section's answers with ✎ buttons to change them, buttons to the other
    sections, and Submit at the bottom. Long answers are cut to fit the message."""
    number = effect.section + 1
    section = questionnaire.sections[effect.section]
    first = sum(len(s.items) for s in questionnaire.sections[: effect.section])
    total = len(questionnaire.items)
    text = html(
        fx.template_name(effect),
        room=REVIEW_ROOM,
        min_room=REVIEW_MIN_ROOM,
        shares=2 * len(section.items),
        effect=effect,
        section=section,
        section_number=number,
        section_count=len(questionnaire.sections),
        first=first,
        answers=effect.answers,
        answered=total - len(effect.unanswered),
        total=total,
        me=me,
    )
    jumps = [
        button(string("jump", number=first + n + 1), ev.Jump(item.id))
        for n, item in enumerate(section.items)
    ]
    rows = [jumps[i : i + JUMPS_PER_ROW] for i in range(0, len(jumps), JUMPS_PER_ROW)]
    pages: list[InlineKeyboardButton] = []
    if effect.section > 0:
        pages.append(button(string("section_before", number=number - 1), ev.Review(number - 2)))
    if number < len(questionnaire.sections):
        pages.append(button(string("section_after", number=number + 1), ev.Review(number)))
    rows.append(pages)
    if not effect.submitted:
        rows.append([button(texts().string("button.submit"), ev.Submit())])
    return Message(text, InlineKeyboardMarkup([row for row in rows if row]))


def confirm(questionnaire: Questionnaire, effect: fx.AskConfirm) -> Message:
    """Submit, signed off as shown? Confirming is one tap once the name and role are
    there; until then the person types what is missing (the role, the first time)."""
    listed = []
    for qid in effect.unanswered:
        position = questionnaire.position(qid)
        if position is not None:
            listed.append((position + 1, questionnaire.items[position].text))
    cancel = button(texts().string("button.cancel_submit"), ev.CancelSubmit())
    change_name = button(texts().string("signoff.button.name"), ev.Sign(ev.SignerPart.NAME))
    change_role = button(texts().string("signoff.button.role"), ev.Sign(ev.SignerPart.ROLE))
    if effect.asks is None:
        rows = [
            [button(texts().string("button.confirm_submit"), ev.Confirm()), cancel],
            [change_name, change_role],
        ]
    elif effect.asks is ev.SignerPart.ROLE and effect.name:
        rows = [[change_name, cancel]]
    else:
        rows = [[cancel]]
    text = html(
        fx.template_name(fx.AskConfirm),
        effect=effect,
        unanswered=listed,
        total=len(questionnaire.items),
        attestation=attestation(questionnaire),
    )
    return Message(text, InlineKeyboardMarkup(rows))


def welcome(contact: Contact, about: About | None) -> str:
    """The first message after an invite is opened (`about` the audit), or a short welcome
    back (None)."""
    if about is None:
        return sentence("telegram.welcome_back", name=contact.name)
    return html("welcome", contact=contact, about=about)


def not_linked(reason_key: str | None = None, admin: bool = False) -> str:
    """Tell someone without a linked contact how to get an invite (and why theirs failed)."""
    reason = texts().string(reason_key) if reason_key else None
    return html("not_linked", reason=reason, admin=admin)
