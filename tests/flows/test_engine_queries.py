"""An LA query in the conversation: starting shows the queried question first, with the
LA's comment, and afterwards the person is back where they were."""

from __future__ import annotations

from bot.flows import effects as fx
from bot.flows import events as ev
from bot.flows.state import Mode
from bot.questionnaire import Questionnaire
from storage.records import Answer
from tests.flows.conversation import Conversation, all_answered

COMMENT = "Please say which system holds this."


def asked(decision: object) -> fx.Ask:
    found = [e for e in decision.effects if isinstance(e, fx.Ask)]  # type: ignore[attr-defined]
    assert len(found) == 1
    return found[0]


def test_the_queried_question_comes_first_and_then_back_where_they_were(
    questionnaire: Questionnaire,
) -> None:
    conv = Conversation(questionnaire, answers={"s1.address": Answer("yes")})
    conv.send(ev.Start())
    conv.send(ev.Choose("s1.telephone", "no"))
    assert asked(conv.send(ev.Start())).question_id == "s1.electronic_contacts"
    conv.queries = {"s1.address": COMMENT}
    ask = asked(conv.send(ev.Start()))  # a day later, after the LA's query
    assert (ask.question_id, ask.query) == ("s1.address", COMMENT)
    conv.send(ev.Note("s1.address"))
    d = conv.send(ev.Text("No change: it is on the referral form"))
    assert conv.answers["s1.address"] == Answer("yes", "No change: it is on the referral form")
    assert asked(d).question_id == "s1.electronic_contacts" and asked(d).query is None
    assert not conv.queries


def test_a_submitted_audit_returns_to_the_review_after_the_query(
    questionnaire: Questionnaire,
) -> None:
    conv = Conversation(
        questionnaire,
        answers=all_answered(questionnaire),
        submitted=True,
        queries={"s2.schools": COMMENT, "s1.gp": "And this?"},
    )
    ask = asked(conv.send(ev.Start()))
    assert (ask.question_id, ask.query) == ("s2.schools", COMMENT)  # oldest first
    d = conv.send(ev.Choose("s2.schools", "no"))
    assert any(isinstance(e, fx.ShowReview) for e in d.effects)
    assert conv.state.mode is Mode.REVIEW
    ask = asked(conv.send(ev.Start()))  # the other query is still open
    assert (ask.question_id, ask.query) == ("s1.gp", "And this?")


def test_a_question_in_view_with_a_query_is_not_asked_twice(questionnaire: Questionnaire) -> None:
    conv = Conversation(questionnaire, queries={"s1.address": COMMENT})
    first = asked(conv.send(ev.Start()))
    again = asked(conv.send(ev.Start()))
    assert first == again and conv.state.then is None
