"""Carry forward in the pure engine: last round's answer is shown, confirmed with one tap
(or "same") only where the question is unchanged, a whole section at once, and nothing is
recorded before the person confirms."""

from __future__ import annotations

from bot import carry_forward
from bot.flows import effects as fx
from bot.flows import events as ev
from bot.questionnaire import Questionnaire
from storage.records import Answer
from tests.carry_setup import ADDED, REMOVED, REWORDED, edited
from tests.flows.conversation import Conversation, all_answered

LAST_YEAR = {"s1.address": Answer("yes", "held on the referral form"), "s1.gp": Answer("no")}


def carried(q: Questionnaire) -> dict[str, fx.Carried]:
    answers = {**all_answered(q), **LAST_YEAR}
    return carry_forward.carried(edited(), q, answers)


def asked(decision: object) -> fx.Ask:
    effects = decision.effects  # type: ignore[attr-defined]
    found = [e for e in effects if isinstance(e, fx.Ask)]
    assert len(found) == 1, effects
    return found[0]


def test_questions_are_matched_by_id_and_content(questionnaire: Questionnaire) -> None:
    found = carried(questionnaire)
    assert found["s1.address"] == fx.Carried("yes", "held on the referral form", True)
    assert found[REWORDED].unchanged is False
    assert ADDED not in found and REMOVED not in found
    assert carry_forward.removed(edited(), questionnaire) == (REMOVED,)
    assert edited().item("s1.address").content_hash == questionnaire.item("s1.address").content_hash


def test_the_first_question_shows_last_year_and_offers_the_section(
    questionnaire: Questionnaire,
) -> None:
    q = edited()
    conv = Conversation(q, carried=carried(questionnaire))
    ask = asked(conv.send(ev.Start()))
    assert ask.question_id == "s1.address"
    assert ask.carried == fx.Carried("yes", "held on the referral form", True)
    assert ask.can_confirm
    # every s1 question but the reworded and the added one can be confirmed at once
    in_s1 = [item.id for item in q.sections[0].items]
    assert ask.section_carried == len(in_s1) - 2
    assert conv.answers == {}  # nothing recorded before the person confirms


def test_still_true_records_last_years_answer_and_note_then_moves_on(
    questionnaire: Questionnaire,
) -> None:
    conv = Conversation(edited(), carried=carried(questionnaire))
    conv.send(ev.Start())
    d = conv.send(ev.StillTrue("s1.address"))
    assert [(c.question_id, c.value, c.note) for c in d.changes] == [
        ("s1.address", "yes", "held on the referral form")
    ]
    assert isinstance(d.effects[0], fx.Recorded)
    ask = asked(d)
    assert ask.question_id == REWORDED
    assert ask.carried is not None and not ask.carried.unchanged and not ask.can_confirm
    # a reworded question cannot be confirmed, by button or by typing
    refused = conv.send(ev.StillTrue(REWORDED))
    assert refused.effects == (fx.Rejected(fx.Reason.NOTHING_CARRIED, REWORDED),)
    assert refused.changes == ()
    # a double tap on the question already left changes nothing
    again = conv.send(ev.StillTrue("s1.address"))
    assert again.effects == () and again.changes == ()


def test_typing_same_confirms_with_an_optional_note(questionnaire: Questionnaire) -> None:
    conv = Conversation(edited(), carried=carried(questionnaire))
    conv.send(ev.Start())
    conv.send(ev.Choose("s1.address", "no"))  # changed this year
    conv.send(ev.Choose(REWORDED, "yes"))
    d = conv.send(ev.Text("same - now in the new system"))
    assert [(c.question_id, c.value, c.note) for c in d.changes] == [
        ("s1.electronic_contacts", "yes", "now in the new system")
    ]
    assert conv.answers["s1.address"].value == "no"


def test_a_new_question_is_asked_blank(questionnaire: Questionnaire) -> None:
    conv = Conversation(edited(), carried=carried(questionnaire))
    ask = asked(conv.send(ev.Jump(ADDED)))
    assert ask.carried is None and not ask.can_confirm and ask.section_carried == 0


