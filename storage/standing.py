"""Where a contact stands, in one statement: the contact, the current round, their
partnership's response in it with its answers, and their conversation in this channel.
Handling any event starts with these, on every tap, and each statement is a round trip to
aiosqlite's thread: `begin_event` does all an event's reading and bookkeeping in one."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

import aiosqlite

from storage.db import on_thread
from storage.partnerships import _ADDRESSES_JSON, _CONTACT_COLUMNS, _contact_with_addresses
from storage.records import Answer, Contact, Response, Round
from storage.responses import _response, answer_from_row, response_for_sync
from storage.rounds import _round
from storage.updates import mark_processed_sync

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
_ANSWER = (
    "question_id",
    "value",
    "note",
    "contact_id",
    "contact_name",
    "channel",
    "answered_at",
    "note_contact_id",
    "note_by",
    "note_at",
)
ANSWERS_KEPT = 10_000
"""Answers kept parsed (`_answers`): a tap reads all of its response's answers again; 230
partnerships' worth of 44 (then they are all parsed afresh once)."""
_parsed: dict[tuple[Any, ...], Answer] = {}
_SQL = (
    f"SELECT {_CONTACT_COLUMNS}, {_ADDRESSES_JSON},"  # noqa: S608 - constants only
    " r.id AS r_id, r.questionnaire_version AS r_questionnaire_version,"
    " r.opened_at AS r_opened_at, r.deadline AS r_deadline, r.closed_at AS r_closed_at,"
    " r.carries_from AS r_carries_from,"
    " s.id AS s_id, s.round_id AS s_round_id, s.partnership_id AS s_partnership_id,"
    " s.questionnaire_version AS s_questionnaire_version, s.status AS s_status,"
    " s.submitted_at AS s_submitted_at, s.submitted_by AS s_submitted_by,"
    " s.amended_at AS s_amended_at, s.last_activity_at AS s_last_activity_at,"
    # the answers as `responses.answers` reads them, as one JSON array of _ANSWER arrays
    " (SELECT json_group_array(json_array(a.question_id, a.value, a.note, a.contact_id,"
    "   ac.name, a.channel, a.answered_at, a.note_contact_id, an.name, a.note_at))"
    "  FROM answers a LEFT JOIN contacts ac ON ac.id = a.contact_id"
    "  LEFT JOIN contacts an ON an.id = a.note_contact_id"
    "  WHERE a.response_id = s.id) AS answers_json,"
    " v.state AS conversation_state,"
    # the role the contact signed off with last (offered again when they next submit)
    " (SELECT g.role FROM signoffs g WHERE g.contact_id = c.id ORDER BY g.id DESC LIMIT 1)"
    "  AS signoff_role"
    # the LA's open queries on the response, oldest first: [question id, comment] pairs
    " , (SELECT json_group_array(json_array(q.question_id, q.comment)) FROM"
    "  (SELECT question_id, comment FROM queries WHERE round_id = r.id"
    "   AND partnership_id = c.partnership_id AND answered_at IS NULL ORDER BY id) q)"
    "  AS open_queries_json"
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
    queries: Mapping[str, str] = field(default_factory=dict)
    """The LA's open queries on this response: the (oldest) comment by question id."""


@dataclass(frozen=True, slots=True)
class EventStart:
    """What handling an event starts from (`begin_event`)."""

    standing: Standing
    duplicate: bool = False
    """The event had been handled before (its update key was recorded)."""
    response: Response | None = None
    """The partnership's response in the round, made now if it had none; None when there
    is no round or the event is a duplicate."""


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
    return await on_thread(conn, partial(standing_sync, contact_id=contact_id, channel=channel))


def standing_sync(sql: sqlite3.Connection, contact_id: int, channel: str) -> Standing | None:
    """`standing` on aiosqlite's thread (`storage.db.on_thread`)."""
    for row in sql.execute(_SQL, {"contact": contact_id, "channel": channel}).fetchall():
        has_round, has_response = row["r_id"] is not None, row["s_id"] is not None
        return Standing(
            contact=_contact_with_addresses(row),
            round=_round(_Prefixed(row, "r_", _ROUND)) if has_round else None,
            response=_response(_Prefixed(row, "s_", _RESPONSE)) if has_response else None,
            answers=_answers(row["answers_json"]),
            state=row["conversation_state"],
            role=row["signoff_role"],
            queries=_queries(row["open_queries_json"]),
        )
    return None


def _queries(found: str | None) -> dict[str, str]:
    queries: dict[str, str] = {}
    for question_id, comment in json.loads(found or "[]"):
        queries.setdefault(question_id, comment)
    return queries


def _answers(found: str | None) -> dict[str, Answer]:
    """The answers of `_SQL`'s JSON, by question id. Each is parsed once and kept, by its
    whole content (names and times included): a tap reads the same answers again, with
    one new; reusing `Answer`s, which are immutable, takes a sixth of the time."""
    answers: dict[str, Answer] = {}
    for values in json.loads(found or "[]"):
        key = tuple(values)
        answer = _parsed.get(key)
        if answer is None:
            if len(_parsed) >= ANSWERS_KEPT:
                _parsed.clear()
            answer = _parsed[key] = answer_from_row(dict(zip(_ANSWER, values, strict=True)))
        answers[values[0]] = answer
    return answers


def begin_event(
    sql: sqlite3.Connection,
    contact_id: int,
    channel: str,
    update_key: str | None,
    now: datetime,
) -> EventStart | None:
    """In a write transaction, on aiosqlite's thread (`Database.batched`): where the
    contact stands; the update key recorded (`updates.mark_processed`), or the event found
    to be a duplicate; and the partnership's response in the round, made if it has none
    (`responses.response_for`). None if there is no such contact."""
    found = standing_sync(sql, contact_id, channel)
    if found is None:
        return None
    if update_key is not None and not mark_processed_sync(sql, channel, update_key, now):
        return EventStart(found, duplicate=True)
    current = found.round
    if current is None:
        return EventStart(found)
    response = found.response or response_for_sync(
        sql, current.id, found.contact.partnership_id, current.questionnaire_version
    )
    return EventStart(found, response=response)
