"""The round a carry-forward round carries from, and last round's answers read back."""

from __future__ import annotations

from datetime import date

import pytest

from bot import round_setup
from bot.flows import events as ev
from storage import rounds
from tests.conftest import Seeded


async def test_the_round_remembers_where_it_carries_from(seeded: Seeded) -> None:
    alice = seeded.contacts["alice"]
    await seeded.service.handle(alice.id, "test", ev.Batch((ev.BatchEntry("s1.gp", "no", "n"),)))
    await round_setup.close_round(seeded.db, seeded.clock())
    opened = await round_setup.open_round(
        seeded.db,
        seeded.questionnaire,
        "source",
        date(2027, 11, 30),
        seeded.clock(),
        carry_forward=True,
    )
    assert opened.round.carries_from == seeded.round.id
    async with seeded.db.read() as conn:
        again = await rounds.round_by_id(conn, opened.round.id)
        found = await rounds.carried_answers(conn, seeded.round.id, alice.partnership_id)
        nothing = await rounds.carried_answers(conn, opened.round.id + 1, alice.partnership_id)
    assert again is not None and again.carries_from == seeded.round.id
    assert found is not None
    version, answers = found
    assert version == seeded.round.questionnaire_version
    assert (answers["s1.gp"].value, answers["s1.gp"].note) == ("no", "n")
    assert nothing is None


async def test_the_first_round_cannot_carry_forward(seeded: Seeded) -> None:
    await round_setup.close_round(seeded.db, seeded.clock())
    async with seeded.db.transaction() as conn:
        await conn.execute("UPDATE rounds SET closed_at = NULL")  # pretend: no earlier round
        await conn.execute("DELETE FROM conversations")
    with pytest.raises(round_setup.RoundSetupError):
        await round_setup.open_round(
            seeded.db,
            seeded.questionnaire,
            "s",
            date(2027, 11, 30),
            seeded.clock(),
            carry_forward=True,
        )
