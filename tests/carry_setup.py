"""An edited questionnaire for carry-forward tests: last year's, with one question
reworded (s1.telephone), one added (s1.pets, at the end of section 1) and one removed
(s2.exam_boards)."""

from __future__ import annotations

from bot.questionnaire import Questionnaire, load_questionnaire, parse_questionnaire

REWORDED, ADDED, REMOVED = "s1.telephone", "s1.pets", "s2.exam_boards"


def edited_source() -> str:
    _, source = load_questionnaire()
    edited = (
        source.replace(
            "{id: s1.telephone, kind: tick, text: Telephone numbers}",
            "{id: s1.telephone, kind: tick, text: Telephone numbers of parents and carers}",
        )
        .replace(
            "      - id: s1.other\n",
            "      - {id: s1.pets, kind: tick, text: Pets at home}\n      - id: s1.other\n",
        )
        .replace(
            "      - {id: s2.exam_boards, kind: tick,"
            " text: Exam Boards and other awarding authorities}\n",
            "",
        )
    )
    assert edited.count("s1.pets") == 1 and "s2.exam_boards" not in edited
    assert "Telephone numbers of parents" in edited
    return edited


def edited() -> Questionnaire:
    return parse_questionnaire(edited_source())
