"""What every channel promises: it renders every effect of the audit flow and every notice
kind, and its encoding of every action decodes to the same intent. A new channel adds its
renderer to the tables below and must pass the same tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import get_args

import pytest

from bot.audit_service import Outcome
from bot.channels.console import ConsoleChat
from bot.channels.email.conversation import conversation_notice, question_refs
from bot.channels.email.deliver import action_keyword, email_for, keyword
from bot.channels.email.replies import Command, parse_with_texts
from bot.channels.telegram import callback_codec as codec
from bot.channels.telegram import notices as telegram_notices
from bot.channels.telegram import render
from bot.config import EmailSettings, Settings
from bot.flows import effects as fx
from bot.flows import events as ev
from bot.notices import Action, Attachment, Intent, Notice
from bot.queries import answered_notice, query_notice
from bot.questionnaire import Questionnaire, load_questionnaire
from bot.reminders import (
    FlagDecision,
    Reminder,
    Slot,
    SlotKind,
    SnoozeChoice,
    flag_notice,
    reminder_notice,
)
from bot.submission_notices import (
    FORM_CAPTION,
    colleague_notice,
    receipt_notice,
    submission_facts,
)
from bot.summary.load import load_summary
from bot.summary.model import number_questions
from bot.summary.schedule import summary_notice
from bot.texts import texts
from storage.queries import Query
from storage.records import Address, Answer, AnswerChange, Contact, Status
from tests.conftest import Seeded
from tests.fake_bot_api import check_markup, parse_html

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
CONTACT = Contact(1, 1, "North <Partnership> & Co", "Dan <Dee>", "dan@north.example")


def effects(q: Questionnaire) -> list[fx.Effect]:
    first, free, statement = q.items[0], q.items[11], q.item("s7.paper_seven_years")
    theirs = Answer("no", "only <pupils> & on roll", 2, "Sam <S>", "telegram", NOW)
    return [
        fx.Ask(first.id, 0, None),
        fx.Ask(first.id, 0, theirs),
        fx.Ask(free.id, 11, Answer("typed <b>"), answered=3, in_review=True),
        fx.Ask(first.id, 0, None, carried=fx.Carried("yes", "on the <form>"), section_carried=4),
        fx.Ask(free.id, 11, None, carried=fx.Carried("typed <i>", None, unchanged=False)),
        fx.ConfirmedSection(1, (first.id,)),
        fx.Skipped(first.id),
        fx.Recorded(first.id, Answer("yes", "a note <b>")),
        fx.Recorded(first.id, Answer("yes", "more"), added=True),
        fx.AskWhere(first.id, "maybe <b>"),
        fx.AskWhere(free.id, "and the SENCo", first.id),
        fx.ConfirmChange(first.id, "yes", theirs),
        fx.OfferNote(first.id, Answer("yes")),
        fx.OfferNote(statement.id, Answer("differs")),
        fx.ShowReview({first.id: theirs}, (free.id,)),
        fx.ShowReview({first.id: theirs}, (free.id,), section=6),
        fx.ShowReview({}, (), at_end=True, submitted=True),
        fx.AskConfirm((free.id,)),
        fx.AskConfirm((), "Sam <S>", None, ev.SignerPart.ROLE),
        fx.AskConfirm((), "Sam <S>", "Head of <b>", ev.SignerPart.NAME),
        fx.AskConfirm((free.id,), "Sam <S>", "Head of <b>"),
        fx.Submitted(()),
        fx.Submitted((), fx.Signer("Sam <S>", "Head of <b>")),
        fx.Paused(),
        fx.ShowStatus(3, 44, False),
        *(fx.Rejected(reason) for reason in fx.Reason),
        fx.BatchResult((first.id,), (fx.Rejected(fx.Reason.EMPTY, free.id),), (free.id,)),
    ]


def test_the_samples_cover_every_effect(questionnaire: Questionnaire) -> None:
    assert {type(e) for e in effects(questionnaire)} == set(get_args(fx.Effect))


def console_render(seeded: Seeded, effect: fx.Effect) -> list[str]:
    shown: list[str] = []
    chat = ConsoleChat(seeded.service, CONTACT.id, lambda prompt: "", shown.append, Settings())
    chat.show(Outcome(CONTACT, (effect,), seeded.questionnaire, seeded.round, {}))
    return shown


def telegram_render(seeded: Seeded, effect: fx.Effect) -> list[str]:
    """As shown after a tap on the effect's question, where it has one."""
    in_play = getattr(effect, "question_id", None)
    plan = render.plan((effect,), seeded.questionnaire, {}, CONTACT, seeded.round, in_play)
    messages = [*plan.sends, *([plan.edit] if plan.edit else [])]
    for message in messages:
        parse_html(message.text)  # Telegram would refuse anything else
        check_markup(message.keyboard.to_dict() if message.keyboard else None)
    return [m.text for m in messages]


