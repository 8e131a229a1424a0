"""What the bot sends stays within what Telegram accepts: its HTML subset, the message
length, button data and its flood limits (checked with the fake Bot API's own rules)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.about import about_audit
from bot.audit_service import AuditService
from bot.channels.telegram import callback_codec as codec
from bot.channels.telegram import render
from bot.config import Settings
from bot.flows import effects as fx
from bot.flows import events as ev
from bot.flows.state import MAX_SIGNER
from bot.questionnaire import MAX_ITEM_ID, Questionnaire
from storage.records import Answer, Contact
from tests.conftest import Seeded
from tests.fake_bot_api import MAX_TEXT, FakeBotApi, check_markup, visible_text
from tests.plugins.telegram import Harness, join, stored_answers

NOW = datetime(2026, 11, 2, 10, tzinfo=UTC)
NAME = "Ñame <&> " * 22  # a 198-character name
LONG = "typed <b>&amp; é " * 150  # over the 2,000 characters the bot keeps


def accepted(message: render.Message | str) -> int:
    """The length Telegram counts, once the fake has accepted the message as Telegram would."""
    text = message if isinstance(message, str) else message.text
    if not isinstance(message, str) and message.keyboard is not None:
        check_markup(message.keyboard.to_dict())
    shown = visible_text(text, "HTML")
    assert 0 < len(shown) <= MAX_TEXT
    return len(shown)


def wordy(questionnaire: Questionnaire) -> Questionnaire:
    """The audit with long headings, instructions and question texts, and the longest ids."""
    data: dict[str, Any] = questionnaire.model_dump()
    for s, section in enumerate(data["sections"]):
        section["heading"] = "Heading & more " * 20
        section["instructions"] = "Instructions <for> everyone " * 30
        for i, item in enumerate(section["items"]):
            item["text"] = "A long question & its explanation " * 35
            item["id"] = f"s{s}.{i}.".ljust(MAX_ITEM_ID, "x")
    return Questionnaire.model_validate(data)


def worst_answer(questionnaire: Questionnaire, qid: str) -> Answer:
    kind = questionnaire.item(qid).kind
    value = LONG[:2000] if kind.is_free_text else kind.choices[-1]
    return Answer(value, LONG[:2000], 1, NAME, "telegram", NOW, 2, NAME, NOW)


@pytest.mark.parametrize("long_texts", [False, True])
def test_every_message_fits_telegram_with_the_longest_answers_and_names(
    questionnaire: Questionnaire, long_texts: bool
) -> None:
    q = wordy(questionnaire) if long_texts else questionnaire
    for position, item in enumerate(q.items):
        answer = worst_answer(q, item.id)
        previous = q.items[position - 1].id if position else None
        accepted(render.question(q, position, answer))
        accepted(render.answered(q, item.id, answer))
        accepted(render.ask_where(q, fx.AskWhere(item.id, LONG[:2000], previous)))
        if not item.kind.is_free_text:
            accepted(render.offer_note(q, item.id, answer))
            change = fx.ConfirmChange(item.id, item.kind.choices[0], answer)
            accepted(render.confirm_change(q, change, UTC))
    answers = {item.id: worst_answer(q, item.id) for item in q.items}
    for section in range(len(q.sections)):
        accepted(render.review(q, fx.ShowReview(answers, (), section=section)))
    everything = tuple(item.id for item in q.items)
    longest = "x" * MAX_SIGNER  # the longest name and role a sign-off can have
    for part in (None, *ev.SignerPart):
        accepted(render.confirm(q, fx.AskConfirm(everything, longest, longest, part)))
    contact = Contact(1, 1, NAME, NAME, "a@example.org")
    accepted(render.welcome(contact, about_audit(Settings(), q, None)))


def test_long_question_texts_shorten_the_answers_shown_not_the_question(
    questionnaire: Questionnaire,
) -> None:
    q = wordy(questionnaire)
    item = q.items[0]
    shown = render.question(q, 0, worst_answer(q, item.id)).text
    assert item.text.strip() in visible_text(shown, "HTML")
    assert "..." in shown


def test_the_longest_question_id_fits_in_button_data(questionnaire: Questionnaire) -> None:
    q = wordy(questionnaire)
    for position, item in enumerate(q.items):
        assert len(item.id) == MAX_ITEM_ID
        message = render.question(q, position, None)
        assert message.keyboard is not None
        check_markup(message.keyboard.to_dict())
        for row in message.keyboard.inline_keyboard:
            for button in row:
                codec.decode(str(button.callback_data))


async def test_the_conversation_goes_on_under_telegrams_flood_limits(
    api: FakeBotApi,
    harness: Harness,
    seeded: Seeded,
    bot: object,
    caplog: pytest.LogCaptureFixture,
) -> None:
    api.rate_limit(per_chat_per_second=1, global_per_second=30)
    caplog.set_level(logging.WARNING)
    alice = await join(harness, api, "alice", 1001)
    assert "Section 1 of 7" in (await alice.wait_for_text("0 of 44 answered")).text
    await alice.click("No")
    await alice.wait_for_text("1 of 44 answered")
    await alice.click("✎ Note")
    await alice.wait_for_text("Type your note")
    await alice.send("only for pupils on roll")
    await alice.wait_for_text("Note: only for pupils on roll")
    assert api.throttled, "the flood limit was never reached"
    answer = (await stored_answers(seeded, "alice"))["s1.address"]
    assert (answer.value, answer.note) == ("no", "only for pupils on roll")
    assert [m.text.split("\n")[0] for m in alice.messages][:1] == [
        "Hello Alice Archer! You're answering for North Partnership."
    ]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_the_apology_for_an_error_is_sent_as_html_like_every_other_message(
    api: FakeBotApi,
    harness: Harness,
    seeded: Seeded,
    bot: object,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Texts are escaped for HTML; sent as plain text, "&" would show as "&amp;"."""
    alice = await join(harness, api, "alice", 1001)

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(AuditService, "handle", broken)
    before = len(api.calls)
    with caplog.at_level(logging.CRITICAL):
        await alice.send("/status")
    assert "something went wrong" in alice.messages[-1].text
    sends = [c for c in api.calls[before:] if c.method == "sendMessage"]
    assert sends and all(c.params.get("parse_mode") == "HTML" for c in sends)
