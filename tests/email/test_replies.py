"""Reading email replies into answers: a table of real-looking replies, hostile input, and
properties over generated replies (hypothesis)."""

from __future__ import annotations

import time
from dataclasses import replace
from importlib import resources

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.channels.email.replies import (
    END_OF_QUESTIONS,
    MAX_BODY,
    Command,
    ParsedReply,
    QuestionRef,
    parse_reply,
    parse_with_texts,
)
from bot.flows import effects as fx
from bot.flows.state import NOTHING_TO_ADD
from bot.texts import texts
from storage.records import Answer
from tests.email.reply_samples import (
    GMAIL_ON,
    OUTLOOK_FROM,
    QUESTIONNAIRE,
    SAMPLES,
    Sample,
    inline,
    number_of,
    quote,
    section_email,
)

QUESTIONS = tuple(
    QuestionRef(n, item.id, item.kind.value, item.kind.choices, item.text)
    for n, item in enumerate(QUESTIONNAIRE.items, start=1)
)
BY_NUMBER = {q.number: q for q in QUESTIONS}
EXTRA_YES = ["x", "tick"]
"""Tick words the parser is tested with that templates/strings.yaml should also list."""
VOCABULARY = {
    kind: {
        value: [*words, *(EXTRA_YES if (kind, value) == ("tick", "yes") else [])]
        for value, words in values.items()
    }
    for kind, values in texts().vocabulary.items()
}
NOTHING_WORDS: list[str] = texts().strings["typed"]["nothing"]
KEYWORDS = {Command(name): words for name, words in texts().strings["email"]["keywords"].items()}


def parse(body: str) -> ParsedReply:
    return parse_reply(body, QUESTIONS, VOCABULARY, NOTHING_WORDS, KEYWORDS)


def read(parsed: ParsedReply) -> list[tuple[int, str | None, str | None]]:
    return [(a.number, a.value, a.note) for a in parsed.answers]


# --- The table -------------------------------------------------------------------------------


def test_the_table_is_big_enough() -> None:
    assert len(SAMPLES) >= 50
    assert len({s.name for s in SAMPLES}) == len(SAMPLES)
    assert len(QUESTIONS) == 44


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_sample(sample: Sample) -> None:
    parsed = parse(sample.body)
    assert read(parsed) == list(sample.answers)
    assert list(parsed.commands) == list(sample.commands)
    assert list(parsed.unreadable) == list(sample.unreadable)
    for answer in parsed.answers:
        assert answer.question_id == BY_NUMBER[answer.number].question_id


def test_the_line_is_what_the_person_wrote() -> None:
    parsed = parse(
        f"2 no - only for pupils on roll\n36 We check the forms\nand phone the school\n\n"
        f"{OUTLOOK_FROM}\n\n" + inline(section_email(1), {3: "Yes\nwork emails only"})
    )
    assert [a.line for a in parsed.answers] == [
        "2 no - only for pupils on roll",
        "36 We check the forms\nand phone the school",
        "Yes\nwork emails only",
    ]


def test_the_end_line_is_the_one_the_emails_write() -> None:
    ask = resources.files("templates").joinpath("email/ask.txt.j2").read_text("utf-8")
    assert END_OF_QUESTIONS in ask.splitlines()
    assert END_OF_QUESTIONS in section_email(1).splitlines()


