"""A round with answers recorded through the real audit service, for the summary tests.

North (Alice, then Bob) answers everything and submits, and the next day Alice amends two
answers; South (Carol) answers a few questions; East (Dan) has not started.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.flows import events
from bot.questionnaire import Questionnaire
from bot.summary.load import load_summary
from bot.summary.model import Summary
from tests.conftest import Seeded

HTML_NOTE = "<b>x</b> & y"
FORMULA_NOTE = "=SUM(A1:A9)"
DIFFERS_NOTE = "We keep paper records for six years, not seven."
OTHER_ORGS = "The police <CID> & probation"
AMENDED_NOTE = "Only for pupils on roll."
TERMLY_NOTE = "Termly, from the schools."


def full_answers(questionnaire: Questionnaire) -> tuple[events.BatchEntry, ...]:
    """An answer for every item: ticks yes, statements true, texts 'nothing to add'."""
    entries = []
    for item in questionnaire.items:
        value = item.kind.choices[0] if item.kind.choices else "nothing"
        entries.append(events.BatchEntry(item.id, value))
    return tuple(entries)


@dataclass
class Filled:
    seeded: Seeded
    questionnaire: Questionnaire

    async def summary(self) -> Summary:
        return await load_summary(self.seeded.db, self.seeded.clock())


async def answer(seeded: Seeded, who: str, *entries: events.BatchEntry) -> None:
    await seeded.service.handle(seeded.contacts[who].id, "console", events.Batch(tuple(entries)))


@pytest.fixture
async def filled(seeded: Seeded) -> Filled:
    return await fill(seeded)


async def fill(seeded: Seeded) -> Filled:
    """Record the three partnerships' answers (see the module's docstring)."""
    q = seeded.questionnaire
    await answer(seeded, "alice", *full_answers(q))
    seeded.clock.advance(hours=1)
    await answer(
        seeded,
        "bob",
        events.BatchEntry("s1.address", "yes", HTML_NOTE),
        events.BatchEntry("s1.gp", "no", FORMULA_NOTE),
        events.BatchEntry("s2.other", OTHER_ORGS),
        events.BatchEntry("s7.paper_seven_years", "differs", DIFFERS_NOTE),
    )
    await seeded.service.handle(seeded.contacts["bob"].id, "console", events.Submit())
    await seeded.service.handle(
        seeded.contacts["bob"].id, "console", events.Confirm(role="Head of inclusion")
    )
    seeded.clock.advance(hours=1)
    await answer(
        seeded,
        "carol",
        events.BatchEntry("s1.address", "no"),
        events.BatchEntry("s1.telephone", "yes", "Only the main carer's number."),
        events.BatchEntry("s6.referral", "We check with the school.\nAnd with the family."),
        events.BatchEntry("s3.other", "nothing"),
    )
    seeded.clock.advance(days=1)
    # after North submitted: a changed answer (with a note), then a note added to another
    await answer(seeded, "alice", events.BatchEntry("s1.attendance", "no", AMENDED_NOTE))
    seeded.clock.advance(minutes=30)
    await answer(seeded, "bob", events.BatchEntry("s1.progress", "yes", TERMLY_NOTE))
    return Filled(seeded, q)
