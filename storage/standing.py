"""Where a contact stands, in one statement: the contact, the current round, their
partnership's response in it with its answers, and their conversation in this channel.
Handling any event starts with these, on every tap, and each statement is a round trip to
aiosqlite's thread."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import aiosqlite

from storage.partnerships import _ADDRESSES_JSON, _CONTACT_COLUMNS, _contact_with_addresses
from storage.records import Answer, Contact, Response, Round
from storage.responses import _response, answer_from_row
from storage.rounds import _round

_ROUND = ("id", "questionnaire_version", "opened_at", "deadline", "closed_at", "carries_from")
_RESPONSE = (
    "id",
    "round_id",
    "partnership_id",
    "questionnaire_version",
    "status",
    "submitted_at",
    "submitted_by",
    "amended_at",
    "last_activity_at",
)
_SQL = (
    f"SELECT {_CONTACT_COLUMNS}, {_ADDRESSES_JSON},"  # noqa: S608 - constants only
    " r.id AS r_id, r.questionnaire_version AS r_questionnaire_version,"
    " r.opened_at AS r_opened_at, r.deadline AS r_deadline, r.closed_at AS r_closed_at,"
    " r.carries_from AS r_carries_from,"
    " s.id AS s_id, s.round_id AS s_round_id, s.partnership_id AS s_partnership_id,"
    " s.questionnaire_version AS s_questionnaire_version, s.status AS s_status,"
    " s.submitted_at AS s_submitted_at, s.submitted_by AS s_submitted_by,"
    " s.amended_at AS s_amended_at, s.last_activity_at AS s_last_activity_at,"
    # the answers as `responses.answers` reads them, as one JSON array
    " (SELECT json_group_array(json_object('question_id', a.question_id, 'value', a.value,"
    "   'note', a.note, 'contact_id', a.contact_id, 'contact_name', ac.name,"
    "   'channel', a.channel, 'answered_at', a.answered_at,"
    "   'note_contact_id', a.note_contact_id, 'note_by', an.name, 'note_at', a.note_at))"
    "  FROM answers a LEFT JOIN contacts ac ON ac.id = a.contact_id"
    "  LEFT JOIN contacts an ON an.id = a.note_contact_id"
    "  WHERE a.response_id = s.id) AS answers_json,"
    " v.state AS conversation_state,"
    # the role the contact signed off with last (offered again when they next submit)
    " (SELECT g.role FROM signoffs g WHERE g.contact_id = c.id ORDER BY g.id DESC LIMIT 1)"
    "  AS signoff_role"
    " FROM contacts c JOIN partnerships p ON p.id = c.partnership_id"
    " LEFT JOIN (SELECT * FROM rounds ORDER BY closed_at IS NULL DESC, id DESC LIMIT 1) r"
    "  ON 1 = 1"
    " LEFT JOIN responses s ON s.round_id = r.id AND s.partnership_id = c.partnership_id"
    " LEFT JOIN conversations v"
    "  ON v.contact_id = c.id AND v.round_id = r.id AND v.channel = :channel"
    " WHERE c.id = :contact"
)


@dataclass(frozen=True, slots=True)
class Standing:
    contact: Contact
    round: Round | None
    """The open round, or else the one closed last (`rounds.latest_round`); None before
    the first."""
    response: Response | None
    """The partnership's response in that round; None until someone first answers."""
    answers: dict[str, Answer]
    """Its answers, by question id (`responses.answers`)."""
    state: str | None
    """The contact's conversation state in this channel and round, as saved."""
    role: str | None = None
    """The role the contact last signed off a submission with, if ever."""


class _Prefixed(Mapping[str, Any]):
    """The columns of `row` named `prefix` + name, by name."""

    def __init__(self, row: aiosqlite.Row, prefix: str, names: tuple[str, ...]) -> None:
        self._row, self._prefix, self._names = row, prefix, names

    def __getitem__(self, name: str) -> Any:
        return self._row[self._prefix + name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


async def standing(conn: aiosqlite.Connection, contact_id: int, channel: str) -> Standing | None:
    """Where the contact stands; None if there is no such contact."""
    for row in await conn.execute_fetchall(_SQL, {"contact": contact_id, "channel": channel}):
        has_round, has_response = row["r_id"] is not None, row["s_id"] is not None
        return Standing(
            contact=_contact_with_addresses(row),
            round=_round(_Prefixed(row, "r_", _ROUND)) if has_round else None,
            response=_response(_Prefixed(row, "s_", _RESPONSE)) if has_response else None,
            answers={
                answer["question_id"]: answer_from_row(answer)
                for answer in json.loads(row["answers_json"] or "[]")
            },
            state=row["conversation_state"],
            role=row["signoff_role"],
        )
    return None
