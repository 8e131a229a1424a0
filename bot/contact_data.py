"""A contact's rights over their data: everything held about them (subject access), and
erasure, which removes every identifier (name, email, Telegram ids, chat ids, invites,
messages to them, updates from them) while the partnership keeps its answers, shown as
given by "a former contact".

Erasure keeps the contact's row, emptied, so that answers and the (hash-chained) history
keep their place; then the file is rewritten without free space and the write-ahead log
emptied, so that no copy of what was removed lingers in the database files.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.clock import Clock, system_clock
from bot.dry_run import transaction
from bot.questionnaire import Questionnaire
from bot.questionnaire_store import stored_questionnaire
from bot.texts import texts
from storage import Database, audit_log, inbox, maintenance, signoffs
from storage import contact_data as store
from storage.db import Connection
from storage.records import Contact
from storage.retention import PURGED_PAYLOAD, secure_delete

EXPORT_ACTION = "contact export"
ERASE_ACTION = "contact erase"
MIN_NEEDLE = 3
"""Shorter names are not searched for in messages' content: they would match anything."""
SENDER_KEYS = frozenset({"from", "chat", "user", "sender_chat"})
"""Where an incoming Telegram update names who sent it."""


@dataclass(frozen=True, slots=True)
class Erasure:
    """What erasing one contact removed (or, in a dry run, would remove) and kept."""

    contact_id: int
    partnership: str
    addresses: int = 0
    invites: int = 0
    messages_deleted: int = 0
    messages_emptied: int = 0
    conversations: int = 0
    snoozes: int = 0
    invite_attempts: int = 0
    waiting_updates: int = 0
    answers_kept: int = 0
    history_kept: int = 0
    compacted: bool = True
    """False if another connection kept old pages in the write-ahead log for now."""

    def detail(self) -> str:
        """For the audit log: numbers only, nothing that identifies the person."""
        return texts().string("stewardship.log.erase", e=self)


def former_contact() -> str:
    """What shows where an erased contact's name did (templates/strings.yaml)."""
    return texts().string("stewardship.former_contact")


# --- subject access --------------------------------------------------------------------


async def export(
    db: Database, contact: Contact, actor: str, clock: Clock = system_clock
) -> dict[str, Any]:
    """Everything held about `contact`, as JSON-ready values; the export is recorded in the
    audit log (before it is read, so that it is part of it)."""
    now = clock()
    async with db.transaction() as conn:
        detail = texts().string("stewardship.log.export", id=contact.id)
        await audit_log.append(conn, now, actor, EXPORT_ACTION, detail, contact_id=contact.id)
    async with db.read() as conn:
        record = await store.contact(conn, contact.id)
        addresses = await store.addresses(conn, contact.id)
        accounts = _accounts(addresses)
        reached = _reached(addresses)
        answers = await store.answers(conn, contact.id)
        history = await store.history(conn, contact.id)
        questionnaires = await _questionnaires(conn, [*answers, *history])
        waiting = await store.waiting_updates(conn)
        return {
            "exported_at": now.isoformat(timespec="seconds"),
            "contact": record,
            "addresses": addresses,
            "invites": await store.invites(conn, contact.id),
            "answers": [_answer(row, contact.id, questionnaires) for row in answers],
            "history": [_question(dict(row), questionnaires) for row in history],
            "submitted": await store.submissions(conn, contact.id),
            "signed_off": await store.signoffs(conn, contact.id),
            "conversations": [
                {**row, "state": _json(row["state"])}
                for row in await store.conversations(conn, contact.id)
            ],
            "reminder_snoozes": await store.snoozes(conn, contact.id),
            "messages": [
                _message(row) for row in await store.messages_to(conn, contact.id, reached)
            ],
            "invite_attempts": await store.invite_attempts(conn, accounts),
            "waiting_updates": [
                {**row, "payload": _json(row["payload"])}
                for row in waiting
                if _sent_by(row["payload"], accounts, reached)
            ],
            "audit_log": [
                {
                    "at": entry.at.isoformat(timespec="seconds"),
                    "actor": entry.actor,
                    "action": entry.action,
                    "detail": entry.detail,
                    "outcome": entry.outcome,
                }
                for entry in await audit_log.about_contact(conn, contact.id)
            ],
        }


def to_json(held: dict[str, Any]) -> str:
    return json.dumps(held, ensure_ascii=False, indent=2) + "\n"


async def _questionnaires(
    conn: Connection, rows: Iterable[dict[str, Any]]
) -> dict[str, Questionnaire]:
    found: dict[str, Questionnaire] = {}
    for version in {row["questionnaire_version"] for row in rows}:
        try:
            found[version] = await stored_questionnaire(conn, version)
        except LookupError:
            continue
    return found


def _question(row: dict[str, Any], questionnaires: dict[str, Questionnaire]) -> dict[str, Any]:
    """The row with its question's number and wording, as the round asked it."""
    q = questionnaires.get(row.pop("questionnaire_version"))
    position = q.position(row["question_id"]) if q else None
    if q is not None and position is not None:
        row["question_number"] = position + 1
        row["question"] = q.items[position].text
    return row


