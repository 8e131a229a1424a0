"""Actions that follow: the questionnaire's rules, checked on loading, and the pure function
that derives the actions from answers and what was marked done."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.questionnaire import Questionnaire, QuestionnaireError, Severity, parse_questionnaire
from bot.summary.actions import (
    Action,
    action_code,
    answer_fingerprint,
    derive_actions,
    find_action,
    open_count,
)
from bot.summary.model import PartnershipResult, number_questions
from storage.actions import ActionDone
from storage.records import Answer, Partnership, Status

QUESTIONS = """\
title: Test audit
sections:
  - id: s1
    heading: Shared
    items:
      - {id: s1.schools, kind: tick, text: Schools}
      - {id: s1.other, kind: text, text: "Anyone else?"}
  - id: s2
    heading: Accuracy
    items:
      - {id: s2.check, kind: tick, text: We check the register termly}
      - {id: s2.how, kind: describe, text: "How do you check new information?"}
  - id: s3
    heading: Retention
    items:
      - {id: s3.paper, kind: statement, text: We keep paper records for seven years}
"""

RULES = """\
actions:
  - id: accuracy-no
    sections: [s2]
    answers: [no, nothing]
    severity: amber
    action: Ask how the partnership checks accuracy.
  - id: retention-differs
    questions: [s3.paper]
    answers: [differs]
    severity: red
    action: Ask for the retention schedule.
  - id: incident
    note_contains: [breach, memory stick]
    severity: red
    action: Ask what happened.
  - id: other-sharing
    questions: [s1.other]
    answers: [answered]
    note_contains: [police]
    severity: amber
    action: Check the police sharing agreement.
