"""The answer history is chained by SQLite as it is written (`chain_hash` in the INSERT),
so a tap needs no read of the last hash: the chain must hold however the writes come, even
several in one transaction through the same, older `Response`."""

from __future__ import annotations

import random
from datetime import timedelta

from bot import history_chain
from storage import responses
from storage.records import AnswerChange
from tests.conftest import Seeded


async def test_history_written_in_any_pattern_verifies(seeded: Seeded) -> None:
    pick = random.Random(3)
    alice, bob = seeded.contacts["alice"], seeded.contacts["bob"]
    questions = [item.id for item in seeded.questionnaire.items[:5]]
    now = seeded.clock()
    written = 0
    for _ in range(40):
        async with seeded.db.transaction() as conn:
            response = await responses.response_for(
                conn, seeded.round.id, alice.partnership_id, seeded.round.questionnaire_version
            )
            for _ in range(pick.choice((1, 2, 3))):  # the same Response each time
                changes = [
                    AnswerChange(
                        pick.choice(questions),
                        pick.choice(("yes", "no", None)),
                        pick.choice((None, "a note", "“quoted” & <marked>")),
                    )
                    for _ in range(pick.choice((1, 2)))
                ]
                now += timedelta(seconds=pick.choice((0, 1, 60)))
                who = pick.choice((alice, bob))
                written += await responses.apply_changes(
                    conn, response, changes, who.id, "telegram", now
                )
    checked = await history_chain.verify(seeded.db)
    assert checked.entries == written > 40
    assert checked.history_ok and checked.ok, checked.first_broken
    async with seeded.db.read() as conn:
        assert await history_chain.round_intact(conn, seeded.round.id)


async def test_a_changed_entry_breaks_the_round_check(seeded: Seeded) -> None:
    alice = seeded.contacts["alice"]
    question = seeded.questionnaire.items[0].id
    async with seeded.db.transaction() as conn:
        response = await responses.response_for(
            conn, seeded.round.id, alice.partnership_id, seeded.round.questionnaire_version
        )
        for value in ("yes", "no", "yes"):
            await responses.apply_changes(
                conn,
                response,
                [AnswerChange(question, value, None)],
                alice.id,
                "telegram",
                seeded.clock(),
            )
    async with seeded.db.transaction() as conn:  # by hand, as someone with the file might
        await conn.execute("DROP TRIGGER answer_history_append_only_update")
        await conn.execute("UPDATE answer_history SET value = 'no' WHERE value = 'yes'")
    async with seeded.db.read() as conn:
        assert not await history_chain.round_intact(conn, seeded.round.id)
    assert not (await history_chain.verify(seeded.db)).history_ok
