"""Unit tests of the pure audit flow engine: decide(Context, FlowState, Event) -> Decision."""

from __future__ import annotations

import pytest

from bot.flows import effects as fx
from bot.flows import events as ev
from bot.flows.state import MAX_TEXT, RETURN_TO_REVIEW, FlowState, Mode, unanswered
from bot.questionnaire import Questionnaire
from storage.records import Answer, AnswerChange
from tests.flows.conversation import SIGNER, TOTAL, Conversation, all_answered, quiet


@pytest.fixture
def conv(questionnaire: Questionnaire) -> Conversation:
    return Conversation(questionnaire)


# -- start -------------------------------------------------------------------------------


def test_start_asks_the_first_question(conv: Conversation) -> None:
    d = conv.send(ev.Start())
    assert d.effects == (fx.Ask("s1.address", 0, None),)
    assert d.state == FlowState(Mode.ASKING, 0, True, None)
    assert d.changes == ()
    assert d.submit is False


def test_start_with_some_answers_asks_the_first_unanswered(questionnaire: Questionnaire) -> None:
    answers = {"s1.address": Answer("yes"), "s1.telephone": Answer("no", "landline only")}
    conv = Conversation(questionnaire, answers)
    d = conv.send(ev.Start())
    assert d.effects == (fx.Ask("s1.electronic_contacts", 2, None, answered=2),)
    assert d.state.position == 2


def test_start_treats_a_note_only_answer_as_unanswered(questionnaire: Questionnaire) -> None:
    conv = Conversation(questionnaire, {"s1.address": Answer(None, "ask Bob")})
    d = conv.send(ev.Start())
    assert d.effects == (fx.Ask("s1.address", 0, Answer(None, "ask Bob")),)


def test_start_when_everything_is_answered_shows_review(questionnaire: Questionnaire) -> None:
    answers = all_answered(questionnaire)
    conv = Conversation(questionnaire, answers)
    d = conv.send(ev.Start())
    assert len(d.effects) == 1
    review = d.effects[0]
    assert isinstance(review, fx.ShowReview)
    assert review.unanswered == ()
    assert review.at_end is True
    assert review.submitted is False
    assert d.state.mode is Mode.REVIEW


def test_start_after_submission_shows_review(questionnaire: Questionnaire) -> None:
    conv = Conversation(questionnaire, {"s1.address": Answer("yes")}, submitted=True)
    d = conv.send(ev.Start())
    (review,) = d.effects
    assert isinstance(review, fx.ShowReview)
    assert review.submitted is True
    assert review.unanswered == unanswered(questionnaire, conv.answers)
    assert len(review.unanswered) == TOTAL - 1


def test_start_again_resumes_the_current_question(conv: Conversation) -> None:
    conv.send(ev.Start())
    conv.send(ev.Choose("s1.address", "yes"))
    d = conv.send(ev.Start())
    assert d.effects == (fx.Ask("s1.telephone", 1, None, answered=1),)
    assert d.changes == ()


# -- ticks, notes and navigation ---------------------------------------------------------


def test_a_tap_on_a_tick_records_it_and_asks_the_next_question(conv: Conversation) -> None:
    conv.send(ev.Start())
    d = conv.send(ev.Choose("s1.address", "yes"))
    assert d.changes == (AnswerChange("s1.address", "yes", None),)
    assert d.effects == (
        fx.Recorded("s1.address", Answer("yes")),
        fx.Ask("s1.telephone", 1, None, answered=1),
    )
    assert d.state == FlowState(Mode.ASKING, 1, True, None, previous="s1.address")


def test_a_note_opened_after_a_tap_is_saved_and_the_question_in_view_asked_again(
    conv: Conversation,
) -> None:
    conv.send(ev.Start())
    conv.send(ev.Choose("s1.address", "yes"))
    d = conv.send(ev.Note("s1.address"))
    assert d.effects == (fx.OfferNote("s1.address", Answer("yes")),)
    assert d.changes == ()
    d = conv.send(ev.Text("  Held in the MIS  "))
    assert d.changes == (AnswerChange("s1.address", "yes", "Held in the MIS"),)
    assert d.effects == (
        fx.Recorded("s1.address", Answer("yes", "Held in the MIS")),
        fx.Ask("s1.telephone", 1, None, answered=1),
    )
    assert d.state == FlowState(Mode.ASKING, 1, True, None, previous="s1.address", noted=True)
    assert conv.answers["s1.address"] == Answer("yes", "Held in the MIS")


