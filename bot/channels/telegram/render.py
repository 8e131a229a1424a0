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
from html import escape, unescape
from typing import Any

from markupsafe import Markup
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels.telegram import callback_codec as codec
from bot.channels.telegram.name import CHANNEL
from bot.flows import effects as fx
from bot.flows import events as ev
from bot.flows.audit import NOTHING_TO_ADD
from bot.questionnaire import Item, Questionnaire, Section
from bot.texts import texts
from storage.records import Answer, Contact, Round

MAX_TEXT = 4096
CHUNK = 3800
"""Review messages are packed below Telegram's 4,096-character limit, with room to spare."""
ROOM = 1500
REVIEW_ROOM = 1000
MIN_ROOM = 100
"""Characters of each answer or note shown in a message (`room` in the templates); less
when the questionnaire's own texts are long, so that the message still fits."""
JUMPS_PER_ROW = 6
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


def html(template: str, room: int = ROOM, **context: Any) -> str:
    """Render a message; templates cut each answer and note to `room` characters, and
    less when a long question would push the message past Telegram's limit."""
    while True:
        text = texts().render(f"telegram/{template}.html.j2", room=room, **context)
        over = visible_length(text) - MAX_TEXT
        if over <= 0:
            return text
        if room <= MIN_ROOM:
            raise ValueError(f"telegram/{template} rendered {visible_length(text)} characters")
        # up to two texts share the cut; truncate() may keep a few more than `room`
        room = max(MIN_ROOM, room - over // 2 - 10)


def visible_length(text: str) -> int:
    """Length as Telegram counts it: after tags and entities are parsed."""
    return len(unescape(_TAG.sub("", text)))


def string(key: str, **context: Any) -> str:
    """A short text for a button label (plain text, not HTML)."""
    return texts().string(f"telegram.{key}", **context)


def sentence(key: str, **context: Any) -> str:
    """A short text for a message body: escaped, since messages are sent as HTML."""
    return escape(texts().channel_string(CHANNEL, key, **context), quote=False)


def button(label: str, event: ev.Event) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=codec.encode(event))


def plan(
    effects: Sequence[fx.Effect],
    questionnaire: Questionnaire | None,
    answers: Mapping[str, Answer],
    contact: Contact,
    round_: Round | None,
    in_play: str | None,
    closes_prompt: bool = False,
    zone: tzinfo = UTC,
) -> Plan:
    """What to show for `effects`; `in_play` is the question id of the message acted on,
    `closes_prompt` says that message was a one-off question (submit? where does it go?)
    whose buttons are used up."""
    result = Plan()
    moved_on = False
    for effect in effects:
        match effect:
            case fx.Recorded(qid) if questionnaire is not None:
                if qid == in_play:
                    result.edit = recorded(questionnaire, effect, edit=True)
                else:
                    result.sends.append(recorded(questionnaire, effect))
            case fx.AskWhere() if questionnaire is not None:
                moved_on = True
                result.sends.append(ask_where(questionnaire, effect))
            case fx.ConfirmChange() if questionnaire is not None:
                result.sends.append(confirm_change(questionnaire, effect, zone))
            case fx.OfferNote(qid, answer) if questionnaire is not None:
                offer = offer_note(questionnaire, qid, answer)
                if qid == in_play:
                    result.edit = offer
                else:
                    result.sends.append(offer)
            case fx.Ask(qid, position, answer) if questionnaire is not None:
                moved_on = True
                result.sends.append(question(questionnaire, position, answer))
            case fx.ShowReview() if questionnaire is not None:
                moved_on = True
                result.sends.extend(review(questionnaire, effect))
            case fx.AskConfirm(unanswered) if questionnaire is not None:
                moved_on = True
                result.sends.append(confirm(questionnaire, unanswered))
            case fx.Submitted(unanswered):
                result.sends.append(Message(html(fx.template_name(effect), unanswered=unanswered)))
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
        result.edit = answered(questionnaire, in_play, answers.get(in_play))
    if closes_prompt:
        result.drop_buttons = True
    return result


def _item_context(questionnaire: Questionnaire, position: int) -> dict[str, Any]:
    number = questionnaire.section_number(position)
    return {
        "item": questionnaire.items[position],
        "position": position,
        "section": questionnaire.sections[number - 1],
        "section_number": number,
        "section_count": len(questionnaire.sections),
        "total": len(questionnaire.items),
    }


def question(questionnaire: Questionnaire, position: int, answer: Answer | None) -> Message:
    ctx = _item_context(questionnaire, position)
    item: Item = ctx["item"]
    text = html(
        fx.template_name(fx.Ask),
        show_heading=questionnaire.starts_section(position),
        answer=answer,
        **ctx,
    )
    rows: list[list[InlineKeyboardButton]] = []
    current = answer.value if answer is not None else None
    if item.kind.is_free_text:
        rows.append(
            [button(texts().string("button.nothing_to_add"), ev.Choose(item.id, NOTHING_TO_ADD))]
        )
    else:
        rows.append([_choice_button(item, value, current) for value in item.kind.choices])
    if current is not None:
        rows.append([button(texts().string("button.keep"), ev.Next(item.id))])
    nav = [button(texts().string("button.skip"), ev.Skip(item.id))]
    if position > 0:
        nav.insert(0, button(texts().string("button.back"), ev.Back(item.id)))
    rows.append(nav)
    return Message(text, InlineKeyboardMarkup(rows), question_id=item.id)