@pytest.mark.parametrize(
    ("quoted", "width"),
    [(False, None), (True, None), (True, 72), (False, 60)],
    ids=["outlook", "gmail", "thunderbird", "outlook wrapped"],
)
def test_the_real_question_email_answered_inline(quoted: bool, width: int | None) -> None:
    """The email as templates/email/ask.txt.j2 writes it, with answers already given (a
    stored answer shown in a hint may run over lines and hold parentheses) and last year's
    answers shown in the hints of a carry-forward round."""
    stored = {
        "s2.schools": Answer("yes"),
        "s2.other": Answer("We share with\nthe police (sometimes"),
    }
    carried = {
        "s2.partnerships_la": fx.Carried("no", "only (some) cases (see the\nprotocol"),
        "s2.agencies": fx.Carried("yes", "x" * 300, unchanged=False),
    }
    position = number_of("s2.partnerships_la") - 1
    email = texts().render(
        "email/ask.txt.j2",
        effect=fx.Ask("s2.partnerships_la", position, None),
        q=QUESTIONNAIRE,
        answers=stored,
        carried=carried,
        queries={"s2.agencies": "Which (agencies) exactly?\nPlease list them."},
        keyword=str.upper,
    )
    assert "(the local authority asks: Which [agencies] exactly? Please list them.; " in email
    assert "(last year: No - only [some] cases [see the protocol; same, or yes / no)" in email
    typed = {13: "no - only the LA", 14: "No", 17: "yes"}
    body = f"18 nothing\n\nThanks\nJane\n\n{GMAIL_ON if quoted else OUTLOOK_FROM}\n\n" + inline(
        email, typed, quoted=quoted, width=width
    )
    parsed = parse(body)
    assert read(parsed) == [
        (18, NOTHING_TO_ADD, None),
        (13, "no", "only the LA"),
        (14, "no", None),
        (17, "yes", None),
    ]
    assert parsed.unreadable == ()


def test_nothing_words_count_for_free_text_only() -> None:
    assert read(parse("12 none\n1 none")) == [(12, NOTHING_TO_ADD, None)]
    assert parse("1 none").unreadable == ("1 none",)


def test_a_tick_question_with_only_a_note_is_unreadable() -> None:
    parsed = parse("4 - see attached\n4 see attached")
    assert parsed.answers == ()
    assert parsed.unreadable == ("4 - see attached", "4 see attached")


def test_words_missing_from_the_vocabulary_are_not_guessed() -> None:
    without_x = {
        kind: {v: [w for w in ws if w not in EXTRA_YES] for v, ws in values.items()}
        for kind, values in VOCABULARY.items()
    }
    parsed = parse_reply("1 x\n2 yes", QUESTIONS, without_x, NOTHING_WORDS, KEYWORDS)
    assert read(parsed) == [(2, "yes", None)]
    assert parsed.unreadable == ("1 x",)


@pytest.mark.parametrize("quoted", [True, False], ids=["gmail", "outlook"])
def test_under_a_question_this_audit_lacks_nothing_is_guessed(quoted: bool) -> None:
    few = QUESTIONS[:3]
    body = f"{GMAIL_ON if quoted else OUTLOOK_FROM}\n\n" + inline(
        section_email(1), {1: "yes", 5: "no"}, quoted=quoted
    )
    parsed = parse_reply(body, few, VOCABULARY, NOTHING_WORDS, KEYWORDS)
    assert read(parsed) == [(1, "yes", None)]
    assert parsed.unreadable == ("no",)


def test_with_the_templates_words() -> None:
    parsed = parse_with_texts("1 yes\n12 none\n41 true for us\nreview", QUESTIONS)
    assert read(parsed) == [(1, "yes", None), (12, NOTHING_TO_ADD, None), (41, "true", None)]
    assert parsed.commands == (Command.REVIEW,)


def test_last_years_answers_are_confirmed_by_number_or_by_section() -> None:
    """A carry-forward round: "same" confirms one question's answer (with a note after it),
    "section 2 same" a whole section; on a free-text question without last year's answer,
    "same" is its text."""
    carried = tuple(replace(q, carried=q.number != 12) for q in QUESTIONS)
    body = (
        "1 same\n2 still true - and on the MIS\n12 same\n13 same\n"
        "Section 2 same\nS3: no change\nsection 4 same - but see below\n5 same, 6 no"
    )
    parsed = parse_with_texts(body, carried)
    found = [(a.number, a.value, a.note, a.still_true) for a in parsed.answers]
    assert found == [
        (1, None, None, True),
        (2, None, "and on the MIS", True),
        (12, "same", None, False),
        (13, None, None, True),
    ]
    assert parsed.same_sections == (2, 3)
    assert parsed.unreadable == ("section 4 same - but see below", "5 same, 6 no")
    # in a round without last year's answers, "same" is not a word the bot knows
    assert parse_with_texts("3 same", QUESTIONS).unreadable == ("3 same",)


