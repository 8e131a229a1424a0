"""Callback data comes from anyone: decoding any text refuses cleanly, never crashes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.telegram import callback_codec as codec
from bot.flows import events as ev
from bot.reminders import SnoozeChoice

SETTINGS = settings(max_examples=500, deadline=None)

question_ids = st.from_regex(
    r"[a-z0-9][a-z0-9_.-]{0,40}", fullmatch=True, alphabet=st.characters(max_codepoint=127)
)
values = st.from_regex(r"[a-z]{1,12}", fullmatch=True, alphabet=st.characters(max_codepoint=127))
buttons: st.SearchStrategy[ev.Event] = st.one_of(
    st.builds(ev.Choose, question_ids, values, st.booleans()),
    st.builds(ev.Place, question_ids, st.sampled_from(list(ev.Use))),
    st.builds(ev.Keep, question_ids),
    st.builds(ev.Next, question_ids),
    st.builds(ev.Skip, question_ids),
    st.builds(ev.Back, question_ids),
    st.builds(ev.Jump, question_ids),
    st.sampled_from([ev.Review(), ev.Submit(), ev.Confirm(), ev.CancelSubmit(), ev.Start()]),
    st.builds(ev.Sign, st.sampled_from(list(ev.SignerPart))),
)
# anything at all, including lone surrogates, plus near-misses of both formats
tricky = st.sampled_from(["\n", "²", "٣", "１", "\x00", "\ud800", "|", "a1", "z1", "é"])
any_text = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=80),  # surrogates too
    st.lists(st.one_of(tricky, st.text(max_size=6)), max_size=6).map("|".join),
    st.tuples(st.sampled_from(["a1|c|q1|yes", "a1|r", "z1|d|3", "z1|w|12"]), tricky).map("".join),
)


@SETTINGS
@given(any_text)
def test_decoding_any_text_raises_only_malformed_callback(data: str) -> None:
    try:
        event = codec.decode(data)
    except codec.MalformedCallback:
        pass
    else:  # what decodes is exactly what we would have made
        assert data.isascii() and codec.encode(event) == data
    snooze = codec.decode_snooze(data)
    if snooze is not None:
        assert data.isascii() and data.split("|")[2] == str(snooze[0])


@SETTINGS
@given(buttons)
def test_every_button_round_trips(event: ev.Event) -> None:
    data = codec.encode(event)
    assert len(data.encode()) <= codec.MAX_BYTES
    assert codec.decode(data) == event


@SETTINGS
@given(st.integers(0, 10**18 - 1), st.sampled_from(list(SnoozeChoice)))
def test_every_snooze_button_round_trips(round_id: int, choice: SnoozeChoice) -> None:
    data = codec.encode_snooze(round_id, choice.value)
    assert codec.decode_snooze(data) == (round_id, choice.value)


@pytest.mark.parametrize(
    "data", ["z1|d|²", "z1|d|٣", "z1|d|3\n", "z1|d|1" + "0" * 40, "z1|d|\ud800", "z1|d|３"]
)
def test_snooze_data_takes_ascii_digits_only(data: str) -> None:
    assert codec.decode_snooze(data) is None


@pytest.mark.parametrize(
    "data", ["a1|r\n", "a1|j|s1.address\n", "a1|c|s1.address|yes\n", "a1|j|\ud800", "a1|j|ａ"]
)
def test_buttons_refuse_trailing_newlines_and_non_ascii(data: str) -> None:
    with pytest.raises(codec.MalformedCallback):
        codec.decode(data)