def _answer(
    row: dict[str, Any], contact_id: int, questionnaires: dict[str, Questionnaire]
) -> dict[str, Any]:
    """Their part of a current answer: the answer if they gave it, the note if they wrote it
    (a colleague's part is theirs, not this contact's)."""
    mine: dict[str, Any] = {
        "round_id": row["round_id"],
        "questionnaire_version": row["questionnaire_version"],
        "partnership": row["partnership"],
        "question_id": row["question_id"],
    }
    if row["contact_id"] == contact_id:
        mine.update(answer=row["value"], answered_at=row["answered_at"], channel=row["channel"])
    if row["note_contact_id"] == contact_id:
        mine.update(note=row["note"], note_at=row["note_at"])
    return _question(mine, questionnaires)


def _message(row: dict[str, Any]) -> dict[str, Any]:
    """A queued or sent message: what it said, and the names of its files (not their bytes)."""
    payload = _json(row.pop("payload"))
    notice = payload.get("notice") if isinstance(payload, dict) else None
    if isinstance(notice, dict):
        row["content"] = {"kind": notice.get("kind"), **notice.get("context", {})}
        row["files"] = [a.get("filename") for a in notice.get("attachments", [])]
    elif payload == json.loads(PURGED_PAYLOAD):
        row["content"] = None  # removed after its retention period
    else:
        row["content"] = {k: v for k, v in payload.items() if k != "document"}
    return row


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _accounts(addresses: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(a["channel"], a["account"]) for a in addresses if a["account"]]


def _reached(addresses: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(a["channel"], a["address"]) for a in addresses]


def _sent_by(
    payload: str, accounts: Sequence[tuple[str, str]], reached: Sequence[tuple[str, str]]
) -> bool:
    """Whether an incoming update (Telegram's JSON) came from, or is in a chat with, them."""
    ids = {value for _, value in (*accounts, *reached)}
    return bool(ids) and _names_sender(_json(payload), ids, parent=None)


def _names_sender(node: Any, ids: set[str], parent: str | None) -> bool:
    if isinstance(node, dict):
        if parent in SENDER_KEYS and str(node.get("id")) in ids:
            return True
        return any(_names_sender(value, ids, key) for key, value in node.items())
    if isinstance(node, list):
        return any(_names_sender(value, ids, parent) for value in node)
    return False


# --- erasure ---------------------------------------------------------------------------


async def erase(
    db: Database,
    contact: Contact,
    actor: str,
    clock: Clock = system_clock,
    *,
    dry_run: bool = False,
) -> Erasure:
    """Remove `contact`'s personal data (see the module's docstring) in one transaction,
    recorded in the audit log; then compact the file. With `dry_run`, say what would go
    and change nothing."""
    now = clock()
    async with transaction(db, dry_run=dry_run) as conn:
        await secure_delete(conn)
        erasure = await _erase(conn, contact, now)
        if not dry_run:
            await audit_log.append(
                conn, now, actor, ERASE_ACTION, erasure.detail(), contact_id=contact.id
            )
    if dry_run:
        return erasure
    return replace(erasure, compacted=await maintenance.compact(db.path))


async def _erase(conn: Connection, contact: Contact, now: datetime) -> Erasure:
    addresses = await store.addresses(conn, contact.id)
    accounts, reached = _accounts(addresses), _reached(addresses)
    to_them = [row["id"] for row in await store.messages_to(conn, contact.id, reached)]
    needles = [
        text
        for text in (contact.name, contact.email, contact.telegram_username)
        if text and len(text) >= MIN_NEEDLE
    ] + [address for _, address in reached if "@" in address]
    mentioning = await store.messages_mentioning(conn, needles, to_them)
    delivered = [row["id"] for row in mentioning if row["status"] == "sent"]
    # not yet sent: deleted, so that a summary still due is compiled afresh without them
    waiting = [row["id"] for row in mentioning if row["status"] != "sent"]
    updates = [
        row
        for row in await store.waiting_updates(conn)
        if _sent_by(row["payload"], accounts, reached)
    ]
    for update in updates:
        await inbox.handled(conn, update["channel"], update["seq"])
    erasure = Erasure(
        contact_id=contact.id,
        partnership=contact.partnership,
        answers_kept=len(await store.answers(conn, contact.id)),
        history_kept=len(await store.history(conn, contact.id)),
        invite_attempts=await store.delete_invite_attempts(conn, accounts),
        addresses=await store.delete_addresses(conn, contact.id),
        invites=await store.delete_invites(conn, contact.id),
        messages_deleted=await store.delete_messages(conn, [*to_them, *waiting]),
        messages_emptied=await store.strip_messages(conn, delivered),
        conversations=await store.delete_conversations(conn, contact.id),
        snoozes=await store.delete_snoozes(conn, contact.id),
        waiting_updates=len(updates),
    )
    await store.anonymise_contact(conn, contact.id, former_contact(), now)
    await signoffs.anonymise(conn, contact.id, former_contact())
    return erasure
