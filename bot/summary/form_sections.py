"""The sections after the answers on a partnership's Word form, each only when it applies:
the follow-up actions on its answers, the LA's queries to it, and what changed since the
round the summary is compared with.

`FormSections` groups the summary's actions, queries and changes by partnership once (and
words the headings once), so that a round's worth of forms costs one pass over them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.summary.actions import Action
from bot.summary.compare import AnswerChange
from bot.summary.context import Wording
from bot.summary.model import PartnershipResult, Question, Summary
from bot.summary.queries import QueryView


class FormSections:
    """The extra sections of every partnership's form in one summary."""

    def __init__(self, summary: Summary) -> None:
        w = self.w = Wording(summary)
        self._questions: Mapping[str, Question] = {q.item.id: q for q in summary.questions}
        self._actions: dict[int, list[Action]] = {}
        for action in summary.actions:
            self._actions.setdefault(action.partnership_id, []).append(action)
        self._queries: dict[int, list[QueryView]] = {}
        for query in summary.queries:
            self._queries.setdefault(query.partnership_id, []).append(query)
        comparison = summary.comparison
        self._changes: Mapping[str, tuple[AnswerChange, ...]] = (
            {p.partnership: p.changes for p in comparison.partnerships} if comparison else {}
        )
        number = w.s("docx.number")
        question = w.s("column.question")
        self._fixed: dict[str, Any] = {
            "actions_heading": w.s("docx.actions"),
            "actions_header": [
                number,
                question,
                w.s("docx.column.answer"),
                w.s("docx.column.severity"),
                w.s("docx.column.suggested"),
                w.s("docx.column.status"),
            ],
            "queries_heading": w.s("docx.queries"),
            "queries_intro": "",
            "queries_header": [
                number,
                question,
                w.s("docx.column.comment"),
                w.s("docx.column.reply"),
            ],
            "compared_heading": "",
            "compared_intro": "",
            "compared_header": [],
        }
        if comparison is not None:
            earlier = comparison.previous.id
            self._fixed |= {
                "compared_heading": w.c("heading", round=earlier),
                "compared_intro": w.s("docx.compared_intro", round=earlier),
                "compared_header": [
                    number,
                    question,
                    w.c("column.before", round=earlier),
                    w.c("column.after"),
                ],
            }
        self._reworded = w.c("reworded")

    def context(self, result: PartnershipResult) -> dict[str, Any]:
        """The form's context for its extra sections: `actions`, `queries` and `compared`
        (rows, each with `cells`; empty: no section), with their headings and headers."""
        actions = self._actions.get(result.partnership.id, ())
        queries = self._queries.get(result.partnership.id, ())
        changes = self._changes.get(result.name, ())
        opened = sum(1 for a in actions if a.is_open)
        return {
            **self._fixed,
            "actions": [{"cells": self._action(a)} for a in actions],
            "actions_intro": self.w.s("docx.actions_intro", open=opened, done=len(actions) - opened)
            if actions
            else "",
            "queries": [{"cells": self._query(q)} for q in queries],
            "compared": [{"cells": self._change(c)} for c in changes],
        }

    def _action(self, action: Action) -> list[str]:
        w, q = self.w, action.question
        return [
            str(q.number),
            q.item.text,
            w.answer_version(q, action.answer),
            w.severity(action),
            "\n".join(action.suggestions),
            w.action_status(action),
        ]

    def _query(self, query: QueryView) -> list[str]:
        w = self.w
        asked = self._questions.get(query.question_id)
        return [
            str(asked.number) if asked else "",
            asked.item.text if asked else query.question_id,
            w.s("docx.query_comment", comment=query.comment, asked=query.asked),
            w.s("docx.query_reply", status=query.status, reply=query.reply),
        ]

    def _change(self, change: AnswerChange) -> list[str]:
        w, q = self.w, change.question
        text = f"{q.item.text} {self._reworded}" if change.reworded else q.item.text
        return [
            str(q.number),
            text,
            w.answer_version(q, change.before),
            w.answer_version(q, change.after),
        ]