def email_render(seeded: Seeded, effect: fx.Effect) -> list[str]:
    outcome = Outcome(CONTACT, (effect,), seeded.questionnaire, seeded.round, {})
    notice = conversation_notice("reply", CONTACT, outcome=outcome, effects=[effect])
    return [notice.context["subject"], notice.context["text"]]


EFFECT_RENDERERS: dict[str, Callable[[Seeded, fx.Effect], list[str]]] = {
    "console": console_render,
    "telegram": telegram_render,
    "email": email_render,
}
NOT_RECEIVED = {("telegram", fx.BatchResult)}
"""Effects a channel never gets: a batch of answers arrives by email only."""


@pytest.mark.parametrize("channel", EFFECT_RENDERERS)
def test_every_effect_renders_in_every_channel(seeded: Seeded, channel: str) -> None:
    for effect in effects(seeded.questionnaire):
        shown = EFFECT_RENDERERS[channel](seeded, effect)
        if (channel, type(effect)) in NOT_RECEIVED:
            continue
        assert shown and all(text.strip() for text in shown), (channel, effect)
        assert not any("{{" in text or "None" in text for text in shown), (channel, shown)


async def notices(seeded: Seeded) -> list[Notice]:
    contact = CONTACT
    address = Address("telegram", "1004", "1004", NOW)
    slot = Slot("d-7@2026-11-30", SlotKind.DEADLINE, NOW)
    due = date(2026, 11, 30)
    started = Reminder(1, contact, address, slot, Status.IN_PROGRESS, due, 7, 5, 44, True)
    waiting = Reminder(1, contact, address, slot, Status.NOT_STARTED, due, 0, 0, 44, False)
    flag = FlagDecision(1, 1, "East <P> & Co", Status.NOT_STARTED, 4, 0, 44, due)
    invited = {"contact_name": "Dan <Dee>", "partnership": "East <P> & Co", "expires": "2026-11-16"}
    return [
        reminder_notice(started),
        reminder_notice(waiting),
        flag_notice(flag),
        summary_notice(await load_summary(seeded.db, seeded.clock())),
        Notice(
            "invite", {**invited, "links": {"telegram": "https://t.me/b?start=x"}, "deadline": None}
        ),
        Notice("invite", {**invited, "links": {}, "deadline": "2026-11-30"}),
        conversation_notice("unsigned", CONTACT, "<m1@east.example>"),
        *submission_notices(seeded),
        *query_notices(seeded),
    ]


def submission_notices(seeded: Seeded) -> list[Notice]:
    """The receipt (with its form, as the outbox worker attaches it) and a colleague's word."""
    answers = {item.id: Answer("yes") for item in seeded.questionnaire.items[:40]}
    facts = submission_facts(CONTACT, seeded.questionnaire, answers, NOW, UTC)
    receipt = receipt_notice(facts, ["Sam <S>", "Lee & Co"])
    form = Attachment("east-p-co.docx", b"PK", FORM_CAPTION)
    colleague = Contact(2, 1, CONTACT.partnership, "Sam <S>", "sam@north.example")
    return [
        replace(receipt, context={**receipt.context, "form_attached": True}, attachments=[form]),
        colleague_notice(facts, colleague),
    ]


def query_notices(seeded: Seeded) -> list[Notice]:
    """The LA's query to a contact (answered, and not yet), and the reply back to the LA."""
    question = number_questions(seeded.questionnaire)[4]
    answered = Answer("yes", "on the <referral> form & more")
    comment = "Which <system> & where?"
    asked = query_notice(CONTACT, question, answered, comment)
    query = Query(1, 1, 1, "East <P> & Co", question.item.id, comment, "cli:jo", NOW, "yes",
                  None, ("telegram:9001",))  # fmt: skip
    change = AnswerChange(question.item.id, "no", "No change <really> & so")
    return [
        asked,
        query_notice(CONTACT, question, None, comment),
        answered_notice(query, question, change, "Sam <S>", "Monday 02 November 2026 at 10:00"),
    ]


def email_notice(notice: Notice) -> list[str]:
    settings = EmailSettings(  # type: ignore[call-arg]
        _env_file=None, sender="audit@la.example", smtp_host="smtp.invalid", reply_secret="s"
    )
    message = email_for(settings, "dan@east.example", notice)
    return [
        str(message["Subject"]),
        *(str(part.get_content()) for part in message.walk() if not part.is_multipart()),
    ]


NOTICE_RENDERERS: dict[str, Callable[[Notice], list[str]]] = {
    "telegram": lambda notice: [
        part.html if isinstance(part, telegram_notices.Text) else part.filename
        for part in telegram_notices.parts(notice)
    ],
    "email": email_notice,
}
NOT_SENT = {("telegram", "invite"), ("telegram", "conversation")}
"""Notice kinds a channel never sends: an invitation to Telegram comes as a link, and the
email conversation's own answers go by email."""


