"""A tap reads each thing once and writes only what changed: the answers after a change are
worked out in memory (`responses.merged`), which must equal reading them back, and the
statements a tap runs are counted (each is a round trip to aiosqlite's thread)."""

from __future__ import annotations

import random
from datetime import timedelta

from bot.flows import events as ev
from storage import Database, responses
from storage.records import AnswerChange
from tests.conftest import Seeded

VALUES = (None, "yes", "no")
NOTES = (None, "A note", "Another note")


async def test_answers_merged_in_memory_equal_the_answers_read_back(seeded: Seeded) -> None:
    pick = random.Random(11)
    alice, bob = seeded.contacts["alice"], seeded.contacts["bob"]  # both in North
    questions = [item.id for item in seeded.questionnaire.items[:5]]
    async with seeded.db.transaction() as conn:
        response = await responses.response_for(
            conn, seeded.round.id, alice.partnership_id, seeded.round.questionnaire_version
        )
        now = seeded.clock()
        current = await responses.answers(conn, response.id)
        for step in range(300):
            who = pick.choice((alice, bob))
            channel = pick.choice(("telegram", "email"))
            changes = [
                AnswerChange(pick.choice(questions), pick.choice(VALUES), pick.choice(NOTES))
                for _ in range(pick.choice((1, 1, 2)))
            ]
            now += timedelta(seconds=pick.choice((0, 1, 3600)))
            await responses.apply_changes(conn, response, changes, who.id, channel, now)
            current = responses.merged(current, changes, who.id, who.name, channel, now)
            assert current == await responses.answers(conn, response.id), step


async def statements(db: Database, seeded: Seeded, event: ev.Event, key: str) -> list[str]:
    ran: list[str] = []
    await db._conn.set_trace_callback(ran.append)
    try:
        await seeded.service.handle(seeded.contacts["alice"].id, "telegram", event, key)
    finally:
        await db._conn.set_trace_callback(None)
    return [" ".join(s.split()) for s in ran]


def written(ran: list[str]) -> list[str]:
    """The writes, as "INSERT INTO table" or "UPDATE table"."""
    return [
        " ".join(s.split()[:3] if s.startswith("INSERT") else s.split()[:2])
        for s in ran
        if s.split()[0] in ("INSERT", "UPDATE", "DELETE")
    ]


async def test_a_tap_runs_few_statements_and_writes_only_what_changed(seeded: Seeded) -> None:
    db = seeded.db
    first = seeded.questionnaire.items[0]
    await seeded.service.handle(seeded.contacts["alice"].id, "telegram", ev.Start(), "u1")
    choose = await statements(db, seeded, ev.Choose(first.id, "yes"), "u2")
    assert "INSERT INTO responses" not in written(choose)  # it exists: read, not upserted
    assert len([s for s in choose if "FROM answers a" in s]) == 1  # read once, not re-read
    assert len([s for s in choose if "FROM contacts c" in s]) == 1
    second = seeded.questionnaire.items[1]
    next_tap = await statements(db, seeded, ev.Next(second.id), "u3")
    assert written(next_tap) == [
        "INSERT INTO processed_updates",
        "INSERT INTO conversations",
    ]  # no answer changed: nothing written about answers or the response
    assert len(next_tap) <= 10
    again = await statements(db, seeded, ev.Next(second.id), "u3")  # Telegram sent it twice
    assert [s.split()[0] for s in again] == ["BEGIN", "SELECT", "INSERT", "COMMIT"]
