"""A whole round in simulated time: the right reminders, to the right people, once."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

from bot.config import Settings
from bot.notices import Notice
from bot.reminders import tick
from storage import Database, open_database, outbox, partnerships, rounds
from storage.outbox import OutboxRow
from tests.conftest import NOW, Seeded
from tests.scheduling.conftest import CHATS, LA_CHAT, answer, submit


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in 2026; London is on GMT in November and December, so UTC is local."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


async def rows(db: Database) -> list[OutboxRow]:
    async with db.read() as conn:
        return await outbox.all_rows(conn)


def reminders(all_rows: list[OutboxRow]) -> set[tuple[datetime, int, str]]:
    return {
        (r.created_at, int(r.recipient), r.slot or "") for r in all_rows if r.kind == "reminder"
    }


def expect(when: datetime, slot: str, *names: str) -> set[tuple[datetime, int, str]]:
    return {(when, CHATS[name], slot) for name in names}


async def test_a_whole_round_hour_by_hour(
    linked: Seeded, settings: Settings, tmp_path: Path
) -> None:
    """Deadline Monday 30 November; North is in progress, South submits, East never starts."""
    seeded, clock = linked, linked.clock
    db = seeded.db
    c = seeded.contacts
    events = {
        at(11, 4, 11): lambda db: answer(db, seeded, c["alice"], 0, clock()),
        at(11, 10, 15): lambda db: submit(db, seeded, c["carol"], clock()),
        at(11, 30, 14): lambda db: answer(db, seeded, c["bob"], 1, clock()),
    }
    restarts = {at(11, 27, 10), at(11, 30, 9)}
    close_at = at(12, 4, 12)
    end = at(12, 9, 12)
    path = Path(db.path)
    try:
        while clock() <= end:
            now = clock()
            if now in events:
                await events[now](db)
            if now == close_at:
                async with db.transaction() as conn:
                    await rounds.close_round(conn, seeded.round.id, now)
            await tick(db, settings, clock)
            if now in restarts:
                # a restart: everything rebuilt from the file, the same hour ticked again
                await db.close()
                db = await open_database(path)
                await tick(db, settings, clock)
            clock.advance(hours=1)
        got = await rows(db)
    finally:
        await db.close()
        seeded.db = await open_database(tmp_path / "unused.db")  # for the fixture's close

    expected = (
        expect(at(11, 9, 11), "inactive-2026-11-04", "alice", "bob")
        | expect(at(11, 23, 9), "d-7@2026-11-30", "alice", "bob", "dan")
        | expect(at(11, 27, 9), "d-3@2026-11-30", "alice", "bob", "dan")
        # d-1 falls on Sunday 29th: Monday's own reminder supersedes it
        | expect(at(11, 30, 9), "d0@2026-11-30", "alice", "bob", "dan")
        | expect(at(12, 1, 9), "overdue-2026-12-01", "alice", "bob", "dan")
        # East has had four reminders without progress: flagged to the LA instead
        | expect(at(12, 2, 9), "overdue-2026-12-02", "alice", "bob")
        | expect(at(12, 3, 9), "overdue-2026-12-03", "alice", "bob")
        | expect(at(12, 4, 9), "overdue-2026-12-04", "alice", "bob")
    )
    assert reminders(got) == expected
    assert len([r for r in got if r.kind == "reminder"]) == len(expected)
    assert not [r for r in got if r.recipient == str(CHATS["carol"])]
    for row in got:
        local = row.created_at.astimezone(settings.zone)
        assert local.weekday() < 5
        assert settings.working_hours_start <= local.time() < settings.working_hours_end
    [flag] = [r for r in got if r.kind == "flag"]
    assert flag.recipient == str(LA_CHAT)
    assert flag.created_at == at(12, 2, 9)
    notice = Notice.from_payload(flag.payload)
    assert notice is not None and notice.kind == "flag.la"
    assert notice.context["partnership"] == "East Partnership"


async def test_catch_up_after_downtime_queues_one_reminder_per_contact(
    linked: Seeded, settings: Settings
) -> None:
    seeded, clock, db = linked, linked.clock, linked.db
    await tick(db, settings, clock)
    await answer(db, seeded, seeded.contacts["alice"], 0, clock())
    assert await rows(db) == []
    # down from 2 November until Tuesday 1 December, 10:30: seven slots were missed
    clock.now = at(12, 1, 10, 30)
    await tick(db, settings, clock)
    got = await rows(db)
    assert reminders(got) == expect(clock(), "overdue-2026-12-01", "alice", "bob", "carol", "dan")
    clock.advance(hours=1)
    await tick(db, settings, clock)
    assert len(await rows(db)) == 4


async def test_weekend_downtime_then_monday_sends_only_the_latest(
    linked: Seeded, settings: Settings
) -> None:
    clock, db = linked.clock, linked.db
    clock.now = at(11, 23, 9, 5)
    await tick(db, settings, clock)
    assert len(await rows(db)) == 4  # d-7 to everyone (nobody has started)
    # down from Monday 23rd until Saturday 28th: d-3 (Friday) was missed
    clock.now = at(11, 28, 10)
    await tick(db, settings, clock)  # weekend: nothing
    clock.now = at(11, 29, 16)
    await tick(db, settings, clock)  # d-1 is due, but it is Sunday
    assert len(await rows(db)) == 4
    clock.now = at(11, 30, 8, 59)
    await tick(db, settings, clock)  # before working hours
    assert len(await rows(db)) == 4
    clock.now = at(11, 30, 9)
    await tick(db, settings, clock)
    got = [r for r in await rows(db) if r.created_at == clock()]
    assert {(int(r.recipient), r.slot) for r in got} == {
        (chat, "d0@2026-11-30") for chat in CHATS.values()
    }


async def test_no_reminders_at_night_or_weekends_even_when_due(
    linked: Seeded, settings: Settings
) -> None:
    clock, db = linked.clock, linked.db
    for moment in (at(11, 23, 8, 59), at(11, 23, 17), at(11, 23, 23), at(11, 28, 12)):
        clock.now = moment
        await tick(db, settings, clock)
    assert await rows(db) == []


async def test_unlinked_and_blocked_contacts_get_nothing(
    seeded: Seeded, settings: Settings
) -> None:
    """No Telegram chat yet (email comes later), or blocked: nothing is queued for them."""
    clock = seeded.clock
    async with seeded.db.transaction() as conn:
        await partnerships.link_address(
            conn, seeded.contacts["dan"].id, "telegram", "1004", "1004", NOW
        )
        await partnerships.mark_unreachable(conn, "telegram", "1004", clock())
    clock.now = at(11, 23, 10)
    await tick(seeded.db, settings, clock)
    assert await rows(seeded.db) == []


async def test_two_ticks_at_once_queue_each_reminder_once(
    linked: Seeded, settings: Settings
) -> None:
    clock, db = linked.clock, linked.db
    clock.now = at(11, 23, 10)
    second = await open_database(db.path)  # another process on the same file
    try:
        await asyncio.gather(tick(db, settings, clock), tick(second, settings, clock))
    finally:
        await second.close()
    assert len(await rows(db)) == 4


async def test_a_round_deadline_changed_later_gets_fresh_slots(
    linked: Seeded, settings: Settings
) -> None:
    clock, db = linked.clock, linked.db
    clock.now = at(11, 23, 10)
    await tick(db, settings, clock)
    async with db.transaction() as conn:
        await rounds.set_deadline(conn, linked.round.id, date(2026, 12, 14))
    clock.now = at(12, 7, 10)
    await tick(db, settings, clock)
    got = [r for r in await rows(db) if r.created_at == clock()]
    assert {r.slot for r in got} == {"d-7@2026-12-14"}
    assert len(got) == 4
