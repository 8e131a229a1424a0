"""The rhythm of the conversation (issue 10): one tap per tick, a note one tap away that
brings the person back where they were, progress that counts answers, "skipped" only for a
skip, a review that opens at the right section, and a kind answer after submission."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.flows import effects as fx
from bot.flows import events as ev
from bot.flows.audit import decide
from bot.flows.state import NOTHING_TO_ADD, Context, FlowState, Mode
from bot.questionnaire import Item, Kind, Questionnaire
from bot.texts import texts
from storage.records import Answer, AnswerChange
from tests.flows.conversation import TOTAL, Conversation, all_answered, only_review, quiet

MOST_ACTIONS = 50
"""Issue 10: the whole audit in at most 50 actions when answering without notes."""


@pytest.fixture
def conv(questionnaire: Questionnaire) -> Conversation:
    return Conversation(questionnaire)


def _tap(item: Item) -> str:
    """The one button that answers `item` without asking anything more."""
    return item.kind.choices[0] if item.kind.choices else NOTHING_TO_ADD


def _stored(item: Item) -> str:
    return item.kind.choices[0] if item.kind.choices else ""


# -- 1. one tap per tick -----------------------------------------------------------------


def test_the_whole_audit_answered_by_taps_takes_one_event_per_question(
    conv: Conversation,
) -> None:
    events = 1
    conv.send(ev.Start())
    for position, item in enumerate(conv.q.items):
        d = conv.send(ev.Choose(item.id, _tap(item)))
        events += 1
        assert d.changes == (AnswerChange(item.id, _stored(item), None),)
        recorded, then = d.effects
        assert recorded == fx.Recorded(item.id, Answer(_stored(item)))
        if position + 1 < TOTAL:
            following = conv.q.items[position + 1]
            assert then == fx.Ask(following.id, position + 1, None, answered=position + 1)
        else:
            assert isinstance(then, fx.ShowReview)
            assert then.at_end is True
            assert then.unanswered == ()
    assert conv.answers == all_answered(conv.q)
    conv.send(ev.Submit())
    d = conv.send(ev.Confirm())
    events += 2
    assert d.submit is True
    assert events == TOTAL + 3
    assert events <= MOST_ACTIONS


def test_a_walk_with_typed_answers_and_differs_asks_each_question_once(conv: Conversation) -> None:
    conv.send(ev.Start())
    asked: list[str] = []
    for item in conv.q.items:
        if item.kind.is_free_text:
            d = conv.send(ev.Text(f"What we do about {item.id}"))
        else:
            d = conv.send(ev.Choose(item.id, item.kind.choices[-1]))
            if item.kind is Kind.STATEMENT:  # "our practice differs" asks how
                assert d.effects[-1] == fx.OfferNote(item.id, Answer("differs"))
                d = conv.send(ev.Text("We keep them longer"))
        asked += [e.question_id for e in d.effects if isinstance(e, fx.Ask)]
    assert asked == [item.id for item in conv.q.items[1:]]
    assert conv.state.mode is Mode.REVIEW
    assert conv.answers["s7.paper_seven_years"] == Answer("differs", "We keep them longer")


@pytest.mark.parametrize(("question_id", "value"), [("s1.gp", "no"), ("s7.other", "nothing")])
def test_no_tap_but_differs_offers_a_note(conv: Conversation, question_id: str, value: str) -> None:
    conv.state = conv.at(question_id)
    d = conv.send(ev.Choose(question_id, value))
    assert not any(isinstance(e, fx.OfferNote) for e in d.effects)
    assert conv.state.mode is not Mode.NOTE


def test_true_moves_straight_on_and_differs_asks_how(conv: Conversation) -> None:
    conv.state = conv.at("s7.safeguarding_returned")
    d = conv.send(ev.Choose("s7.safeguarding_returned", "true"))
    assert d.effects[-1] == fx.Ask("s7.paper_seven_years", 41, None, answered=1)
    d = conv.send(ev.Choose("s7.paper_seven_years", "differs"))
    assert d.effects == (
        fx.Recorded("s7.paper_seven_years", Answer("differs")),
        fx.OfferNote("s7.paper_seven_years", Answer("differs")),
    )
    assert conv.state == FlowState(Mode.NOTE, 41, True, None, previous="s7.safeguarding_returned")


def test_next_on_the_differs_offer_keeps_the_answer_and_goes_on(conv: Conversation) -> None:
    qid = "s7.paper_seven_years"
    conv.state = conv.at(qid)
    conv.send(ev.Choose(qid, "differs"))
    d = conv.send(ev.Next(qid))
    assert d.changes == ()
    assert d.effects == (fx.Ask("s7.electronic_archive", 42, None, answered=1),)
    assert conv.answers[qid] == Answer("differs")


def test_a_typed_choice_with_a_note_records_both_and_moves_on(conv: Conversation) -> None:
    conv.send(ev.Start())
    d = conv.send(ev.Text("no - only pupils on roll"))
    assert d.changes == (AnswerChange("s1.address", "no", "only pupils on roll"),)
    assert d.effects == (
        fx.Recorded("s1.address", Answer("no", "only pupils on roll")),
        fx.Ask("s1.telephone", 1, None, answered=1),
    )
    assert conv.state.noted is True


# -- 2. a note one tap away --------------------------------------------------------------


def _at_gp_after_three_taps(conv: Conversation) -> None:
    conv.send(ev.Start())
    for qid in ("s1.address", "s1.telephone", "s1.electronic_contacts"):
        conv.send(ev.Choose(qid, "yes"))
    assert conv.state.position == 3


def test_note_opens_the_note_of_an_answered_question(conv: Conversation) -> None:
    _at_gp_after_three_taps(conv)
    d = conv.send(ev.Note("s1.telephone"))
    assert d.changes == ()
    assert d.effects == (fx.OfferNote("s1.telephone", Answer("yes")),)
    assert (d.state.mode, d.state.position) == (Mode.NOTE, 1)


def test_a_typed_note_returns_to_the_question_in_view(conv: Conversation) -> None:
    _at_gp_after_three_taps(conv)
    conv.send(ev.Note("s1.telephone"))
    d = conv.send(ev.Text("landline only"))
    assert d.changes == (AnswerChange("s1.telephone", "yes", "landline only"),)
    assert d.effects == (
        fx.Recorded("s1.telephone", Answer("yes", "landline only")),
        fx.Ask("s1.gp", 3, None, answered=3),
    )
    assert (conv.state.mode, conv.state.position, conv.state.then) == (Mode.ASKING, 3, None)


def test_next_on_an_opened_note_returns_to_the_question_in_view(conv: Conversation) -> None:
    _at_gp_after_three_taps(conv)
    conv.send(ev.Note("s1.telephone"))
    d = conv.send(ev.Next("s1.telephone"))
    assert d.changes == ()
    assert d.effects == (fx.Ask("s1.gp", 3, None, answered=3),)
    assert conv.answers["s1.telephone"] == Answer("yes")


def test_a_typed_note_replaces_the_note_it_opened(conv: Conversation) -> None:
    conv.answers["s1.address"] = Answer("yes", "on paper")
    conv.state = conv.at("s1.gp")
    d = conv.send(ev.Note("s1.address"))
    assert d.effects == (fx.OfferNote("s1.address", Answer("yes", "on paper")),)
    d = conv.send(ev.Text("on the MIS now"))
    assert d.changes == (AnswerChange("s1.address", "yes", "on the MIS now"),)


def test_a_second_tap_of_note_repeats_the_offer(conv: Conversation) -> None:
    _at_gp_after_three_taps(conv)
    first = conv.send(ev.Note("s1.telephone"))
    again = conv.send(ev.Note("s1.telephone"))
    assert again.effects == first.effects
    assert again.changes == ()
    assert again.state == first.state


def test_note_on_an_unknown_question_is_refused(conv: Conversation) -> None:
    _at_gp_after_three_taps(conv)
    before = conv.state
    d = conv.send(ev.Note("s9.nope"))
    assert d.effects == (fx.Rejected(fx.Reason.UNKNOWN_QUESTION),)
    assert d.state == before


def test_another_choice_on_the_note_question_changes_it_and_returns(conv: Conversation) -> None:
    _at_gp_after_three_taps(conv)
    conv.send(ev.Note("s1.telephone"))
    d = conv.send(ev.Choose("s1.telephone", "no"))
    assert d.changes == (AnswerChange("s1.telephone", "no", None),)
    assert d.effects == (
        fx.Recorded("s1.telephone", Answer("no")),
        fx.Ask("s1.gp", 3, None, answered=3),
    )


def test_the_same_choice_on_the_note_question_repeats_the_offer(conv: Conversation) -> None:
    _at_gp_after_three_taps(conv)
    conv.send(ev.Note("s1.telephone"))
    before = conv.state
    d = conv.send(ev.Choose("s1.telephone", "yes"))
    assert d.changes == ()
    assert d.effects == (fx.OfferNote("s1.telephone", Answer("yes")),)
    assert d.state == before


def test_tapping_the_question_in_view_while_a_note_is_open_answers_it_and_goes_on(
    conv: Conversation,
) -> None:
    _at_gp_after_three_taps(conv)
    conv.send(ev.Note("s1.telephone"))
    d = conv.send(ev.Choose("s1.gp", "no"))
    assert d.changes == (AnswerChange("s1.gp", "no", None),)
    assert d.effects == (
        fx.Recorded("s1.gp", Answer("no")),
        fx.Ask("s1.other_agencies", 4, None, answered=4),
    )
    assert conv.answers["s1.telephone"] == Answer("yes")


def test_a_note_opened_from_the_review_goes_back_to_the_review_at_its_section(
    conv: Conversation,
) -> None:
    conv.answers.update(all_answered(conv.q))
    conv.send(ev.Review(section=0))
    conv.send(ev.Note("s4.schools"))
    d = conv.send(ev.Next("s4.schools"))
    review = only_review(d)
    assert review.section == 3
    assert d.changes == ()
    assert conv.state.mode is Mode.REVIEW


def test_a_note_opened_while_answering_from_the_review_still_returns_to_the_review(
    conv: Conversation,
) -> None:
    conv.answers["s1.address"] = Answer("yes")
    conv.send(ev.Review())
    conv.send(ev.Jump("s3.schools"))
    conv.send(ev.Note("s1.address"))
    d = conv.send(ev.Text("on the MIS"))
    assert d.effects[-1] == fx.Ask("s3.schools", 19, None, answered=1, in_review=True)
    d = conv.send(ev.Choose("s3.schools", "no"))
    assert isinstance(d.effects[-1], fx.ShowReview)


def test_an_old_button_tapped_while_answering_from_the_review_still_returns_to_it(
    conv: Conversation,
) -> None:
    conv.answers["s1.address"] = Answer("yes")
    conv.send(ev.Review())
    conv.send(ev.Jump("s3.schools"))
    d = conv.send(ev.Choose("s1.address", "no"))  # a button on an old message
    assert d.effects[-1] == fx.Ask("s3.schools", 19, None, answered=1, in_review=True)


def test_a_second_note_opened_over_a_first_returns_to_the_question_in_view(
    conv: Conversation,
) -> None:
    _at_gp_after_three_taps(conv)
    conv.send(ev.Note("s1.address"))
    conv.send(ev.Note("s1.telephone"))  # changed their mind about which note
    d = conv.send(ev.Text("landline only"))
    assert d.changes == (AnswerChange("s1.telephone", "yes", "landline only"),)
    assert d.effects[-1] == fx.Ask("s1.gp", 3, None, answered=3)


def test_a_note_on_the_unanswered_question_in_view_leaves_it_in_view(
    conv: Conversation,
) -> None:
    """As with text kept and placed as a note: a note alone does not answer the question,
    so the person is not moved past it without a word."""
    conv.send(ev.Start())
    conv.send(ev.Choose("s1.address", "yes"))
    conv.send(ev.Note("s1.telephone"))
    d = conv.send(ev.Text("ask the office"))
    assert d.changes == (AnswerChange("s1.telephone", None, "ask the office"),)
    assert d.effects[-1] == fx.Ask("s1.telephone", 1, Answer(None, "ask the office"), answered=1)


# -- 3. progress counts answers; asked from the review -----------------------------------


def test_progress_after_ten_skips_counts_the_one_answer(conv: Conversation) -> None:
    conv.send(ev.Start())
    conv.send(ev.Choose("s1.address", "yes"))
    for _ in range(10):
        d = conv.send(ev.Skip())
    assert d.effects[-1] == fx.Ask("s1.other", 11, None, answered=1)


def test_progress_counts_nothing_to_add_but_not_a_note_alone(conv: Conversation) -> None:
    conv.answers.update(
        {"s1.other": Answer(""), "s1.gp": Answer(None, "ask Bob"), "s2.schools": Answer("no")}
    )
    d = conv.send(ev.Start())
    assert d.effects == (fx.Ask("s1.address", 0, None, answered=2),)


def test_progress_is_full_only_when_everything_is_answered(conv: Conversation) -> None:
    answers = all_answered(conv.q)
    del answers["s1.address"]
    conv.answers.update(answers)
    conv.state = conv.at("s7.other")
    d = conv.send(ev.Back("s7.other"))
    assert d.effects == (
        fx.Ask("s7.electronic_archive", 42, answers["s7.electronic_archive"], answered=43),
    )
    conv.send(ev.Jump("s1.address"))
    d = conv.send(ev.Choose("s1.address", "no"))
    assert only_review(d).unanswered == ()
    d = conv.send(ev.Jump("s1.address"))
    assert d.effects == (fx.Ask("s1.address", 0, Answer("no"), answered=TOTAL, in_review=True),)


def test_changing_an_answer_does_not_count_it_twice(conv: Conversation) -> None:
    conv.send(ev.Start())
    conv.send(ev.Choose("s1.address", "yes"))
    conv.send(ev.Back("s1.telephone"))
    d = conv.send(ev.Choose("s1.address", "no"))
    assert d.effects[-1] == fx.Ask("s1.telephone", 1, None, answered=1)


def test_questions_asked_from_the_review_say_so(conv: Conversation) -> None:
    d = conv.send(ev.Start())
    assert d.effects == (fx.Ask("s1.address", 0, None),)
    conv.send(ev.Review())
    d = conv.send(ev.Jump("s2.schools"))
    assert d.effects == (fx.Ask("s2.schools", 13, None, in_review=True),)
    d = conv.send(ev.Back("s2.schools"))
    assert d.effects == (fx.Ask("s2.partnerships_la", 12, None, in_review=True),)
    conv.send(ev.Pause())
    d = conv.send(ev.Start())
    assert d.effects == (fx.Ask("s2.partnerships_la", 12, None, in_review=True),)


# -- 4. only a skip says "skipped" -------------------------------------------------------


def test_skip_says_skipped_before_the_next_question(conv: Conversation) -> None:
    conv.send(ev.Start())
    d = conv.send(ev.Skip("s1.address"))
    assert d.effects == (fx.Skipped("s1.address"), fx.Ask("s1.telephone", 1, None))


def test_skip_from_the_review_says_skipped_and_returns_to_it(conv: Conversation) -> None:
    conv.send(ev.Review())
    conv.send(ev.Jump("s5.aggregate"))
    d = conv.send(ev.Skip("s5.aggregate"))
    skipped, review = d.effects
    assert skipped == fx.Skipped("s5.aggregate")
    assert isinstance(review, fx.ShowReview)
    assert review.section == 4


def test_skipping_the_last_question_says_skipped_and_shows_the_review(
    conv: Conversation,
) -> None:
    conv.state = conv.at("s7.other")
    d = conv.send(ev.Skip())
    assert d.effects[0] == fx.Skipped("s7.other")
    assert only_review(d).at_end is True


@pytest.mark.parametrize(
    "event",
    [
        ev.Back("s1.telephone"),
        ev.Next("s1.telephone"),
        ev.Review(),
        ev.Pause(),
        ev.Jump("s3.schools"),
        ev.Note("s1.address"),
        ev.Submit(),
        ev.Start(),
        ev.Status(),
    ],
)
def test_nothing_but_skip_says_skipped(conv: Conversation, event: ev.Event) -> None:
    conv.send(ev.Start())
    conv.send(ev.Choose("s1.address", "yes"))
    d = conv.send(event)
    assert not any(isinstance(e, fx.Skipped) for e in d.effects)


# -- 5. the review opens at the right section --------------------------------------------


def test_review_shows_the_section_of_the_question_in_view(conv: Conversation) -> None:
    conv.state = conv.at("s3.agencies")
    assert only_review(conv.send(ev.Review())).section == 2


def test_review_shows_the_section_asked_for(conv: Conversation) -> None:
    conv.state = conv.at("s3.agencies")
    assert only_review(conv.send(ev.Review(section=5))).section == 5
    assert only_review(conv.send(ev.Review(section=0))).section == 0


@pytest.mark.parametrize("section", [-1, 7, 99])
def test_review_of_a_section_that_does_not_exist_shows_where_the_person_is(
    conv: Conversation, section: int
) -> None:
    conv.state = conv.at("s4.family")
    assert only_review(conv.send(ev.Review(section=section))).section == 3


def test_review_at_the_end_shows_the_first_section_with_a_question_left(
    conv: Conversation,
) -> None:
    answers = all_answered(conv.q)
    del answers["s3.other"], answers["s5.other"]
    conv.answers.update(answers)
    conv.state = conv.at("s7.other")
    review = only_review(conv.send(ev.Next("s7.other")))
    assert review.at_end is True
    assert review.unanswered == ("s3.other", "s5.other")
    assert review.section == 2


def test_review_at_the_end_with_everything_answered_shows_the_last_section(
    conv: Conversation,
) -> None:
    conv.answers.update(all_answered(conv.q))
    conv.state = conv.at("s7.other")
    review = only_review(conv.send(ev.Choose("s7.other", "nothing")))
    assert (review.at_end, review.unanswered, review.section) == (True, (), 6)


def test_returning_to_the_review_after_a_jump_shows_the_section_just_left(
    conv: Conversation,
) -> None:
    conv.send(ev.Review(section=0))
    conv.send(ev.Jump("s4.family"))
    assert only_review(conv.send(ev.Choose("s4.family", "yes"))).section == 3
    conv.send(ev.Jump("s6.transfer"))
    assert only_review(conv.send(ev.Text("By secure email"))).section == 5
    conv.send(ev.Jump("s2.exam_boards"))
    assert only_review(conv.send(ev.Next("s2.exam_boards"))).section == 1


# -- 6. a kind reply after submission ----------------------------------------------------


def _submitted(conv: Conversation) -> None:
    conv.answers.update(all_answered(conv.q))
    conv.send(ev.Submit())
    conv.send(ev.Confirm())
    assert conv.submitted


def test_thanks_after_submitting_gets_a_kind_reply(conv: Conversation) -> None:
    _submitted(conv)
    before = conv.state
    d = conv.send(ev.Text("Thanks!"))
    assert d.effects == (fx.Rejected(fx.Reason.AFTER_SUBMIT),)
    assert d.changes == ()
    assert d.state == before


def test_text_from_a_colleague_who_never_started_after_submission_gets_a_kind_reply(
    questionnaire: Questionnaire,
) -> None:
    conv = Conversation(questionnaire, all_answered(questionnaire), submitted=True)
    d = conv.send(ev.Text("hello"))
    assert d.effects == (fx.Rejected(fx.Reason.AFTER_SUBMIT),)


def test_text_while_amending_after_submission_is_an_answer(questionnaire: Questionnaire) -> None:
    conv = Conversation(questionnaire, all_answered(questionnaire), submitted=True)
    conv.send(ev.Review())
    conv.send(ev.Jump("s2.other"))
    d = conv.send(ev.Text("The police"))
    assert d.changes == (AnswerChange("s2.other", "The police", None),)
    review = only_review(d)
    assert review.submitted is True


@pytest.mark.parametrize(
    ("text", "reason"), [("   ", fx.Reason.EMPTY), ("x" * 2001, fx.Reason.TOO_LONG)]
)
def test_empty_or_too_long_text_after_submission_says_what_is_wrong(
    conv: Conversation, text: str, reason: fx.Reason
) -> None:
    _submitted(conv)
    assert conv.send(ev.Text(text)).effects == (fx.Rejected(reason),)


def test_a_note_typed_right_after_a_tap_that_returned_to_the_review_is_not_lost(
    questionnaire: Questionnaire,
) -> None:
    """Amending after submission: tap "no" on a question opened from the review and type why
    at once. The text is about that question, not a thank-you."""
    answers = all_answered(questionnaire)
    state = FlowState(Mode.REVIEW, 0, True)
    now = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    for event in (ev.Jump("s1.gp"), ev.Choose("s1.gp", "no")):
        ctx = Context(questionnaire, answers, True, now=now, vocabulary=texts().vocabulary)
        d = decide(ctx, state, event)
        for change in d.changes:
            answers[change.question_id] = Answer(change.value, change.note)
        state = d.state
        now += timedelta(seconds=3)
    assert state.mode is Mode.REVIEW
    ctx = Context(questionnaire, answers, True, now=now, vocabulary=texts().vocabulary)
    d = decide(ctx, state, ev.Text("only the school nurse's", sent_at=now - timedelta(seconds=1)))
    assert not any(isinstance(e, fx.Rejected) for e in d.effects), d.effects


# -- state --------------------------------------------------------------------------------


def test_a_note_state_survives_a_restart(conv: Conversation) -> None:
    _at_gp_after_three_taps(conv)
    conv.send(ev.Note("s1.address"))
    assert FlowState.from_json(conv.state.to_json(), conv.q) == conv.state
    conv.state = FlowState.from_json(conv.state.to_json(), conv.q)
    d = conv.send(ev.Next("s1.address"))
    assert d.effects == (fx.Ask("s1.gp", 3, None, answered=3),)


def test_stale_buttons_after_a_tap_moved_on_are_no_ops(conv: Conversation) -> None:
    conv.send(ev.Start())
    conv.send(ev.Choose("s1.address", "yes"))
    quiet(conv.send(ev.Next("s1.address")), conv.state)
    quiet(conv.send(ev.Skip("s1.address")), conv.state)
    quiet(conv.send(ev.Back("s1.address")), conv.state)