"""

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    return parse_questionnaire(QUESTIONS + RULES, "t.yaml")


def result(pid: int, name: str, **answers: Answer) -> PartnershipResult:
    by_id = {key.replace("_", ".", 1): value for key, value in answers.items()}
    return PartnershipResult(
        partnership=Partnership(pid, name),
        status=Status.IN_PROGRESS,
        answered=len(by_id),
        total=5,
        last_activity_at=NOW,
        submitted_at=None,
        amended_at=None,
        contacts=(),
        answers=by_id,
    )


def derive(
    questionnaire: Questionnaire,
    *results: PartnershipResult,
    done: dict[tuple[int, str], ActionDone] | None = None,
) -> tuple[Action, ...]:
    return derive_actions(questionnaire, number_questions(questionnaire), results, done)


def test_rules_load_with_their_severity_and_text(questionnaire: Questionnaire) -> None:
    rules = {rule.id: rule for rule in questionnaire.actions}
    assert rules["accuracy-no"].answers == ("no", "nothing")  # YAML's `no` read as a word
    assert rules["retention-differs"].severity is Severity.RED
    assert rules["incident"].note_contains == ("breach", "memory stick")


def test_rules_change_the_version_and_no_rules_keep_it(questionnaire: Questionnaire) -> None:
    plain = parse_questionnaire(QUESTIONS)
    assert plain.version != questionnaire.version
    assert parse_questionnaire(QUESTIONS + "actions: []\n").version == plain.version


def test_answers_raise_the_actions_their_rules_name(questionnaire: Questionnaire) -> None:
    north = result(
        1,
        "North",
        s1_schools=Answer("no"),  # no rule covers section 1's ticks
        s2_check=Answer("no"),
        s2_how=Answer(""),  # "nothing to add"
        s3_paper=Answer("differs", "Six years."),
    )
    south = result(
        2,
        "South",
        s2_check=Answer("yes"),
        s2_how=Answer("We ring the school."),
        s3_paper=Answer("true"),
        s1_other=Answer("Probation"),  # answered, but no "police" in it
    )
    actions = derive(questionnaire, north, south)
    assert [(a.partnership, a.question.item.id, a.severity) for a in actions] == [
        ("North", "s3.paper", Severity.RED),
        ("North", "s2.check", Severity.AMBER),
        ("North", "s2.how", Severity.AMBER),
    ]
    red = actions[0]
    assert red.suggestions == ("Ask for the retention schedule.",)
    assert (red.note, red.code, red.is_open) == ("Six years.", "1-5", True)
    assert open_count(actions) == 3


def test_words_match_notes_and_written_answers_whole_and_in_any_case(
    questionnaire: Questionnaire,
) -> None:
    east = result(
        3,
        "East",
        s1_schools=Answer("yes", "A Memory Stick went missing."),
        s1_other=Answer("The POLICE, after a breach"),
        s2_check=Answer("yes", "Breaches: none; we use a memory-stick-free policy"),
        s3_paper=Answer("true", "breachy"),
    )
    actions = {a.question.item.id: a for a in derive(questionnaire, east)}
    assert set(actions) == {"s1.schools", "s1.other"}
    # two rules on one answer: one action, the most urgent severity, both suggestions
    both = actions["s1.other"]
    assert both.severity is Severity.RED
    assert both.rules == ("incident", "other-sharing")
    assert both.suggestions == ("Ask what happened.", "Check the police sharing agreement.")


def test_a_rule_with_answers_and_words_needs_both(questionnaire: Questionnaire) -> None:
    west = result(4, "West", s1_other=Answer("", "police said nothing"))
    assert derive(questionnaire, west) == ()


def test_an_unanswered_question_with_only_a_note_is_matched_by_words_only(
    questionnaire: Questionnaire,
) -> None:
    west = result(4, "West", s2_check=Answer(None, "We had a breach"))
    (action,) = derive(questionnaire, west)
    assert action.rules == ("incident",)


def test_done_holds_for_the_answer_it_was_done_for(questionnaire: Questionnaire) -> None:
    answer = Answer("differs", "Six years.")
    done = ActionDone(1, "s3.paper", answer_fingerprint("differs", "Six years."), "cli:la", NOW)
    north = result(1, "North", s3_paper=answer, s2_check=Answer("no"))
    actions = derive(questionnaire, north, done={(1, "s3.paper"): done})
    # the open one comes first, though amber
    assert [(a.question.item.id, a.is_open) for a in actions] == [
        ("s2.check", True),
        ("s3.paper", False),
    ]
    assert actions[1].done == done and actions[1].superseded is None
    assert open_count(actions) == 1

    changed = result(1, "North", s3_paper=Answer("differs", "Five years now."))
    (reopened,) = derive(questionnaire, changed, done={(1, "s3.paper"): done})
    assert reopened.is_open and reopened.superseded == done


def test_done_for_an_answer_that_no_longer_needs_follow_up_is_not_listed(
    questionnaire: Questionnaire,
) -> None:
    done = ActionDone(1, "s3.paper", answer_fingerprint("differs", None), "cli:la", NOW)
    north = result(1, "North", s3_paper=Answer("true"))
    assert derive(questionnaire, north, done={(1, "s3.paper"): done}) == ()


def test_codes_name_partnership_and_question(questionnaire: Questionnaire) -> None:
    actions = derive(questionnaire, result(7, "North", s2_check=Answer("no")))
    assert action_code(7, 3) == "7-3"
    assert find_action(actions, " 7-3 ") == actions[0]
    assert find_action(actions, "7-4") is None


def test_no_rules_no_actions() -> None:
    plain = parse_questionnaire(QUESTIONS)
    assert derive(plain, result(1, "North", s2_check=Answer("no"))) == ()


def test_fingerprint_tells_answer_from_note() -> None:
    assert answer_fingerprint("no", None) != answer_fingerprint("no", "")
    assert answer_fingerprint("no", "x") != answer_fingerprint("nox", None)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            "  - {id: r, questions: [s9.x], answers: [no], severity: red, action: A}",
            "t.yaml, line 18: actions.0: there is no question 's9.x'.",
        ),
        (
            "  - {id: r, sections: [s1, s8], answers: [no], severity: red, action: A}",
            "t.yaml, line 18: actions.0: there is no section 's8'.",
        ),
        (
            "  - {id: r, sections: [s3], answers: [no], severity: red, action: A}",
            "t.yaml, line 18: actions.0: 'no' is not an answer to the questions this rule"
            " covers (use one of: differs, true).",
        ),
        (
            "  - {id: r, sections: [s3], answers: [true], severity: red, action: A}",
            "t.yaml, line 18: actions.0: 'yes' is not an answer to the questions this rule"
            ' covers (use one of: differs, true; put "true" in quotes).',
        ),
        (
            "  - {id: r, sections: [s3], answers: [differs], severity: pink, action: A}",
            "t.yaml, line 18: actions.0.severity: unknown severity 'pink'"
            " (use one of: red, amber).",
        ),
        (
            "  - {id: r, sections: [s3], severity: red, action: A}",
            "t.yaml, line 18: actions.0: a rule needs 'answers', 'note_contains' or both.",
        ),
        (
            "  - {id: r, note_contains: [' '], severity: red, action: A}",
            "t.yaml, line 18: actions.0.note_contains: a word to look for must not be empty.",
        ),
        (
            "  - {id: r, note_contains: [x], severity: red}",
            "t.yaml, line 18: actions.0.action: is missing.",
        ),
        (
            "  - {id: r, note_contains: [x], severity: red, action: A, when: [no]}",
            "t.yaml, line 18: actions.0.when: is not a known field.",
        ),
        (
            "  - {id: r, note_contains: [x], severity: red, action: A}\n"
            "  - {id: r, note_contains: [y], severity: red, action: B}",
            "t.yaml, line 19: actions: rule id 'r' is used twice.",
        ),
    ],
)
def test_a_bad_rule_is_one_sentence_naming_the_line(rule: str, message: str) -> None:
    with pytest.raises(QuestionnaireError) as info:
        parse_questionnaire(f"{QUESTIONS}actions:\n{rule}\n", "t.yaml")
    assert str(info.value) == message


def test_the_bundled_audit_has_rules_for_retention_accuracy_and_incidents() -> None:
    from bot.questionnaire import load_questionnaire

    bundled, _ = load_questionnaire()
    ids = {rule.id for rule in bundled.actions}
    assert {"retention-differs", "accuracy-no-check", "possible-incident"} <= ids
