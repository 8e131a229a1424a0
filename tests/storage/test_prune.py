"""Bookkeeping tables are pruned once past their use: processed updates after a month,
bad invite attempts once outside the rate-limit window (never one that still counts)."""

from __future__ import annotations

from datetime import timedelta

from bot.invites import BAD_ATTEMPT_WINDOW, MAX_BAD_ATTEMPTS, Redeemed, redeem
from bot.scheduler import UPDATES_KEPT, prune
from storage import Database, invites, updates
from tests.conftest import Clock, Seeded


async def _count(db: Database, table: str) -> int:
    async with db.read() as conn, conn.execute(f"SELECT count(*) FROM {table}") as cur:
        row = await cur.fetchone()
    assert row is not None
    return int(row[0])


async def test_processed_updates_older_than_the_retention_are_deleted(
    db: Database, clock: Clock
) -> None:
    now = clock()
    ages = {"old": timedelta(days=40), "edge": UPDATES_KEPT, "recent": timedelta(days=29)}
    async with db.transaction() as conn:
        for key, age in ages.items():
            assert await updates.mark_processed(conn, "telegram", key, now - age)
        assert await updates.prune_processed(conn, now - UPDATES_KEPT) == 1
        # what is kept is still a duplicate; what was pruned would be taken as new
        assert not await updates.mark_processed(conn, "telegram", "edge", now)
        assert not await updates.mark_processed(conn, "telegram", "recent", now)
        assert await updates.mark_processed(conn, "telegram", "old", now)


async def test_bad_attempts_are_deleted_only_once_outside_the_window(
    db: Database, clock: Clock
) -> None:
    now = clock()
    since = now - BAD_ATTEMPT_WINDOW
    minutes = (120, 61, 60, 59, 1, 0)
    async with db.transaction() as conn:
        for age in minutes:
            await invites.record_bad_attempt(conn, "telegram", "42", now - timedelta(minutes=age))
        counted = await invites.bad_attempts_since(conn, "telegram", "42", since)
        assert counted == 3
        assert await invites.prune_bad_attempts(conn, since) == 3
        assert await invites.bad_attempts_since(conn, "telegram", "42", since) == counted
    assert await _count(db, "bad_invite_attempts") == 3


async def test_pruning_keeps_a_blocked_account_blocked_until_the_hour_is_over(
    seeded: Seeded,
) -> None:
    db, clock = seeded.db, seeded.clock
    for n in range(MAX_BAD_ATTEMPTS):
        attempt = await redeem(
            db, "telegram", "x" * 32, "666", "666", clock(), update_key=f"bad{n}"
        )
        assert attempt.result is Redeemed.INVALID
    result = await prune(db, clock)
    assert (result.updates, result.bad_attempts) == (0, 0)
    attempt = await redeem(db, "telegram", "x" * 32, "666", "666", clock(), "again")
    assert attempt.result is Redeemed.TOO_MANY

    clock.advance(hours=1)
    assert (await prune(db, clock)).bad_attempts == MAX_BAD_ATTEMPTS
    assert await _count(db, "bad_invite_attempts") == 0
    clock.advance(days=30)
    assert (await prune(db, clock)).updates == MAX_BAD_ATTEMPTS + 1
    assert await _count(db, "processed_updates") == 0