def test_a_whole_section_is_confirmed_at_once(questionnaire: Questionnaire) -> None:
    q = edited()
    conv = Conversation(q, carried=carried(questionnaire))
    conv.send(ev.Start())
    d = conv.send(ev.SectionStillTrue("s1.address"))
    (confirmed,) = [e for e in d.effects if isinstance(e, fx.ConfirmedSection)]
    in_s1 = [item.id for item in q.sections[0].items]
    assert confirmed.section == 1
    assert set(confirmed.question_ids) == set(in_s1) - {REWORDED, ADDED}
    assert conv.answers["s1.gp"] == Answer("no", None)
    assert conv.answers["s1.address"] == Answer("yes", "held on the referral form")
    # the section's questions still to answer come next: the reworded one, then the new one
    assert asked(d).question_id == REWORDED
    d = conv.send(ev.Choose(REWORDED, "no"))
    assert asked(d).question_id == ADDED
    d = conv.send(ev.Choose(ADDED, "yes"))
    assert asked(d).question_id == q.sections[1].items[0].id


def test_a_section_answered_this_year_is_not_overwritten(questionnaire: Questionnaire) -> None:
    q = edited()
    conv = Conversation(q, answers={"s1.gp": Answer("yes")}, carried=carried(questionnaire))
    conv.send(ev.Start())
    d = conv.send(ev.SectionStillTrue("s1.address"))
    assert "s1.gp" not in {c.question_id for c in d.changes}
    assert conv.answers["s1.gp"].value == "yes"
    # with nothing left to confirm, the button changes nothing
    conv.send(ev.Jump("s1.address"))
    refused = conv.send(ev.SectionStillTrue("s1.address"))
    assert refused.changes == ()
    assert refused.effects == (fx.Rejected(fx.Reason.NOTHING_CARRIED, "s1.address"),)


def test_an_ordinary_round_offers_nothing(questionnaire: Questionnaire) -> None:
    conv = Conversation(questionnaire)
    ask = asked(conv.send(ev.Start()))
    assert ask.carried is None and ask.section_carried == 0
    assert conv.send(ev.StillTrue(ask.question_id)).changes == ()


def test_a_batch_confirms_answers_and_sections_after_its_own_answers(
    questionnaire: Questionnaire,
) -> None:
    """An email reply: "1 same - note", "section 1 same" and "4 yes" in one batch; the
    answer given wins over the section, and nothing new or reworded is confirmed."""
    q = edited()
    conv = Conversation(q, carried=carried(questionnaire))
    d = conv.send(
        ev.Batch(
            (
                ev.BatchEntry("s1.address", None, "and on the MIS", still_true=True),
                ev.BatchEntry("s1.gp", "yes"),
                ev.BatchEntry(REWORDED, None, still_true=True),
            ),
            same_sections=(1, 9),
        )
    )
    assert conv.answers["s1.address"] == Answer("yes", "held on the referral form\nand on the MIS")
    assert conv.answers["s1.gp"] == Answer("yes", None)  # not last year's "no"
    assert REWORDED not in conv.answers and ADDED not in conv.answers
    (section,) = [e for e in d.effects if isinstance(e, fx.ConfirmedSection)]
    in_s1 = {item.id for item in q.sections[0].items}
    assert set(section.question_ids) == in_s1 - {REWORDED, ADDED, "s1.address", "s1.gp"}
    (result,) = [e for e in d.effects if isinstance(e, fx.BatchResult)]
    assert result.saved == ("s1.address", "s1.gp") and result.still_true == ("s1.address",)
    assert result.rejected == (
        fx.Rejected(fx.Reason.NOTHING_CARRIED, REWORDED),
        fx.Rejected(fx.Reason.SECTION_NOTHING_CARRIED, None),  # there is no section 9
    )
    again = conv.send(ev.Batch((), same_sections=(1,)))
    assert again.changes == ()
    (result,) = [e for e in again.effects if isinstance(e, fx.BatchResult)]
    assert result.rejected == (fx.Rejected(fx.Reason.SECTION_NOTHING_CARRIED, "s1.address"),)


def test_same_typed_where_nothing_can_be_confirmed_is_refused_not_kept_as_a_note(
    questionnaire: Questionnaire,
) -> None:
    conv = Conversation(edited(), carried=carried(questionnaire))
    conv.send(ev.Start())
    conv.send(ev.Jump(REWORDED))
    d = conv.send(ev.Text("same"))
    assert d.effects == (fx.Rejected(fx.Reason.NOTHING_CARRIED, REWORDED),)
    assert d.changes == () and conv.state.held is None