def test_second_tap_of_the_same_tick_after_it_moved_on_is_a_no_op(conv: Conversation) -> None:
    conv.send(ev.Start())
    conv.send(ev.Choose("s1.address", "yes"))
    quiet(conv.send(ev.Choose("s1.address", "yes")), conv.state)
    assert conv.state.position == 1


def test_second_tap_of_differs_changes_nothing_and_repeats_the_offer(
    conv: Conversation,
) -> None:
    qid = "s7.paper_seven_years"
    conv.state = conv.at(qid)
    conv.send(ev.Choose(qid, "differs"))
    before = conv.state
    again = conv.send(ev.Choose(qid, "differs"))
    assert again.changes == ()
    assert conv.state == before
    assert again.effects == (fx.OfferNote(qid, conv.answers[qid]),)


def test_changing_a_choice_keeps_the_note(conv: Conversation) -> None:
    conv.send(ev.Start())
    conv.send(ev.Choose("s1.address", "yes"))
    conv.send(ev.Note("s1.address"))
    conv.send(ev.Text("paper file"))
    conv.send(ev.Back("s1.telephone"))
    d = conv.send(ev.Choose("s1.address", "no"))
    assert d.changes == (AnswerChange("s1.address", "no", "paper file"),)
    assert conv.answers["s1.address"] == Answer("no", "paper file")


def test_next_on_an_answered_question_goes_on_and_a_second_tap_is_a_no_op(
    conv: Conversation,
) -> None:
    conv.send(ev.Start())
    conv.send(ev.Choose("s1.address", "no"))
    conv.send(ev.Back("s1.telephone"))
    d = conv.send(ev.Next("s1.address"))
    assert d.effects == (fx.Ask("s1.telephone", 1, None, answered=1),)
    assert d.changes == ()
    assert conv.answers["s1.address"] == Answer("no")
    quiet(conv.send(ev.Next("s1.address")), conv.state)


def test_skip_leaves_unanswered_and_a_second_tap_is_a_no_op(conv: Conversation) -> None:
    conv.send(ev.Start())
    d = conv.send(ev.Skip("s1.address"))
    assert d.effects == (fx.Skipped("s1.address"), fx.Ask("s1.telephone", 1, None))
    assert d.changes == ()
    assert "s1.address" not in conv.answers
    quiet(conv.send(ev.Skip("s1.address")), conv.state)
    assert conv.state.position == 1


def test_typed_skip_without_question_id(conv: Conversation) -> None:
    conv.send(ev.Start())
    conv.send(ev.Skip())
    d = conv.send(ev.Skip())
    assert d.effects == (fx.Skipped("s1.telephone"), fx.Ask("s1.electronic_contacts", 2, None))


def test_back_asks_the_previous_question_and_a_second_tap_is_a_no_op(
    conv: Conversation,
) -> None:
    conv.send(ev.Start())
    conv.send(ev.Choose("s1.address", "yes"))
    d = conv.send(ev.Back("s1.telephone"))
    assert d.effects == (fx.Ask("s1.address", 0, Answer("yes"), answered=1),)
    assert d.state == FlowState(Mode.ASKING, 0, True, None)
    quiet(conv.send(ev.Back("s1.telephone")), conv.state)


def test_back_at_the_first_question_is_refused(conv: Conversation) -> None:
    conv.send(ev.Start())
    d = conv.send(ev.Back("s1.address"))
    assert d.effects == (fx.Rejected(fx.Reason.NOTHING_BEFORE),)
    assert d.state == FlowState(Mode.ASKING, 0, True, None)


def test_navigation_buttons_are_ignored_in_review(questionnaire: Questionnaire) -> None:
    conv = Conversation(questionnaire, state=FlowState(Mode.REVIEW, 5, True, None))
    for event in (ev.Next("s1.alternative_settings"), ev.Skip(), ev.Back()):
        quiet(conv.send(event), conv.state)


def test_back_from_the_last_question_of_a_section_crosses_into_the_previous(
    conv: Conversation,
) -> None:
    conv.state = FlowState(Mode.ASKING, conv.pos("s2.partnerships_la"), True, None)
    d = conv.send(ev.Back("s2.partnerships_la"))
    assert d.effects == (fx.Ask("s1.other", 11, None),)


# -- free text and statements -----------------------------------------------------------