# --- Hostile input ---------------------------------------------------------------------------

HOSTILE = {
    "huge": ("1 yes\n" + "x" * 80 + "\n") * 60_000,
    "one huge line": "On " * 300_000,
    "wrote lines": ("On " * 60 + "wrote:\n") * 5_000,
    "blank runs": "On\n" * 2_000 + "\n" * 200_000 + "Thanks\n",
    "header lines": "From: x\nSent: y\n" * 20_000,
    "pleasantry punctuation": ("hi" + ".-" * 39 + "1\n") * 5_000,
    "disclaimer words": ("Warning: " + "mail " * 150 + "\n") * 200,
    "question lines": ("1. Address  (yes / no" + "(" * 500 + "\n") * 500,
    "quotes": ">" * 500_000,
    "numbers": "1" * 400_000,
}


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_is_read_quickly(body: str) -> None:
    started = time.monotonic()
    parsed = parse(body)
    assert time.monotonic() - started < 5
    assert isinstance(parsed, ParsedReply)


def test_only_the_start_of_a_huge_reply_is_read() -> None:
    body = "1 yes\n" + ("z" * 99 + "\n") * (MAX_BODY // 100) + "2 yes\n"
    parsed = parse(body)
    assert [a.number for a in parsed.answers] == [1]


# --- Properties -------------------------------------------------------------------------------

SNIPPETS = [
    "1 yes",
    "2 no - note",
    "12: nothing",
    "Q7 yes",
    "#3 y",
    "99 yes",
    "4 n/a",
    "submit",
    "Kind regards",
    "Thanks,",
    "-- ",
    "--",
    "Sent from my iPhone",
    GMAIL_ON,
    OUTLOOK_FROM,
    "-----Original Message-----",
    END_OF_QUESTIONS,
    "> " + END_OF_QUESTIONS,
    "1. Address  (yes / no)",
    "> 1. Address  (yes / no)",
    "> 12. Are there any other types",
    "(yes / no)",
    "> ",
    ">",
    "",
    "\u200f",
    "\u00a0",
    "\t",
    "\x00",
    "<br>",
    "&nbsp;",
    "👍",
    "12. Are there any other types of information you hold about individual YP and their",
    "families?  (your words",
    "or nothing)",
    "CAUTION: this email came from outside",
]


@st.composite
def mail_like(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.one_of(st.sampled_from(SNIPPETS), st.text(max_size=30)), max_size=40))
    seps = draw(
        st.lists(
            st.sampled_from(["\n", "\r\n", "\r", " ", "\u2028"]),
            min_size=len(parts),
            max_size=len(parts),
        )
    )
    return "".join(p + s for p, s in zip(parts, seps, strict=True))


def check_invariants(parsed: ParsedReply) -> None:
    numbers = [a.number for a in parsed.answers]
    assert len(numbers) == len(set(numbers))
    for answer in parsed.answers:
        question = BY_NUMBER[answer.number]
        assert answer.question_id == question.question_id
        assert answer.value is not None
        if question.choices:
            assert answer.value in question.choices
        else:
            assert answer.value.strip() == answer.value != ""
        assert answer.note is None or answer.note.strip() != ""
        assert answer.line.strip() == answer.line != ""
    assert len(set(parsed.commands)) == len(parsed.commands)
    assert all(isinstance(c, Command) for c in parsed.commands)
    for line in parsed.unreadable:
        assert line.strip() == line != ""


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(), mail_like()))
def test_no_input_crashes_and_every_answer_is_valid(body: str) -> None:
    check_invariants(parse(body))


