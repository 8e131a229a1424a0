"""The summary's numbers and points to look at, checked against what storage holds."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.questionnaire import QuestionnaireError, parse_questionnaire
from bot.summary.load import NoRoundError, load_summary
from bot.summary.model import Reason
from storage import Database, responses
from storage.records import Status
from tests.reports.conftest import DIFFERS_NOTE, HTML_NOTE, OTHER_ORGS, Filled


async def test_progress_matches_stored_responses(filled: Filled) -> None:
    summary = await filled.summary()
    by_name = {p.name: p for p in summary.partnerships}
    assert [p.name for p in summary.partnerships] == [
        "East Partnership",
        "North Partnership",
        "South Partnership",
    ]
    total = len(filled.questionnaire.items)
    north, south, east = (by_name[f"{n} Partnership"] for n in ("North", "South", "East"))
    assert (north.status, north.answered, north.total) == (Status.SUBMITTED, total, total)
    assert (south.status, south.answered) == (Status.IN_PROGRESS, 4)
    assert (east.status, east.answered, east.last_activity_at) == (Status.NOT_STARTED, 0, None)
    assert north.contacts == ("Alice Archer", "Bob Baker")
    assert north.submitted_at is not None
    assert south.last_activity_at == filled.seeded.clock()
    assert [summary.count(s) for s in Status] == [1, 1, 1]


async def test_every_tally_counts_the_stored_values(filled: Filled) -> None:
    summary = await filled.summary()
    async with filled.seeded.db.read() as conn:
        stored = [
            await responses.answers(conn, r.id)
            for r in await responses.responses_in_round(conn, summary.round.id)
        ]
    assert len(summary.tallies) == sum(1 for i in filled.questionnaire.items if i.kind.choices)
    for tally in summary.tallies:
        item = tally.question.item
        values = Counter(a[item.id].value for a in stored if item.id in a)
        assert dict(tally.counts) == {c: values[c] for c in item.kind.choices}
        assert tally.unanswered == len(stored) - sum(values[c] for c in item.kind.choices)
    address = next(t for t in summary.tallies if t.question.item.id == "s1.address")
    assert address.values == (
        ("East Partnership", None),
        ("North Partnership", "yes"),
        ("South Partnership", "no"),
    )
    assert address.names("yes") == ("North Partnership",)
    assert address.names(None) == ("East Partnership",)


async def test_notes_and_free_text_are_collated_with_the_partnership(filled: Filled) -> None:
    summary = await filled.summary()
    by_id = {c.question.item.id: c.comments for c in summary.comments}
    (note,) = by_id["s1.address"]
    assert (note.partnership, note.text, note.is_answer, note.value) == (
        "North Partnership",
        HTML_NOTE,
        False,
        "yes",
    )
    assert note.answered_by == "Bob Baker"
    (other,) = by_id["s2.other"]
    assert (other.text, other.is_answer) == (OTHER_ORGS, True)
    assert "s3.other" not in by_id  # "nothing to add" is not a comment
    assert [c.partnership for c in by_id["s6.referral"]] == ["South Partnership"]


async def test_attention_follows_flag_when(filled: Filled) -> None:
    summary = await filled.summary()
    points = [
        (a.reason, a.partnership, a.question and a.question.item.id) for a in summary.attention
    ]
    assert points == [
        (Reason.FLAGGED, "North Partnership", "s2.other"),
        (Reason.FLAGGED, "North Partnership", "s7.paper_seven_years"),
    ]
    differs = summary.attention[1]
    assert differs.answer is not None and differs.answer.note == DIFFERS_NOTE


async def test_not_started_is_pointed_out_near_the_deadline(filled: Filled) -> None:
    filled.seeded.clock.advance(days=25)
    summary = await filled.summary()
    assert summary.days_left == 3
    assert summary.attention[0].reason is Reason.NOT_STARTED
    assert summary.attention[0].partnership == "East Partnership"
    later = await load_summary(filled.seeded.db, filled.seeded.clock(), warning_days=2)
    assert all(a.reason is Reason.FLAGGED for a in later.attention)


async def test_no_round_yet(db: Database) -> None:
    from tests.conftest import NOW

    with pytest.raises(NoRoundError) as caught:
        await load_summary(db, NOW)
    assert caught.value.round_id is None
    with pytest.raises(NoRoundError):
        await load_summary(db, NOW, round_id=7)


def test_flag_when_must_name_an_answer_of_the_kind() -> None:
    source = (
        "title: T\nsections:\n  - id: s\n    heading: H\n    items:\n"
        "      - {id: a, kind: statement, text: X, flag_when: [yes]}\n"
    )
    with pytest.raises(QuestionnaireError, match=r"line 6: .*flag_when.*true, differs"):
        parse_questionnaire(source.replace("[yes]", "[maybe]"))
    ok = parse_questionnaire(source.replace("[yes]", "[differs]"))
    assert ok.items[0].flags("differs") and not ok.items[0].flags("true")
    text = parse_questionnaire(source.replace("statement", "text").replace("[yes]", "[answered]"))
    assert text.items[0].flags("Police") and not text.items[0].flags("")
    assert not text.items[0].flags(None)
    tick = parse_questionnaire(source.replace("statement", "tick").replace("[yes]", "[no, yes]"))
    assert tick.items[0].flag_when == ("no", "yes")  # unquoted YAML booleans mean the choice
