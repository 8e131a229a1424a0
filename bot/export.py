"""Every answer of a round as rows: one per partnership × question, in form order."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from bot.questionnaire import Questionnaire
from bot.texts import texts
from storage.overview import StoredAnswer
from storage.records import Answer

HEADER = (
    "partnership",
    "section",
    "question_id",
    "question",
    "answer",
    "note",
    "answered_by",
    "answered_at",
)


def export_rows(
    questionnaire: Questionnaire,
    partnerships: list[str],
    answers: list[StoredAnswer],
    zone: ZoneInfo,
) -> Iterator[tuple[str, ...]]:
    by_key = {(a.partnership, a.question_id): a for a in answers}
    t = texts()
    for partnership in partnerships:
        for section, item in questionnaire.walk():
            stored = by_key.get((partnership, item.id))
            answer = Answer(stored.value, stored.note) if stored else None
            when = stored.answered_at.astimezone(zone) if stored and stored.answered_at else None
            yield (
                partnership,
                section.heading,
                item.id,
                item.text,
                t.answer_label(answer, item.kind) if answer and answer.answered else "",
                (stored.note or "") if stored else "",
                (stored.answered_by or "") if stored else "",
                when.strftime("%Y-%m-%d %H:%M") if when else "",
            )


def export_csv(rows: Iterator[tuple[str, ...]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue()
