"""The LA's questions back to a partnership about one answer ("queries"), and the replies.

An LA admin asks about one answer of a partnership in the open round (`QueryLoop.ask`, from
`auditbot query` or Telegram's /query). The query is stored with the answer and note as they
stood, and each of the partnership's contacts gets a "query" notice wherever reminders reach
them: the question, their current answer and note, the LA's comment, and a way to open that
question (Telegram: a button that jumps to it and back to the review; email: reply with the
question's number, as for any answer).

Their reply is any change to that answer or its note (an amended answer, a note, or "no
change, because ..." as a note): `record_replies` runs in the transaction that applies the
change (`AuditService.handle`), marks the query answered with the new answer and note, and
queues a "query.answered" notice, old -> new, to whoever the query named when it was asked
(the LA recipients and the admin who asked). The answer history holds the change itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import aiosqlite

from bot.config import Recipient, Settings
from bot.notices import Action, Intent, Notice
from bot.questionnaire import Questionnaire
from bot.questionnaire_store import stored_questionnaire
from bot.reminders import Policy
from bot.submission_notices import reach
from bot.summary.model import Question, number_questions
from bot.texts import texts
from storage import Database, outbox, partnerships, responses, rounds
from storage import queries as store
from storage.outbox import NewMessage
from storage.queries import NewQuery, Query
from storage.records import Answer, AnswerChange, Contact, Partnership, Response, Round

QUERY = "query"
"""The notice kind a partnership's contacts get: templates/<channel>/notices/query.*."""
ANSWERED = "query.answered"
"""The notice kind the LA gets when the partnership replies."""
ANSWER_LABEL = "queries.button.answer"
MAX_COMMENT = 1000
"""Characters of an LA comment: it goes into a chat message with the question and answer."""


class QueryError(ValueError):
    """A query that cannot be made as asked; the message says why in one sentence."""


def _nothing() -> None:
    """No outbox worker to wake."""


def _t(key: str, **context: object) -> str:
    return texts().string(f"queries.{key}", **context)


@dataclass(frozen=True, slots=True)
class Asked:
    """A query just made, and who was told."""

    query_id: int
    partnership: str
    number: int
    told: tuple[str, ...]
    """The names of the contacts it was queued for."""


@dataclass(frozen=True, slots=True)
class QueryLoop:
    """Asking partnerships about an answer; `from_settings` for a process's channels."""

    channels: tuple[str, ...] = ("telegram", "email")
    """Where contacts can be told, the default channel first (as for reminders)."""
    la_recipients: tuple[Recipient, ...] = ()
    timezone: str = "UTC"
    wake: Callable[[], None] = field(default=_nothing)

    @classmethod
    def from_settings(cls, settings: Settings, wake: Callable[[], None] = _nothing) -> QueryLoop:
        channels = Policy.from_settings(settings).channels
        return cls(channels, settings.la_recipients, settings.timezone, wake)

    async def ask(
        self,
        db: Database,
        partnership: str | int,
        question: str,
        comment: str,
        asked_by: str,
        now: datetime,
        reply_to: Recipient | None = None,
    ) -> Asked:
        """Record the query and queue the notices to the partnership's contacts.

        `partnership` is a name or an id, `question` a number or an id; `reply_to` (the
        admin who asked) hears of the reply besides the LA recipients."""
        text = " ".join(comment.split())
        if not text:
            raise QueryError(_t("error.empty"))
        if len(text) > MAX_COMMENT:
            raise QueryError(_t("error.too_long", limit=MAX_COMMENT))
        notify = tuple(dict.fromkeys(str(r) for r in (*self.la_recipients, reply_to) if r))
        async with db.transaction() as conn:
            round_, at = await _target(conn, partnership, question)
            found, asked, current = at.partnership, at.question, at.answer
            new = NewQuery(
                round_.id,
                found.id,
                asked.item.id,
                text,
                asked_by,
                current.value if current else None,
                current.note if current else None,
                notify,
            )
            query_id = await store.add(conn, new, now)
            told = await self._tell_partnership(
                conn, query_id, round_, found.id, asked, current, text, now
            )
        if told:
            self.wake()
        return Asked(query_id, found.name, asked.number, told)

    async def _tell_partnership(
        self,
        conn: aiosqlite.Connection,
        query_id: int,
        round_: Round,
        partnership_id: int,
        question: Question,
        current: Answer | None,
        comment: str,
        now: datetime,
    ) -> tuple[str, ...]:
        told: list[str] = []
        for contact in await partnerships.list_contacts(conn, partnership_id):
            address = reach(contact, self.channels)
            if address is None:
                continue
            notice = query_notice(contact, question, current, comment)
            message = NewMessage(
                dedupe_key=f"query:{query_id}:c{contact.id}",
                channel=address.channel,
                recipient=address.address,
                kind=QUERY,
                payload=notice.to_payload(),
                round_id=round_.id,
                partnership_id=contact.partnership_id,
                contact_id=contact.id,
                slot=f"query-{query_id}",
            )
            if await outbox.enqueue(conn, message, now):
                told.append(contact.name)
        return tuple(told)


async def _partnership(conn: aiosqlite.Connection, wanted: str | int) -> Partnership:
    every = await partnerships.list_partnerships(conn)
    if isinstance(wanted, int) or wanted.strip().isdecimal():
        number = int(wanted)
        found = next((p for p in every if p.id == number), None)
    else:
        name = wanted.strip().casefold()
        found = next((p for p in every if p.name.casefold() == name), None)
    if found is None:
        raise QueryError(_t("error.unknown_partnership", name=wanted))
    return found


