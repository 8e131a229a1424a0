"""Two rounds recorded in a real database, the second on an edited questionnaire (one
question reworded, one added, one removed), for the comparison tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import yaml

from bot.flows import events
from bot.queries import QueryLoop
from bot.questionnaire import load_questionnaire, parse_questionnaire
from bot.round_setup import close_round, open_round
from bot.summary.action_done import mark_action_done
from bot.summary.load import load_summary, with_comparison
from bot.summary.model import Summary
from tests.reports.conftest import Filled, answer

REWORDED = "Attendance records, including part-time timetables"
NEW_ITEM = "Photographs of the young person"
NORTH = "North Partnership"


def edited_source() -> str:
    """The bundled audit with s1.attendance reworded, s1.photos added, s1.behaviour removed."""
    _, source = load_questionnaire()
    data = yaml.safe_load(source)
    items = data["sections"][0]["items"]
    for item in items:
        if item["id"] == "s1.attendance":
            item["text"] = REWORDED
    items[:] = [item for item in items if item["id"] != "s1.behaviour"]
    items.insert(1, {"id": "s1.photos", "kind": "tick", "text": NEW_ITEM})
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@dataclass
class TwoRounds:
    filled: Filled
    first: int
    second: int

    async def summary(self) -> Summary:
        seeded = self.filled.seeded
        current = await load_summary(seeded.db, seeded.clock())
        return await with_comparison(seeded.db, current, self.first)


async def record_two_rounds(filled: Filled) -> TwoRounds:
    """Round 1 as `filled` records it; round 2 answered in part (see each step)."""
    seeded = filled.seeded
    seeded.clock.advance(days=2)
    first = await close_round(seeded.db, seeded.clock())
    seeded.clock.advance(days=300)
    source = edited_source()
    edited = parse_questionnaire(source)
    deadline = seeded.clock().date() + timedelta(days=28)
    second = await open_round(seeded.db, edited, source, deadline, seeded.clock())
    seeded.clock.advance(hours=1)
    await answer(
        seeded,
        "alice",  # North
        events.BatchEntry("s1.address", "yes"),  # was yes with a note: the note went
        events.BatchEntry("s1.telephone", "no"),  # was yes: newly No
        events.BatchEntry("s1.attendance", "yes"),  # was No, reworded since
        events.BatchEntry("s1.photos", "yes"),  # a new question: nothing to compare
        events.BatchEntry("s1.gp", "no", "=SUM(A1:A9)"),  # as before: no change
        events.BatchEntry("s7.safeguarding_returned", "differs", "We keep them."),
    )
    await answer(seeded, "carol", events.BatchEntry("s1.address", "no"))  # South, as before
    await answer(seeded, "dan", events.BatchEntry("s1.address", "no"))  # East, first answer
    return TwoRounds(filled, first.id, second.round.id)


OPEN_QUERY = '=HYPERLINK("http://evil.example/","Why no?")'
"""The LA's open query on North's telephone numbers (typed as a formula, to be kept text)."""
ANSWERED_QUERY = "Since when <exactly> & why?"
QUERY_REPLY = "Since 2025, when the school took them back."
SIGNER_ROLE = "Head of inclusion"


async def record_the_return_loop(rounds: TwoRounds) -> None:
    """On round 2, after `record_two_rounds`: the LA queries two of North's answers, Alice
    replies to one (an amended note), signs off and submits, and the LA marks the action
    that reply leaves done."""
    seeded = rounds.filled.seeded
    loop = QueryLoop()
    await loop.ask(seeded.db, NORTH, "s1.telephone", OPEN_QUERY, "cli:jo", seeded.clock())
    await loop.ask(
        seeded.db, NORTH, "s7.safeguarding_returned", ANSWERED_QUERY, "cli:jo", seeded.clock()
    )
    seeded.clock.advance(days=1)
    await answer(
        seeded, "alice", events.BatchEntry("s7.safeguarding_returned", "differs", QUERY_REPLY)
    )
    alice = seeded.contacts["alice"].id
    await seeded.service.handle(alice, "console", events.Submit())
    await seeded.service.handle(alice, "console", events.Confirm(role=SIGNER_ROLE))
    seeded.clock.advance(hours=2)
    summary = await rounds.summary()
    [action] = [a for a in summary.actions if a.question.item.id == "s7.safeguarding_returned"]
    assert await mark_action_done(seeded.db, summary.round.id, action, "cli:jo", seeded.clock())