# Answers built at random, then written as a person would.

NOTE = st.text(alphabet=st.characters(categories=["L", "N", "Zs", "P", "So"]), max_size=40).map(
    lambda s: ("only " + s).strip()
)
"""Starts with a word, so that a note on its own line is not a greeting, a command or a
numbered answer of its own."""
WORDS = st.text(
    alphabet=st.characters(categories=["L", "N"]) | st.sampled_from(" ,.'!?()&/😀"), max_size=60
)
FREE = WORDS.map(lambda s: ("We " + s).strip())


@st.composite
def answer_for(draw: st.DrawFn, question: QuestionRef) -> tuple[str, str | None, str]:
    """(value, note, what is typed) for `question`."""
    if not question.choices:
        value = draw(FREE)
        return value, None, value
    value = draw(st.sampled_from(question.choices))
    word = draw(st.sampled_from([value, *VOCABULARY[question.kind][value]]))
    word = draw(st.sampled_from([word, word.upper(), word.lower(), word.title()]))
    note = draw(st.none() | NOTE)
    if note is None:
        return value, None, word
    sep = draw(st.sampled_from([" - ", ": ", ", ", " – ", "\n"]))
    return value, note, f"{word}{sep}{note}"


FORMS = [
    "{n} {a}",
    "{n}: {a}",
    "Q{n} {a}",
    "{n}) {a}",
    "#{n} {a}",
    "{n}. {a}",
    "{n} - {a}",
    "  {n}   {a}",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_numbered_answers_round_trip(data: st.DataObject) -> None:
    chosen = data.draw(
        st.lists(st.sampled_from(QUESTIONS), unique_by=lambda q: q.number, max_size=12)
    )
    expected, lines = [], []
    for question in chosen:
        value, note, typed = data.draw(answer_for(question))
        form = data.draw(st.sampled_from(FORMS))
        lines.append(form.format(n=question.number, a=typed))
        expected.append((question.number, value, note))
    greeting = data.draw(st.sampled_from(["", "Hi,\n\n", "Hello Audit team,\n"]))
    sign_off = data.draw(
        st.sampled_from(["", "\n\nThanks\nJane", "\nKind regards,\nJane Smith\n0116 305 0000"])
    )
    history = data.draw(
        st.sampled_from(
            [
                "",
                f"\n\n{GMAIL_ON}\n" + quote(section_email(1)),
                f"\n\n{OUTLOOK_FROM}\n\n" + section_email(2),
            ]
        )
    )
    newline = data.draw(st.sampled_from(["\n", "\r\n"]))
    body = (greeting + "\n".join(lines) + sign_off + history).replace("\n", newline)
    parsed = parse(body)
    assert read(parsed) == expected
    assert parsed.unreadable == ()
    check_invariants(parsed)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_inline_answers_round_trip(data: st.DataObject) -> None:
    section = data.draw(st.integers(1, len(QUESTIONNAIRE.sections)))
    in_section = [q for q in QUESTIONS if QUESTIONNAIRE.section_number(q.number - 1) == section]
    chosen = data.draw(st.lists(st.sampled_from(in_section), unique_by=lambda q: q.number))
    typed: dict[int, str] = {}
    expected = []
    for question in sorted(chosen, key=lambda q: q.number):
        value, note, text = data.draw(answer_for(question))
        typed[question.number] = text
        expected.append((question.number, value, note))
    quoted = data.draw(st.booleans())
    width = data.draw(st.none() | st.integers(40, 100))
    header = GMAIL_ON if quoted else OUTLOOK_FROM
    body = f"{header}\n\n" + inline(section_email(section), typed, quoted=quoted, width=width)
    parsed = parse(body)
    assert read(parsed) == expected
    assert parsed.unreadable == ()
    check_invariants(parsed)