def _choice_button(item: Item, value: str, current: str | None) -> InlineKeyboardButton:
    label = texts().choice_label(item.kind, value)
    if value == current:
        label = string("current_mark", label=label)
    return button(label, ev.Choose(item.id, value))


def answered(questionnaire: Questionnaire, qid: str, answer: Answer | None) -> Message:
    """The transcript a question message becomes once the person has moved on from it."""
    position = questionnaire.position(qid)
    assert position is not None
    return Message(html("_answered", answer=answer, **_item_context(questionnaire, position)))


def recorded(questionnaire: Questionnaire, effect: fx.Recorded, edit: bool = False) -> Message:
    """What was saved: the question message edited into its transcript (`edit`), or a new
    message saying so when the person has left that question."""
    position = questionnaire.position(effect.question_id)
    assert position is not None
    text = html(
        fx.template_name(effect),
        effect=effect,
        edit=edit,
        answer=effect.answer,
        **_item_context(questionnaire, position),
    )
    return Message(text)


def offer_note(questionnaire: Questionnaire, qid: str, answer: Answer) -> Message:
    position = questionnaire.position(qid)
    assert position is not None
    ctx = _item_context(questionnaire, position)
    item: Item = ctx["item"]
    rows = [
        [_choice_button(item, value, answer.value) for value in item.kind.choices],
        [button(texts().string("button.next"), ev.Next(qid))],
    ]
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
        **_item_context(questionnaire, position),
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
        **_item_context(questionnaire, position),
    )
    return Message(text, InlineKeyboardMarkup(rows))


def review(questionnaire: Questionnaire, effect: fx.ShowReview) -> list[Message]:
    """One or more messages per section, each with ✎ buttons for the questions in it."""
    messages: list[Message] = []
    position = 0
    for number, section in enumerate(questionnaire.sections, start=1):
        header = html("_review_section", section=section, section_number=number)
        length = visible_length(header)
        blocks: list[Markup] = []
        jumps: list[tuple[int, str]] = []
        for item in section.items:
            # rendered alone first: a message takes the items that fit in CHUNK
            block = Markup(  # noqa: S704 - rendered by an autoescaping template
                html(
                    "_review_item",
                    room=REVIEW_ROOM,
                    item=item,
                    position=position,
                    answer=effect.answers.get(item.id),
                )
            )
            if length + 2 + visible_length(block) > CHUNK and jumps:
                messages.append(_review_page(effect, section, number, blocks, jumps))
                length, blocks, jumps = visible_length(header), [], []
            length += 2 + visible_length(block)
            blocks.append(block)
            jumps.append((position, item.id))
            position += 1
        messages.append(_review_page(effect, section, number, blocks, jumps))
    total = len(questionnaire.items)
    end_rows: list[list[InlineKeyboardButton]] = []
    if not effect.submitted:
        end_rows.append([button(texts().string("button.submit"), ev.Submit())])
    messages.append(
        Message(
            html(
                fx.template_name(effect),
                section=None,
                answered=total - len(effect.unanswered),
                total=total,
                at_end=effect.at_end,
                submitted=effect.submitted,
            ),
            InlineKeyboardMarkup(end_rows) if end_rows else None,
        )
    )
    return messages


def _review_page(
    effect: fx.ShowReview,
    section: Section,
    number: int,
    blocks: list[Markup],
    jumps: list[tuple[int, str]],
) -> Message:
    """A section's questions, or the part of them that fits in one message."""
    text = texts().render(
        f"telegram/{fx.template_name(effect)}.html.j2",
        section=section,
        section_number=number,
        blocks=blocks,
    )
    return Message(text, _jump_keyboard(jumps))


def _jump_keyboard(jumps: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    buttons = [button(string("jump", number=pos + 1), ev.Jump(qid)) for pos, qid in jumps]
    rows = [buttons[i : i + JUMPS_PER_ROW] for i in range(0, len(buttons), JUMPS_PER_ROW)]
    return InlineKeyboardMarkup(rows)


def confirm(questionnaire: Questionnaire, unanswered: tuple[str, ...]) -> Message:
    listed = []
    for qid in unanswered:
        position = questionnaire.position(qid)
        if position is not None:
            listed.append((position + 1, questionnaire.items[position].text))
    keyboard = InlineKeyboardMarkup(
        [
            [
                button(texts().string("button.confirm_submit"), ev.Confirm()),
                button(texts().string("button.cancel_submit"), ev.CancelSubmit()),
            ]
        ]
    )
    return Message(
        html(fx.template_name(fx.AskConfirm), unanswered=listed, total=len(questionnaire.items)),
        keyboard,
    )


def welcome(contact: Contact, questionnaire: Questionnaire | None, round_: Round | None) -> str:
    if questionnaire is None:
        return sentence("telegram.welcome_back", name=contact.name)
    return html(
        "welcome",
        contact=contact,
        questionnaire=questionnaire,
        round=round_,
        total=len(questionnaire.items),
        section_count=len(questionnaire.sections),
    )


def not_linked(reason_key: str | None = None) -> str:
    """Tell someone without a linked contact how to get an invite (and why theirs failed)."""
    return html("not_linked", reason=texts().string(reason_key) if reason_key else None)