async def test_every_notice_kind_renders_in_every_channel(seeded: Seeded) -> None:
    found = await notices(seeded)
    assert {n.kind for n in found} == {
        "reminder.in_progress",
        "reminder.not_started",
        "flag.la",
        "summary.la",
        "invite",
        "conversation",
        "receipt",
        "submitted.colleague",
        "query",
        "query.answered",
    }
    for channel, render_notice in NOTICE_RENDERERS.items():
        for notice in found:
            if (channel, notice.kind) in NOT_SENT:
                continue
            parts = render_notice(notice)
            assert parts and all(p.strip() for p in parts), (channel, notice.kind)


def telegram_round_trip(action: Action) -> tuple[Intent, dict[str, object]]:
    data = telegram_notices.callback_data(action)
    snooze = codec.decode_snooze(data)
    if snooze is not None:
        return Intent.SNOOZE, {"round_id": snooze[0], "choice": snooze[1]}
    event = codec.decode(data)
    if isinstance(event, ev.Jump):  # the question, numbered as in every channel
        number = QUESTIONNAIRE_NUMBERS[event.question_id]
        return Intent.ANSWER_QUERY, {"question_id": event.question_id, "number": number}
    assert event == ev.Start()
    return Intent.CONTINUE, {}


def email_round_trip(action: Action) -> tuple[Intent, dict[str, object]]:
    """The word the email suggests, as a reply, read back by the reply parser; a query is
    answered with the question's number, as the email says."""
    if action.intent is Intent.ANSWER_QUERY:
        refs = question_refs(load_questionnaire()[0])
        [read] = parse_with_texts(f"{action.args['number']} no - a note\n", refs).answers
        number = QUESTIONNAIRE_NUMBERS[read.question_id]
        return Intent.ANSWER_QUERY, {"question_id": read.question_id, "number": number}
    word = keyword(action_keyword(action))
    [command] = parse_with_texts(f"{word}\n", ()).commands
    match command:
        case Command.START:
            return Intent.CONTINUE, {}
        case Command.LATER | Command.NEXT_WEEK:
            choice = (
                SnoozeChoice.NEXT_WEEK if command is Command.NEXT_WEEK else SnoozeChoice.TOMORROW
            )
            # the round is the one the reply's sender is answering
            return Intent.SNOOZE, {"round_id": action.args["round_id"], "choice": choice.value}
    raise AssertionError(command)


QUESTIONNAIRE_NUMBERS = {q.item.id: q.number for q in number_questions(load_questionnaire()[0])}


ACTION_ENCODINGS: dict[str, Callable[[Action], tuple[Intent, dict[str, object]]]] = {
    "telegram": telegram_round_trip,
    "email": email_round_trip,
}


async def test_every_action_round_trips_through_every_channel(seeded: Seeded) -> None:
    actions = [a for n in await notices(seeded) for row in n.actions for a in row]
    assert {a.intent for a in actions} == set(Intent)
    assert {a.args.get("choice") for a in actions} >= {c.value for c in SnoozeChoice}
    for channel, round_trip in ACTION_ENCODINGS.items():
        for action in actions:
            assert round_trip(action) == (action.intent, dict(action.args)), channel


def test_channel_wording_overrides_only_neutral_keys() -> None:
    t = texts()

    def keys(node: object, prefix: str = "") -> list[str]:
        if isinstance(node, dict):
            return [k for name, child in node.items() for k in keys(child, f"{prefix}{name}.")]
        return [prefix.rstrip(".")]

    for channel, overrides in t.strings["overrides"].items():
        for key in keys(overrides):
            t.string(key)  # the neutral text it stands in for exists
            assert t.channel_string(channel, key) != t.string(key)
    assert "buttons" not in t.channel_string("console", "reason.not_expected")


TEMPLATE_FOLDERS = {"console": "txt", "telegram": "html", "email": "txt"}


@pytest.mark.parametrize(("channel", "suffix"), TEMPLATE_FOLDERS.items())
def test_one_template_per_effect_with_the_same_name_in_every_channel(
    channel: str, suffix: str
) -> None:
    folder = Path(str(resources.files("templates"))) / channel
    for effect in get_args(fx.Effect):
        name = fx.template_name(effect)
        assert (folder / f"{name}.{suffix}.j2").is_file(), (channel, name)


async def test_one_template_per_notice_kind_in_every_sending_channel(seeded: Seeded) -> None:
    for channel in NOTICE_RENDERERS:
        folder = Path(str(resources.files("templates"))) / channel / "notices"
        for notice in await notices(seeded):
            if (channel, notice.kind) not in NOT_SENT:
                suffix = TEMPLATE_FOLDERS[channel]
                assert (folder / f"{notice.kind}.{suffix}.j2").is_file(), (channel, notice.kind)