def test_free_text_answer_by_typing(conv: Conversation) -> None:
    conv.state = FlowState(Mode.ASKING, conv.pos("s1.other"), True, None)
    d = conv.send(ev.Text("Medical reports"))
    assert d.changes == (AnswerChange("s1.other", "Medical reports", None),)
    assert d.effects == (
        fx.Recorded("s1.other", Answer("Medical reports")),
        fx.Ask("s2.partnerships_la", 12, None, answered=1),
    )


def test_free_text_nothing_to_add_records_empty_string(conv: Conversation) -> None:
    conv.state = FlowState(Mode.ASKING, conv.pos("s6.referral"), True, None)
    d = conv.send(ev.Choose("s6.referral", "nothing"))
    assert d.changes == (AnswerChange("s6.referral", "", None),)
    assert d.effects == (
        fx.Recorded("s6.referral", Answer("")),
        fx.Ask("s6.new_information", 36, None, answered=1),
    )
    assert conv.answers["s6.referral"].value == ""
    assert conv.answers["s6.referral"].answered


def test_second_tap_of_nothing_to_add_is_a_no_op(conv: Conversation) -> None:
    conv.state = FlowState(Mode.ASKING, conv.pos("s1.other"), True, None)
    conv.send(ev.Choose("s1.other", "nothing"))
    before = conv.state
    assert before.position == 12
    quiet(conv.send(ev.Choose("s1.other", "nothing")), before)


def test_nothing_to_add_replaces_earlier_text(conv: Conversation) -> None:
    conv.answers["s1.other"] = Answer("Medical reports")
    conv.state = FlowState(Mode.ASKING, conv.pos("s1.other"), True, None)
    d = conv.send(ev.Choose("s1.other", "nothing"))
    assert d.changes == (AnswerChange("s1.other", "", None),)


def test_tick_values_are_not_accepted_for_free_text(conv: Conversation) -> None:
    conv.state = FlowState(Mode.ASKING, conv.pos("s1.other"), True, None)
    d = conv.send(ev.Choose("s1.other", "yes"))
    assert d.effects == (fx.Rejected(fx.Reason.INVALID_CHOICE, "s1.other"),)
    assert d.changes == ()


@pytest.mark.parametrize(
    ("question_id", "value"),
    [
        ("s1.address", "true"),
        ("s7.paper_seven_years", "yes"),
        ("s1.address", "nothing"),
        ("s1.address", ""),
    ],
)
def test_invalid_choice(conv: Conversation, question_id: str, value: str) -> None:
    conv.send(ev.Start())
    d = conv.send(ev.Choose(question_id, value))
    assert d.effects == (fx.Rejected(fx.Reason.INVALID_CHOICE, question_id),)
    assert d.changes == ()
    assert d.state == FlowState(Mode.ASKING, 0, True, None)


def test_unknown_question(conv: Conversation) -> None:
    conv.send(ev.Start())
    d = conv.send(ev.Choose("s9.nope", "yes"))
    assert d.effects == (fx.Rejected(fx.Reason.UNKNOWN_QUESTION),)
    assert d.changes == ()


def test_statement_differs_asks_how_then_goes_on(conv: Conversation) -> None:
    qid = "s7.paper_seven_years"
    conv.state = FlowState(Mode.ASKING, conv.pos(qid), True, None)
    d = conv.send(ev.Choose(qid, "differs"))
    assert d.effects == (
        fx.Recorded(qid, Answer("differs")),
        fx.OfferNote(qid, Answer("differs")),
    )
    assert d.state.mode is Mode.NOTE
    d = conv.send(ev.Text("We keep them for six years"))
    assert d.changes == (AnswerChange(qid, "differs", "We keep them for six years"),)
    assert d.effects[-1] == fx.Ask("s7.electronic_archive", 42, None, answered=1)


def test_unclear_text_at_a_tick_question_asks_which_was_meant(conv: Conversation) -> None:
    conv.send(ev.Start())
    d = conv.send(ev.Text("not sure, will check"))
    assert d.changes == ()
    assert d.effects == (fx.AskWhere("s1.address", "not sure, will check"),)
    d = conv.send(ev.Text("the MIS has it"))  # more typing joins what is kept
    assert d.effects == (fx.AskWhere("s1.address", "not sure, will check\nthe MIS has it"),)
    d = conv.send(ev.Choose("s1.address", "yes"))
    assert d.changes == (AnswerChange("s1.address", "yes", "not sure, will check\nthe MIS has it"),)
    assert d.effects[-1] == fx.Ask("s1.telephone", 1, None, answered=1)
    assert d.state.held is None


