"""`standing` reads in one statement what the separate reads give: the contact, the current
round, the response with its answers, and the conversation state, including when there is
no round, no response or no conversation yet."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.directory import import_directory
from storage import Database, conversations, partnerships, responses, rounds
from storage.records import AnswerChange
from storage.standing import standing
from tests.conftest import DIRECTORY, Clock, Seeded


async def _separately(db: Database, contact_id: int, channel: str) -> tuple[object, ...]:
    async with db.read() as conn:
        contact = await partnerships.contact_by_id(conn, contact_id)
        assert contact is not None
        current = await rounds.latest_round(conn)
        if current is None:
            return contact, None, None, {}, None
        rows = await conn.execute_fetchall(
            "SELECT id FROM responses WHERE round_id = ? AND partnership_id = ?",
            (current.id, contact.partnership_id),
        )
        response = None
        answers = {}
        if rows:
            response = await responses.response_for(
                conn, current.id, contact.partnership_id, current.questionnaire_version
            )
            answers = await responses.answers(conn, response.id)
        state = await conversations.load_state(conn, contact.id, current.id, channel)
        return contact, current, response, answers, state


async def _together(db: Database, contact_id: int, channel: str) -> tuple[object, ...]:
    async with db.read() as conn:
        found = await standing(conn, contact_id, channel)
    assert found is not None
    return found.contact, found.round, found.response, found.answers, found.state


async def test_standing_equals_the_separate_reads(seeded: Seeded) -> None:
    db, alice, bob = seeded.db, seeded.contacts["alice"], seeded.contacts["bob"]
    assert await _together(db, alice.id, "telegram") == await _separately(
        db, alice.id, "telegram"
    )  # no response, no conversation yet
    now = seeded.clock()
    async with db.transaction() as conn:
        response = await responses.response_for(
            conn, seeded.round.id, alice.partnership_id, seeded.round.questionnaire_version
        )
        items = seeded.questionnaire.items
        await responses.apply_changes(
            conn,
            response,
            [
                AnswerChange(items[0].id, "yes", "a “note” & <more>"),
                AnswerChange(items[1].id, None, "n"),
            ],
            alice.id,
            "telegram",
            now,
        )
        await responses.apply_changes(
            conn, response, [AnswerChange(items[0].id, "no", None)], bob.id, "email", now
        )
        await conversations.save_state(
            conn, alice.id, seeded.round.id, "telegram", '{"at": 1}', now + timedelta(1)
        )
    for contact, channel in ((alice, "telegram"), (alice, "email"), (bob, "telegram")):
        together = await _together(db, contact.id, channel)
        assert together == await _separately(db, contact.id, channel)
    assert (await _together(db, alice.id, "telegram"))[4] == '{"at": 1}'


async def test_no_round_and_no_contact(db: Database, tmp_path: Path) -> None:
    async with db.read() as conn:
        assert await standing(conn, 1, "telegram") is None  # nobody at all
    directory = tmp_path / "directory.csv"
    directory.write_text(DIRECTORY, "utf-8")
    await import_directory(db, directory, Clock()())  # contacts, but no round yet
    async with db.read() as conn:
        (contact, *_) = await partnerships.list_contacts(conn)
    assert await _together(db, contact.id, "telegram") == (contact, None, None, {}, None)
    assert await _separately(db, contact.id, "telegram") == (contact, None, None, {}, None)
