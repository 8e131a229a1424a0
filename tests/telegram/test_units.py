"""The callback codec, message rendering limits, the token filter, and the CLI wiring."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot import cli
from bot.channels.telegram import callback_codec as codec
from bot.channels.telegram import render
from bot.flows import effects as fx
from bot.flows import events as ev
from bot.flows.state import MAX_SIGNER
from bot.log_masking import TokenFilter
from bot.questionnaire import Questionnaire
from storage.records import Answer


def test_codec_round_trips_every_button(questionnaire: Questionnaire) -> None:
    events: list[ev.Event] = [ev.Review(), ev.Submit(), ev.Confirm(), ev.CancelSubmit(), ev.Start()]
    events += [ev.Sign(part) for part in ev.SignerPart]
    for item in questionnaire.items:
        events += [ev.Next(item.id), ev.Skip(item.id), ev.Back(item.id), ev.Jump(item.id)]
        events += [ev.Choose(item.id, value) for value in (*item.kind.choices, "nothing")]
    for event in events:
        data = codec.encode(event)
        assert len(data.encode()) <= 64
        assert codec.decode(data) == event


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "a1",
        "a0|r",
        "a1|z",
        "a1|a|signature",
        "a1|r|extra",
        "a1|c|s1.address",
        "a1|c|s1.address|YES",
        "a1|c|../etc|yes",
        "a1|j|" + "x" * 70,
        "a1|c|s1.address|yes|more",
    ],
)
def test_codec_refuses_malformed_data(data: str | None) -> None:
    with pytest.raises(codec.MalformedCallback):
        codec.decode(data)


def test_review_respects_the_message_limit(questionnaire: Questionnaire) -> None:
    answers = {
        item.id: Answer(item.kind.choices[0] if item.kind.choices else "é<" * 1000, "n&" * 1000)
        for item in questionnaire.items
    }
    messages = [
        render.review(questionnaire, fx.ShowReview(answers, (), section=n))
        for n in range(len(questionnaire.sections))
    ]
    assert "n&amp;" * 20 in messages[0].text  # long notes are cut, not dropped

    for position, item in enumerate(questionnaire.items):
        long = Answer(item.kind.choices[0] if item.kind.choices else "x" * 2000, "x" * 2000)
        assert render.visible_length(render.question(questionnaire, position, long).text) <= 4096
        assert "x" * 100 in render.answered(questionnaire, item.id, long).text
    assert all(render.visible_length(m.text) <= 4096 for m in messages)
    numbered = [
        button.text
        for message in messages
        if message.keyboard is not None
        for row in message.keyboard.inline_keyboard
        for button in row
        if button.text.startswith("✎")
    ]
    assert len(numbered) == len(questionnaire.items)
    assert "&lt;" in messages[-2].text  # typed text is escaped


def test_token_filter_masks_messages_args_and_tracebacks() -> None:
    token = "42:secret-token"
    token_filter = TokenFilter(token)
    try:
        raise RuntimeError(f"failed https://x/bot{token}/getMe")
    except RuntimeError:
        record = logging.LogRecord(
            "httpx", logging.INFO, __file__, 1, "GET %s", (f"/bot{token}/x",), sys.exc_info()
        )
    token_filter.filter(record)
    assert token not in record.getMessage()
    assert record.exc_text is not None and token not in record.exc_text
    assert "<TOKEN>" in record.getMessage()


def test_run_without_a_token_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("AUDITBOT_DB", f"{tmp_path}/x.db")
    result = CliRunner().invoke(cli.app, ["run"])
    assert result.exit_code == 1
    assert "No channel is set up" in result.output and "TELEGRAM_BOT_TOKEN" in result.output


def test_submit_confirmation_fits_one_message_however_many_are_unanswered() -> None:
    unanswered = [(n, "A long question text " * 10) for n in range(1, 301)]
    # with the longest sign-off and attestation a questionnaire may have
    longest = "x" * MAX_SIGNER
    effect = fx.AskConfirm((), longest, longest)
    text = render.html(
        "ask_confirm", effect=effect, unanswered=unanswered, total=300, attestation="y" * 1000
    )
    assert render.visible_length(text) <= render.MAX_TEXT
    assert "and 280 more" in text
    assert longest in text


def test_the_differs_note_offer_can_go_back_and_free_text_says_its_limit(
    questionnaire: Questionnaire,
) -> None:
    statement = questionnaire.item("s7.paper_seven_years")
    offer = render.offer_note(questionnaire, statement.id, Answer("differs"))
    labels = (
        [b.text for row in offer.keyboard.inline_keyboard for b in row] if offer.keyboard else []
    )
    assert "◀ Back" in labels and "Next ➜" in labels
    free = questionnaire.position("s1.other")
    assert free is not None
    assert "2,000 characters" in render.question(questionnaire, free, None).text