def test_kept_text_can_be_just_a_note(conv: Conversation) -> None:
    conv.send(ev.Start())
    conv.send(ev.Text("not sure, will check"))
    d = conv.send(ev.Place("s1.address", ev.Use.NOTE))
    assert d.changes == (AnswerChange("s1.address", None, "not sure, will check"),)
    assert d.effects == (
        fx.Recorded("s1.address", Answer(None, "not sure, will check"), added=True),
        fx.Ask("s1.address", 0, Answer(None, "not sure, will check")),
    )
    assert "s1.address" in unanswered(conv.q, conv.answers)


def test_last_question_leads_to_review_at_end(conv: Conversation) -> None:
    conv.state = FlowState(Mode.ASKING, TOTAL - 1, True, None)
    d = conv.send(ev.Text("Nothing else"))
    (recorded, review) = d.effects
    assert recorded == fx.Recorded("s7.other", Answer("Nothing else"))
    assert isinstance(review, fx.ShowReview)
    assert review.at_end is True
    assert review.answers["s7.other"].value == "Nothing else"
    assert d.state.mode is Mode.REVIEW
    assert 0 <= d.state.position < TOTAL


# -- review, jump, out of turn -----------------------------------------------------------


def test_review_lists_answers_and_unanswered(conv: Conversation) -> None:
    conv.answers["s1.address"] = Answer("yes")
    d = conv.send(ev.Review())
    (review,) = d.effects
    assert isinstance(review, fx.ShowReview)
    assert dict(review.answers) == {"s1.address": Answer("yes")}
    assert review.unanswered[0] == "s1.telephone"
    assert len(review.unanswered) == TOTAL - 1
    assert review.at_end is False
    assert d.state.mode is Mode.REVIEW


def test_jump_from_review_returns_to_review_after_one_tap(conv: Conversation) -> None:
    conv.send(ev.Review())
    d = conv.send(ev.Jump("s3.schools"))
    assert d.effects == (fx.Ask("s3.schools", 19, None, in_review=True),)
    assert d.state == FlowState(Mode.ASKING, 19, True, RETURN_TO_REVIEW)
    d = conv.send(ev.Choose("s3.schools", "no"))
    assert d.changes == (AnswerChange("s3.schools", "no", None),)
    (recorded, review) = d.effects
    assert recorded == fx.Recorded("s3.schools", Answer("no"))
    assert isinstance(review, fx.ShowReview)
    assert review.answers["s3.schools"] == Answer("no")
    assert conv.state.mode is Mode.REVIEW


def test_a_note_opened_from_the_review_returns_to_the_review(conv: Conversation) -> None:
    conv.answers["s3.schools"] = Answer("no")
    conv.send(ev.Review())
    d = conv.send(ev.Note("s3.schools"))
    assert d.effects == (fx.OfferNote("s3.schools", Answer("no")),)
    assert d.state.mode is Mode.NOTE
    d = conv.send(ev.Text("only the headteachers"))
    assert d.changes == (AnswerChange("s3.schools", "no", "only the headteachers"),)
    (recorded, review) = d.effects
    assert recorded == fx.Recorded("s3.schools", Answer("no", "only the headteachers"))
    assert isinstance(review, fx.ShowReview)
    assert review.answers["s3.schools"] == Answer("no", "only the headteachers")
    assert conv.state.mode is Mode.REVIEW


def test_jump_from_review_returns_to_review_after_next_keeps_the_answer(
    conv: Conversation,
) -> None:
    conv.answers["s1.gp"] = Answer("yes", "on the MIS")
    conv.send(ev.Review())
    conv.send(ev.Jump("s1.gp"))
    d = conv.send(ev.Next("s1.gp"))
    assert d.changes == ()
    assert isinstance(d.effects[0], fx.ShowReview)
    assert conv.state.mode is Mode.REVIEW


def test_jump_from_review_returns_to_review_after_free_text(conv: Conversation) -> None:
    conv.send(ev.Review())
    conv.send(ev.Jump("s2.other"))
    d = conv.send(ev.Text("The police"))
    assert d.effects[0] == fx.Recorded("s2.other", Answer("The police"))
    assert isinstance(d.effects[1], fx.ShowReview)
    assert conv.state.mode is Mode.REVIEW