def find_question(questionnaire: Questionnaire, wanted: str) -> Question:
    """The question numbered `wanted` (1..N, as the chat shows them) or with that id."""
    questions = number_questions(questionnaire)
    ref = wanted.strip()
    if ref.isascii() and ref.isdigit() and 1 <= int(ref) <= len(questions):
        return questions[int(ref) - 1]
    found = next((q for q in questions if q.item.id == ref), None)
    if found is None:
        raise QueryError(_t("error.unknown_question", question=wanted, total=len(questions)))
    return found


def _label(question: Question, value: str | None) -> str:
    return texts().answer_label(Answer(value), question.item.kind)


def query_notice(
    contact: Contact, question: Question, current: Answer | None, comment: str
) -> Notice:
    """What a partnership's contact is told: the question, their answer, the LA's comment."""
    context = {
        "contact_name": contact.name,
        "partnership": contact.partnership,
        "number": question.number,
        "question": question.item.text,
        "answer": _label(question, current.value if current else None),
        "answered": current is not None and current.value is not None,
        "note": (current.note if current else None) or "",
        "comment": comment,
    }
    action = Action(
        ANSWER_LABEL,
        Intent.ANSWER_QUERY,
        {"question_id": question.item.id, "number": question.number},
    )
    return Notice(QUERY, context, [[action]])


def answered_notice(
    query: Query, question: Question, new: AnswerChange, by: str, when: str
) -> Notice:
    """What the LA is told when the partnership replies: old -> new, with the comment."""
    context = {
        "partnership": query.partnership,
        "number": question.number,
        "question": question.item.text,
        "comment": query.comment,
        "old_answer": _label(question, query.asked_value),
        "old_note": query.asked_note or "",
        "new_answer": _label(question, new.value),
        "new_note": new.note or "",
        "answer_changed": new.value != query.asked_value,
        "note_changed": (new.note or "") != (query.asked_note or ""),
        "by": by,
        "when": when,
    }
    return Notice(ANSWERED, context)


async def record_replies(
    conn: aiosqlite.Connection,
    response: Response,
    questionnaire: Questionnaire,
    before: Mapping[str, Answer],
    changes: Sequence[AnswerChange],
    contact: Contact,
    channel: str,
    now: datetime,
    timezone: str = "UTC",
    wake: Callable[[], None] = _nothing,
) -> int:
    """In the transaction that applies `changes` to `response`: close the open queries on
    the questions whose answer or note changed, and queue the LA's notices; returns how
    many queries were answered."""
    changed = {
        c.question_id: c
        for c in changes
        if (old := before.get(c.question_id)) is None or (old.value, old.note) != (c.value, c.note)
    }
    found = await store.open_on(conn, response.round_id, response.partnership_id, changed)
    if not found:
        return 0
    numbered = {q.item.id: q for q in number_questions(questionnaire)}
    when = now.astimezone(ZoneInfo(timezone)).strftime(_t("format.when"))
    closed = 0
    for query in found:
        reply = changed[query.question_id]
        if not await store.mark_answered(
            conn, query.id, contact.id, channel, reply.value, reply.note, now
        ):
            continue
        closed += 1
        question = numbered.get(query.question_id)
        if question is None:  # pragma: no cover - asked on this very questionnaire
            continue
        payload = answered_notice(query, question, reply, contact.name, when).to_payload()
        for recipient in query.notify:
            where, _, address = recipient.partition(":")
            message = NewMessage(
                dedupe_key=f"query:{query.id}:answered:{recipient}",
                channel=where,
                recipient=address,
                kind=ANSWERED,
                payload=payload,
                round_id=query.round_id,
                partnership_id=query.partnership_id,
                slot=f"query-{query.id}",
            )
            await outbox.enqueue(conn, message, now)
    if closed:
        wake()  # a drain woken now waits for this transaction's commit
    return closed


async def open_count(db: Database, round_id: int) -> int:
    async with db.read() as conn:
        return await store.count_open(conn, round_id)


async def round_queries(db: Database, round_id: int, only_open: bool = False) -> list[Query]:
    async with db.read() as conn:
        return await store.in_round(conn, round_id, only_open)


@dataclass(frozen=True, slots=True)
class Target:
    """An answer the LA may ask about: the partnership, the question, the answer now."""

    partnership: Partnership
    question: Question
    answer: Answer | None


async def choices(db: Database) -> tuple[list[Partnership], tuple[Question, ...]]:
    """The partnerships and the numbered questions of the open round, to pick from."""
    async with db.read() as conn:
        round_ = await rounds.open_round_now(conn)
        if round_ is None:
            raise QueryError(_t("error.no_round"))
        questionnaire = await stored_questionnaire(conn, round_.questionnaire_version)
        return await partnerships.list_partnerships(conn), number_questions(questionnaire)


async def target(db: Database, partnership: str | int, question: str) -> Target:
    """The partnership's answer to the question in the open round, as it stands."""
    async with db.transaction() as conn:
        _, found = await _target(conn, partnership, question)
    return found


async def _target(
    conn: aiosqlite.Connection, partnership: str | int, question: str
) -> tuple[Round, Target]:
    round_ = await rounds.open_round_now(conn)
    if round_ is None:
        raise QueryError(_t("error.no_round"))
    found = await _partnership(conn, partnership)
    questionnaire = await stored_questionnaire(conn, round_.questionnaire_version)
    asked = find_question(questionnaire, question)
    response = await responses.response_for(conn, round_.id, found.id, round_.questionnaire_version)
    current = (await responses.answers(conn, response.id)).get(asked.item.id)
    return round_, Target(found, asked, current)
