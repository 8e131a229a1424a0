"""The summary's numbers and points to look at, checked against what storage holds."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from bot.questionnaire import QuestionnaireError, parse_questionnaire
from bot.round_setup import close_round
from bot.summary.context import Wording
from bot.summary.load import NoRoundError, load_summary
from bot.summary.model import Reason, RoundState
from storage import Database, partnerships, responses
from storage import reminders as reminder_store
from storage.records import Status
from tests.reports.conftest import (
    AMENDED_NOTE,
    DIFFERS_NOTE,
    HTML_NOTE,
    OTHER_ORGS,
    TERMLY_NOTE,
    Filled,
)


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
    assert north.answered_by == ("Alice Archer", "Bob Baker")
    assert north.submitted_by == "Bob Baker"
    assert north.submitted_at is not None and north.amended_at == filled.seeded.clock()
    assert south.started_at is not None and east.started_at is None
    assert [summary.count(s) for s in Status] == [1, 1, 1]


async def test_questions_are_numbered_as_in_the_chat_with_their_section(filled: Filled) -> None:
    summary = await filled.summary()
    q = filled.questionnaire
    assert [x.number for x in summary.questions] == list(range(1, len(q.items) + 1))
    for question in summary.questions:
        position = q.position(question.item.id)
        assert position is not None and question.number == position + 1
        assert question.section_number == q.section_number(position)
    paper = next(x for x in summary.questions if x.item.id == "s7.paper_seven_years")
    assert (paper.number, paper.section_number) == (42, 7)
    assert [(s.number, s.first, s.last) for s in summary.sections][-2:] == [
        (6, 36, 40),
        (7, 41, 44),
    ]


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
    east, north, south = address.cells
    assert (north.note, north.stands_out) == (HTML_NOTE, False)
    assert (south.note, south.stands_out) == (None, True)
    assert not east.answered and not east.stands_out


async def test_sections_split_what_every_partnership_answered(filled: Filled) -> None:
    summary = await filled.summary()
    splits = {s.number: s.split() for s in summary.sections}
    # section 1: 11 ticks × 3 partnerships; North said No twice (GP, attendance), South once
    assert splits[1] == (("yes", 10), ("no", 3), (None, 20))
    assert splits[7] == (("true", 2), ("differs", 1), (None, 6))
    # section 6 is free text only: South wrote one answer, North had nothing to add to five
    assert splits[6] == (("answered", 1), ("", 5), (None, 9))
    for section in summary.sections:
        questions = len(section.section.items) if not section.tallies else len(section.tallies)
        assert sum(n for _, n in section.split()) == questions * 3


async def test_free_text_answers_name_who_has_not_answered(filled: Filled) -> None:
    summary = await filled.summary()
    written = {x.question.item.id: x for x in summary.written}
    assert written["s6.referral"].missing == ("East Partnership",)
    assert written["s2.other"].missing == ("East Partnership", "South Partnership")
    assert (written["s2.other"].wrote, written["s2.other"].nothing_to_add) == (1, 0)
    assert written["s3.other"].missing == ("East Partnership",)
    assert written["s3.other"].nothing_to_add == 2


async def test_amendments_say_what_changed_from_what_by_whom_and_when(filled: Filled) -> None:
    summary = await filled.summary()
    north = next(p for p in summary.partnerships if p.name == "North Partnership")
    attendance, progress = summary.amendments
    assert attendance.question.item.id == "s1.attendance" and attendance.question.number == 7
    assert attendance.before is not None
    assert (attendance.before.value, attendance.before.note) == ("yes", None)
    assert (attendance.after.value, attendance.after.note) == ("no", AMENDED_NOTE)
    assert attendance.after.contact_name == "Alice Archer"
    assert attendance.value_changed and attendance.note_changed
    assert north.submitted_at is not None
    assert attendance.after.answered_at == north.submitted_at + timedelta(days=1, hours=1)
    assert progress.question.number == 8 and progress.after.contact_name == "Bob Baker"
    assert not progress.value_changed and progress.note_changed
    assert progress.after.note == TERMLY_NOTE
    assert north.amended("s1.attendance") and not north.amended("s1.address")
    # South never submitted: its answers are not amendments, however often they change
    assert all(a.partnership == "North Partnership" for a in summary.amendments)
    w = Wording(summary)
    assert w.version(attendance, attendance.before) == "Yes"
    assert w.version(attendance, attendance.after) == f"No (note: “{AMENDED_NOTE}”)"


async def test_the_timeline_counts_each_day_from_the_opening(filled: Filled) -> None:
    filled.seeded.clock.advance(days=2)
    summary = await filled.summary()
    assert [d.day for d in summary.timeline] == [
        date(2026, 11, 2) + timedelta(days=n) for n in range(4)
    ]
    first = summary.timeline[0]
    assert (first.submitted, first.in_progress, first.not_started) == (1, 1, 1)


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
    (amended,) = by_id["s1.attendance"]
    assert amended.amended and amended.text == AMENDED_NOTE
    assert "s2.other" not in {c.question.item.id for c in summary.notes}  # an answer, not a note


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
    filled.seeded.clock.advance(days=24)
    summary = await filled.summary()
    assert summary.days_left == 3
    assert summary.attention[0].reason is Reason.NOT_STARTED
    assert summary.attention[0].partnership == "East Partnership"
    later = await load_summary(filled.seeded.db, filled.seeded.clock(), warning_days=2)
    assert all(a.reason is Reason.FLAGGED for a in later.attention)


@pytest.mark.parametrize(
    ("days", "state", "deadline", "point"),
    [
        (24, RoundState.OPEN, "(in 3 days)", "Has not started, and the deadline is in 3 days."),
        (26, RoundState.OPEN, "(tomorrow)", "Has not started, and the deadline is tomorrow."),
        (27, RoundState.DUE_TODAY, "(today)", "Has not started, and the deadline is today."),
        (28, RoundState.OVERDUE, "(passed yesterday)", "the deadline passed yesterday."),
        (36, RoundState.OVERDUE, "(passed 9 days ago)", "the deadline passed 9 days ago."),
    ],
)
async def test_wording_follows_the_round_before_on_and_after_the_deadline(
    filled: Filled, days: int, state: RoundState, deadline: str, point: str
) -> None:
    filled.seeded.clock.advance(days=days)
    summary = await filled.summary()
    w = Wording(summary)
    assert summary.state is state
    assert w.deadline() == f"Deadline 30 November 2026 {deadline}"
    (east,) = [a for a in summary.attention if a.partnership == "East Partnership"]
    assert w.attention(east).endswith(point)
    assert "close" not in w.attention(east)
    south = [a.reason for a in summary.attention if a.partnership == "South Partnership"]
    assert south == ([] if state is RoundState.OPEN else [Reason.NOT_SUBMITTED])


async def test_a_closed_round_says_so_and_not_how_far_the_deadline_is(filled: Filled) -> None:
    seeded = filled.seeded
    seeded.clock.advance(days=40)
    await close_round(seeded.db, seeded.clock())
    summary = await load_summary(seeded.db, seeded.clock() + timedelta(days=100))
    w = Wording(summary)
    assert summary.state is RoundState.CLOSED
    assert w.deadline() == "Deadline 30 November 2026"
    (east,) = [a for a in summary.attention if a.partnership == "East Partnership"]
    assert w.attention(east) == (
        "Never started: the round closed 13 Dec 2026 12:30 without an answer from this partnership."
    )
    assert w.round_dates().endswith(" · Deadline 30 November 2026 · Closed 13 Dec 2026 12:30")
    (south,) = [a for a in summary.attention if a.partnership == "South Partnership"]
    assert w.attention(south) == "Did not submit before the round closed (4 of 44 answered)."


async def test_each_partnership_is_a_point_to_follow_up_once(filled: Filled) -> None:
    """Nine days after the deadline East has not started, its reminders stopped, and its
    only contact cannot be reached: one point, saying all three."""
    seeded = filled.seeded
    seeded.clock.advance(days=36)
    east = seeded.contacts["dan"]
    async with seeded.db.transaction() as conn:
        await reminder_store.add_flag(
            conn, seeded.round.id, east.partnership_id, 5, seeded.clock() - timedelta(days=2)
        )
        await partnerships.link_address(conn, east.id, "telegram", "1004", "1004", seeded.clock())
        await partnerships.mark_unreachable(conn, "telegram", "1004", seeded.clock())
    summary = await filled.summary()
    follow_up = [a for a in summary.attention if a.reason is not Reason.FLAGGED]
    assert [a.partnership for a in follow_up] == ["East Partnership", "South Partnership"]
    point, south = follow_up
    assert point.reasons == (Reason.NOT_STARTED, Reason.NO_PROGRESS, Reason.UNREACHABLE)
    assert Wording(summary).attention(point) == (
        "Has not started, and the deadline passed 9 days ago."
        " Reminders stopped on 07 Dec 2026 12:30 after 5 without any progress."
        " Dan <Dee> & Co cannot be reached any more"
        " (the last way to reach them failed 09 Dec 2026 12:30)."
    )
    assert Wording(summary).attention(south) == (
        "Has not submitted (4 of 44 answered), and the deadline passed 9 days ago."
    )


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