def test_back_after_jump_still_returns_to_review(conv: Conversation) -> None:
    conv.send(ev.Review())
    conv.send(ev.Jump("s1.gp"))
    d = conv.send(ev.Back("s1.gp"))
    assert d.effects == (fx.Ask("s1.electronic_contacts", 2, None, in_review=True),)
    assert d.state.then == RETURN_TO_REVIEW
    d = conv.send(ev.Choose("s1.electronic_contacts", "yes"))
    assert d.effects[0] == fx.Recorded("s1.electronic_contacts", Answer("yes"))
    assert isinstance(d.effects[1], fx.ShowReview)
    assert conv.state.mode is Mode.REVIEW


def test_jump_to_unknown_question(conv: Conversation) -> None:
    conv.send(ev.Review())
    before = conv.state
    d = conv.send(ev.Jump("nope"))
    assert d.effects == (fx.Rejected(fx.Reason.UNKNOWN_QUESTION),)
    assert d.state == before


def test_answering_an_old_question_resumes_where_the_user_was(conv: Conversation) -> None:
    conv.send(ev.Start())
    for qid in ("s1.address", "s1.telephone", "s1.electronic_contacts"):
        conv.send(ev.Choose(qid, "yes"))
    assert conv.state == FlowState(Mode.ASKING, 3, True, None, previous="s1.electronic_contacts")
    d = conv.send(ev.Choose("s1.address", "no"))  # a button on an old message
    assert d.changes == (AnswerChange("s1.address", "no", None),)
    assert d.effects == (
        fx.Recorded("s1.address", Answer("no")),
        fx.Ask("s1.gp", 3, None, answered=3),
    )
    assert (conv.state.mode, conv.state.position, conv.state.then) == (Mode.ASKING, 3, None)
    conv.send(ev.Note("s1.address"))  # and its note, from the same old message
    d = conv.send(ev.Text("changed our minds"))
    assert d.effects[-1] == fx.Ask("s1.gp", 3, None, answered=3)
    assert (conv.state.mode, conv.state.position, conv.state.then) == (Mode.ASKING, 3, None)
    assert conv.answers["s1.address"] == Answer("no", "changed our minds")


def test_old_free_text_button_resumes_where_the_user_was(conv: Conversation) -> None:
    conv.state = FlowState(Mode.ASKING, conv.pos("s2.schools"), True, None)
    d = conv.send(ev.Choose("s1.other", "nothing"))
    assert d.changes == (AnswerChange("s1.other", "", None),)
    assert d.effects[-1] == fx.Ask("s2.schools", 13, None, answered=1)


def test_answering_an_old_question_from_review_returns_to_review(conv: Conversation) -> None:
    conv.send(ev.Review())
    d = conv.send(ev.Choose("s1.gp", "yes"))
    assert d.effects[0] == fx.Recorded("s1.gp", Answer("yes"))
    review = d.effects[1]
    assert isinstance(review, fx.ShowReview)
    assert review.section == 0
    assert conv.state.mode is Mode.REVIEW


# -- submit ------------------------------------------------------------------------------


def test_submit_asks_for_confirmation_listing_unanswered(conv: Conversation) -> None:
    conv.answers.update({"s1.address": Answer("yes"), "s1.telephone": Answer(None, "note")})
    d = conv.send(ev.Submit())
    (confirm,) = d.effects
    assert isinstance(confirm, fx.AskConfirm)
    assert confirm.unanswered[0] == "s1.telephone"
    assert "s1.address" not in confirm.unanswered
    assert len(confirm.unanswered) == TOTAL - 1
    assert d.state.mode is Mode.CONFIRM
    assert d.submit is False
    assert d.changes == ()


def test_confirm_submits(questionnaire: Questionnaire) -> None:
    conv = Conversation(questionnaire, all_answered(questionnaire))
    conv.send(ev.Submit())
    d = conv.send(ev.Confirm())
    assert d.submit is True
    assert d.effects == (fx.Submitted((), fx.Signer(*SIGNER)),)
    assert d.changes == ()
    assert d.state.mode is Mode.REVIEW
    assert conv.submitted


def test_confirm_with_unanswered_questions_still_submits(conv: Conversation) -> None:
    conv.send(ev.Submit())
    d = conv.send(ev.Confirm())
    assert d.submit is True
    (submitted,) = d.effects
    assert isinstance(submitted, fx.Submitted)
    assert len(submitted.unanswered) == TOTAL


def test_second_confirm_after_submission_is_quiet(conv: Conversation) -> None:
    conv.send(ev.Submit())
    conv.send(ev.Confirm())
    assert conv.submitted
    quiet(conv.send(ev.Confirm()), conv.state)


def test_confirm_without_submit_is_a_stale_button(conv: Conversation) -> None:
    conv.send(ev.Start())
    d = conv.send(ev.Confirm())
    assert d.effects == (fx.Rejected(fx.Reason.STALE_BUTTON),)
    assert d.submit is False


def test_submit_when_already_submitted_is_refused(questionnaire: Questionnaire) -> None:
    conv = Conversation(questionnaire, submitted=True, state=FlowState(Mode.REVIEW, 0, True))
    d = conv.send(ev.Submit())
    assert d.effects == (fx.Rejected(fx.Reason.ALREADY_SUBMITTED),)
    assert d.state == FlowState(Mode.REVIEW, 0, True)


def test_cancel_submit_returns_to_review(conv: Conversation) -> None:
    conv.send(ev.Submit())
    d = conv.send(ev.CancelSubmit())
    assert isinstance(d.effects[0], fx.ShowReview)
    assert d.submit is False
    d = conv.send(ev.Confirm())
    assert d.effects == (fx.Rejected(fx.Reason.STALE_BUTTON),)
    quiet(conv.send(ev.CancelSubmit()), conv.state)


def test_answers_can_be_amended_after_submission(questionnaire: Questionnaire) -> None:
    conv = Conversation(questionnaire, {"s1.address": Answer("yes")}, submitted=True)
    conv.send(ev.Review())
    conv.send(ev.Jump("s1.address"))
    d = conv.send(ev.Choose("s1.address", "no"))
    assert d.changes == (AnswerChange("s1.address", "no", None),)


# -- closed round ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "event",
    [
        ev.Choose("s1.address", "yes"),
        ev.Text("something"),
        ev.Batch((ev.BatchEntry("s1.address", "yes"),)),
        ev.Submit(),
        ev.Confirm(),
    ],
)
def test_closed_round_refuses_writes(questionnaire: Questionnaire, event: ev.Event) -> None:
    state = FlowState(Mode.CONFIRM, 0, True)
    conv = Conversation(questionnaire, state=state, round_open=False)
    d = conv.send(event)
    assert d.effects == (fx.Rejected(fx.Reason.ROUND_CLOSED),)
    assert d.changes == ()
    assert d.submit is False
    assert d.state == state


def test_closed_round_still_allows_review_and_status(questionnaire: Questionnaire) -> None:
    conv = Conversation(questionnaire, {"s1.address": Answer("yes")}, round_open=False)
    d = conv.send(ev.Review())
    (review,) = d.effects
    assert isinstance(review, fx.ShowReview)
    assert review.answers["s1.address"] == Answer("yes")
    d = conv.send(ev.Status())
    assert d.effects == (fx.ShowStatus(1, TOTAL, False),)


# -- text limits, pause, status ----------------------------------------------------------


def test_too_long_text_is_refused(conv: Conversation) -> None:
    conv.send(ev.Start())
    conv.send(ev.Choose("s1.address", "yes"))
    conv.send(ev.Note("s1.address"))
    before = conv.state
    d = conv.send(ev.Text("x" * (MAX_TEXT + 1)))
    assert d.effects == (fx.Rejected(fx.Reason.TOO_LONG),)
    assert d.changes == ()
    assert d.state == before
    d = conv.send(ev.Text("x" * MAX_TEXT))
    assert d.changes == (AnswerChange("s1.address", "yes", "x" * MAX_TEXT),)


def test_length_is_measured_after_stripping(conv: Conversation) -> None:
    conv.state = FlowState(Mode.ASKING, conv.pos("s1.other"), True, None)
    d = conv.send(ev.Text("  " + "y" * MAX_TEXT + "\n"))
    assert d.changes == (AnswerChange("s1.other", "y" * MAX_TEXT, None),)


@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_empty_text_is_refused(conv: Conversation, text: str) -> None:
    conv.state = FlowState(Mode.ASKING, conv.pos("s1.other"), True, None)
    d = conv.send(ev.Text(text))
    assert d.effects == (fx.Rejected(fx.Reason.EMPTY),)
    assert d.changes == ()
    assert "s1.other" not in conv.answers


def test_text_before_start_or_in_review_is_not_expected_before_submission(
    conv: Conversation,
) -> None:
    d = conv.send(ev.Text("hello"))
    assert d.effects == (fx.Rejected(fx.Reason.NOT_EXPECTED),)
    conv.send(ev.Review())
    d = conv.send(ev.Text("hello"))
    assert d.effects == (fx.Rejected(fx.Reason.NOT_EXPECTED),)
    assert d.changes == ()


def test_pause_then_any_text_resumes_the_same_question(conv: Conversation) -> None:
    conv.send(ev.Start())
    conv.send(ev.Choose("s1.address", "yes"))
    d = conv.send(ev.Pause())
    assert d.effects == (fx.Paused(),)
    assert d.state == FlowState(Mode.PAUSED, 1, True, None, previous="s1.address")
    d = conv.send(ev.Text("hi, I'm back"))
    assert d.changes == ()
    assert d.effects == (fx.Ask("s1.telephone", 1, None, answered=1),)
    assert d.state == FlowState(Mode.ASKING, 1, True, None)


def test_pause_keeps_the_return_to_review(conv: Conversation) -> None:
    conv.send(ev.Review())
    conv.send(ev.Jump("s1.gp"))
    conv.send(ev.Pause())
    d = conv.send(ev.Text("back"))
    assert d.effects == (fx.Ask("s1.gp", 3, None, in_review=True),)
    assert conv.state == FlowState(Mode.ASKING, 3, True, RETURN_TO_REVIEW)
    d = conv.send(ev.Choose("s1.gp", "no"))
    assert isinstance(d.effects[-1], fx.ShowReview)


def test_pause_then_start_resumes(conv: Conversation) -> None:
    conv.send(ev.Start())
    conv.send(ev.Skip("s1.address"))
    conv.send(ev.Pause())
    d = conv.send(ev.Start())
    assert d.effects == (fx.Ask("s1.telephone", 1, None),)


def test_status(conv: Conversation) -> None:
    conv.answers.update(
        {"s1.address": Answer("yes"), "s1.other": Answer(""), "s1.gp": Answer(None, "n")}
    )
    d = conv.send(ev.Status())
    assert d.effects == (fx.ShowStatus(2, TOTAL, False),)
    assert d.changes == ()


# -- batch -------------------------------------------------------------------------------


def test_batch_applies_valid_entries_and_reports_invalid_ones(conv: Conversation) -> None:
    conv.answers["s1.gp"] = Answer("yes", "keep me")
    conv.answers["s1.telephone"] = Answer("no", "old note")
    entries = (
        ev.BatchEntry("s1.address", "yes", "in the MIS"),
        ev.BatchEntry("s9.unknown", "yes"),
        ev.BatchEntry("s1.gp", "maybe"),
        ev.BatchEntry("s1.telephone", "yes", "z" * (MAX_TEXT + 1)),
        ev.BatchEntry("s1.other", "nothing"),
        ev.BatchEntry("s2.other", " The police "),
        ev.BatchEntry("s7.paper_seven_years", "differs", "six years"),
        ev.BatchEntry("s6.referral", "w" * (MAX_TEXT + 1)),
    )
    d = conv.send(ev.Batch(entries))
    assert d.changes == (
        AnswerChange("s1.address", "yes", "in the MIS"),
        AnswerChange("s1.other", "", None),
        AnswerChange("s2.other", "The police", None),
        AnswerChange("s7.paper_seven_years", "differs", "six years"),
    )
    (result,) = d.effects
    assert isinstance(result, fx.BatchResult)
    assert result.saved == ("s1.address", "s1.other", "s2.other", "s7.paper_seven_years")
    assert result.rejected == (
        fx.Rejected(fx.Reason.UNKNOWN_QUESTION, "s9.unknown"),
        fx.Rejected(fx.Reason.INVALID_CHOICE, "s1.gp"),
        fx.Rejected(fx.Reason.TOO_LONG, "s1.telephone"),
        fx.Rejected(fx.Reason.TOO_LONG, "s6.referral"),
    )
    assert conv.answers["s1.gp"] == Answer("yes", "keep me")
    assert conv.answers["s1.telephone"] == Answer("no", "old note")
    assert "s6.referral" not in conv.answers
    assert result.unanswered == unanswered(conv.q, conv.answers)
    assert len(result.unanswered) == TOTAL - 6


def test_batch_none_keeps_the_existing_parts(conv: Conversation) -> None:
    conv.answers["s1.address"] = Answer("yes", "old note")
    conv.answers["s1.gp"] = Answer("no", "gp note")
    d = conv.send(
        ev.Batch(
            (
                ev.BatchEntry("s1.address", None, "new note"),
                ev.BatchEntry("s1.gp", "yes", None),
            )
        )
    )
    assert d.changes == (
        AnswerChange("s1.address", "yes", "new note"),
        AnswerChange("s1.gp", "yes", "gp note"),
    )


def test_batch_repeating_existing_answers_changes_nothing(conv: Conversation) -> None:
    conv.answers["s1.address"] = Answer("yes", "note")
    d = conv.send(ev.Batch((ev.BatchEntry("s1.address", "yes", "note"),)))
    assert d.changes == ()
    (result,) = d.effects
    assert isinstance(result, fx.BatchResult)
    assert result.saved == ("s1.address",)


def test_batch_does_not_move_the_conversation(conv: Conversation) -> None:
    conv.send(ev.Start())
    before = conv.state
    d = conv.send(ev.Batch((ev.BatchEntry("s1.address", "no"),)))
    assert d.state == before


# -- FlowState persistence ---------------------------------------------------------------


@pytest.mark.parametrize(
    "state",
    [
        FlowState(),
        FlowState(Mode.NOTE, 7, True, None),
        FlowState(Mode.ASKING, 43, True, RETURN_TO_REVIEW),
        FlowState(Mode.PAUSED, 12, True, 30),
        FlowState(Mode.CONFIRM, 0, True, None),
        FlowState(Mode.REVIEW, 43, True, None),
    ],
)
def test_flow_state_round_trip(questionnaire: Questionnaire, state: FlowState) -> None:
    raw = state.to_json()
    assert isinstance(raw, str)
    assert FlowState.from_json(raw, questionnaire) == state


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "garbage",
        "{",
        "[]",
        "null",
        "42",
        '"asking"',
        "{}",
        '{"mode": "asking", "position": 3, "started": true}',
        '{"mode": "dancing", "position": 3, "started": true, "then": null}',
        '{"mode": "asking", "position": "three", "started": true, "then": null}',
        '{"mode": "asking", "position": 44, "started": true, "then": null}',
        '{"mode": "asking", "position": -1, "started": true, "then": null}',
        '{"mode": "asking", "position": 3, "started": true, "then": 44}',
        '{"mode": "asking", "position": 3, "started": true, "then": -2}',
        '{"mode": "asking", "position": null, "started": true, "then": null}',
        '{"mode": "asking", "position": [], "started": true, "then": null}',
    ],
)
def test_unreadable_flow_state_starts_afresh(questionnaire: Questionnaire, raw: str | None) -> None:
    assert FlowState.from_json(raw, questionnaire) == FlowState()


def test_answering_the_question_paused_on_goes_on_to_the_next_in_one_tap(
    conv: Conversation,
) -> None:
    conv.state = FlowState(Mode.ASKING, 5, True, None)
    conv.send(ev.Pause())
    d = conv.send(ev.Choose("s1.alternative_settings", "yes"))
    assert d.changes == (AnswerChange("s1.alternative_settings", "yes", None),)
    assert d.effects == (
        fx.Recorded("s1.alternative_settings", Answer("yes")),
        fx.Ask("s1.attendance", 6, None, answered=1),
    )
    assert d.state == FlowState(Mode.ASKING, 6, True, None, previous="s1.alternative_settings")


def test_nothing_to_add_on_the_question_paused_on_goes_on(conv: Conversation) -> None:
    conv.answers["s1.other"] = Answer("")
    conv.state = FlowState(Mode.PAUSED, 11, True, None)
    d = conv.send(ev.Choose("s1.other", "nothing"))
    assert d.changes == ()
    assert d.effects == (
        fx.Recorded("s1.other", Answer("")),
        fx.Ask("s2.partnerships_la", 12, None, answered=1),
    )


def test_back_onto_the_resume_point_does_not_ask_it_twice(conv: Conversation) -> None:
    conv.answers["s1.attendance"] = Answer("yes")
    conv.state = FlowState(Mode.ASKING, 5, True, None)
    conv.send(ev.Note("s1.attendance"))  # the note of question 6, from its old message
    assert conv.state == FlowState(Mode.NOTE, 6, True, 5)
    conv.send(ev.Back("s1.attendance"))
    assert conv.state == FlowState(Mode.ASKING, 5, True, 5)
    d = conv.send(ev.Choose("s1.alternative_settings", "no"))
    assert d.effects[-1] == fx.Ask("s1.attendance", 6, Answer("yes"), answered=2)


def test_batch_entry_with_nothing_in_it_is_refused_and_writes_nothing(conv: Conversation) -> None:
    decision = conv.send(ev.Batch((ev.BatchEntry("s1.address", None, None),)))
    assert decision.changes == ()
    [result] = decision.effects
    assert isinstance(result, fx.BatchResult)
    assert result.rejected == (fx.Rejected(fx.Reason.EMPTY, "s1.address"),)
