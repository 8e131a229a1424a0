"""Retention: the purge removes exactly what is past each period, a dry run says the same
and changes nothing, `auditbot purge` reports it, and the running bot purges daily with the
periods set in its settings."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot import round_setup
from bot.config import load_settings
from bot.flows import events as ev
from bot.questionnaire import load_questionnaire
from bot.retention import Retention, purge
from bot.scheduler import PRUNE_JOB, build_scheduler
from bot.summary.load import load_la_summary
from storage import Database, audit_log, inbox, invites, outbox, updates
from storage import retention as retention_store
from storage.convert import ts
from storage.outbox import NewMessage
from tests.conftest import Seeded
from tests.stewardship.conftest import auditbot, dump

DAY = timedelta(days=1)
POLICY = Retention.default()


async def _ids(db: Database, sql: str) -> set[object]:
    async with db.read() as conn, conn.execute(sql) as cur:
        return {row[0] for row in await cur.fetchall()}


async def _message(
    db: Database, key: str, now: datetime, *, round_id: int | None, sent: datetime | None
) -> None:
    async with db.transaction() as conn:
        await outbox.enqueue(
            conn,
            NewMessage(
                dedupe_key=key,
                channel="email",
                recipient=f"{key}@north.example",
                kind="reminder" if round_id else "invite",
                payload={"notice": {"kind": "invite", "context": {"contact_name": key}}},
                round_id=round_id,
                slot="d-7" if round_id else None,
            ),
            now,
        )
        async with conn.execute("SELECT id FROM outbox WHERE dedupe_key = ?", (key,)) as cur:
            row = await cur.fetchone()
        assert row is not None
        if sent is not None:
            await outbox.mark_sent(conn, row[0], sent)
        else:
            await outbox.mark_failed(conn, row[0], "550 mailbox unavailable")


async def test_purge_removes_exactly_what_is_past_retention(seeded: Seeded, tmp_path: Path) -> None:
    db, clock, q = seeded.db, seeded.clock, seeded.questionnaire
    alice = seeded.contacts["alice"]
    first = seeded.round
    await seeded.service.handle(alice.id, "telegram", ev.Start())
    await seeded.service.handle(alice.id, "telegram", ev.Choose(q.items[0].id, "yes"))
    await round_setup.close_round(db, clock())  # round 1 closes at T
    closed_first = clock()
    clock.advance(days=1)
    _, source = load_questionnaire()
    second = (await round_setup.open_round(db, q, source, date(2027, 1, 29), clock())).round
    await seeded.service.handle(alice.id, "telegram", ev.Start())
    await seeded.service.handle(alice.id, "telegram", ev.Choose(q.items[0].id, "no"))
    clock.advance(days=1)
    await round_setup.close_round(db, clock())  # round 2 closes at T + 2 days

    # the purge runs 731 days after round 1 closed: round 2 closed 729 days before
    now = closed_first + POLICY.closed_rounds + DAY
    old, recent = now - POLICY.delivered_messages - DAY, now - POLICY.delivered_messages + DAY
    async with db.transaction() as conn:
        for key, age in (("old", 31), ("recent", 29)):
            await updates.mark_processed(conn, "telegram", key, now - age * DAY)
        for minutes in (61, 59):
            at = now - timedelta(minutes=minutes)
            await invites.record_bad_attempt(conn, "telegram", str(minutes), at)
        for seq, hours in ((1, 25), (2, 1)):
            received = now - timedelta(hours=hours)
            await inbox.keep(conn, "telegram", seq, "{}", received)
        for name, at in (("old", now - 731 * DAY), ("recent", now - 729 * DAY)):
            await audit_log.append(conn, at, "cli:test", name)
        for name, created, used in (
            ("used-old", now - 40 * DAY, now - 31 * DAY),
            ("used-recent", now - 40 * DAY, now - 29 * DAY),
            ("expired-old", now - 45 * DAY, None),
            ("expired-recent", now - 43 * DAY, None),
        ):
            await invites.create_invite(conn, alice.id, name, name, created, created + 14 * DAY)
            if used is not None:
                await conn.execute(
                    "UPDATE invites SET used_at = ?, used_account = '1' WHERE channel = ?",
                    (ts(used), name),
                )
    await _message(db, "open-old", old, round_id=None, sent=old)
    await _message(db, "open-recent", recent, round_id=None, sent=recent)
    await _message(db, "round-old", old, round_id=second.id, sent=old)
    await _message(db, "round-recent", recent, round_id=second.id, sent=recent)
    await _message(db, "failed-old", old, round_id=second.id, sent=None)
    await _message(db, "failed-recent", recent, round_id=second.id, sent=None)
    await _message(db, "first-round", old, round_id=first.id, sent=old)
    before = dump(tmp_path / "audit.db")

    dry = await purge(db, POLICY, lambda: now, dry_run=True)
    assert dump(tmp_path / "audit.db") == before
    done = await purge(db, POLICY, lambda: now, actor="cli:test")
    assert done == dry
    assert done.counts() == {
        "rounds": 1,
        "responses": 3,
        "answers": 1,
        "history": 1,
        "conversations": 1,
        "round_messages": 1,
        "messages_emptied": 1,
        "messages_deleted": 2,
        "spent_invites": 2,
        "bad_attempts": 1,
        "updates": 1,
        "waiting_updates": 1,
        "log_entries": 1,
    }
    assert await _ids(db, "SELECT id FROM rounds") == {second.id}
    assert await _ids(db, "SELECT update_key FROM processed_updates") == {"recent"}
    assert await _ids(db, "SELECT account FROM bad_invite_attempts") == {"59"}
    assert await _ids(db, "SELECT seq FROM inbox") == {2}
    assert await _ids(db, "SELECT channel FROM invites") >= {"used-recent", "expired-recent"}
    assert not await _ids(db, "SELECT channel FROM invites") & {"used-old", "expired-old"}
    assert await _ids(db, "SELECT action FROM audit_log") == {"recent", "retention purge"}
    assert await _ids(db, "SELECT dedupe_key FROM outbox") == {
        "open-recent",
        "round-old",
        "round-recent",
        "failed-recent",
    }
    emptied = await _ids(db, "SELECT dedupe_key FROM outbox WHERE payload = '{}'")
    assert emptied == {"round-old"}  # its record stays with its round, without content
    assert await _ids(db, "SELECT recipient FROM outbox WHERE dedupe_key = 'round-old'") == {""}
    assert await _ids(db, "SELECT count(*) FROM answer_history") == {1}  # round 2's

    again = await purge(db, POLICY, lambda: now, actor="cli:test")
    assert again.total == 0


async def test_purging_a_round_that_a_later_round_carries_from(seeded: Seeded) -> None:
    """Year one's round expires while year two (opened with carry-forward from it) is kept:
    year one goes, year two no longer carries from it, and its summary leaves the
    comparison out instead of failing."""
    db, clock, q = seeded.db, seeded.clock, seeded.questionnaire
    alice = seeded.contacts["alice"]
    first = seeded.round
    await seeded.service.handle(alice.id, "telegram", ev.Choose(q.items[0].id, "yes"))
    await round_setup.close_round(db, clock())
    closed_first = clock()
    clock.advance(days=1)
    _, source = load_questionnaire()
    opened = await round_setup.open_round(
        db, q, source, date(2027, 1, 29), clock(), carry_forward=True
    )
    second = opened.round
    assert second.carries_from == first.id
    clock.advance(days=1)
    await round_setup.close_round(db, clock())

    now = closed_first + POLICY.closed_rounds + DAY  # round 2 closed a day short of it
    done = await purge(db, POLICY, lambda: now, actor="cli:test")
    assert done.counts()["rounds"] == 1
    assert await _ids(db, "SELECT id FROM rounds") == {second.id}
    assert await _ids(db, "SELECT carries_from FROM rounds") == {None}
    summary = await load_la_summary(db, now, round_id=second.id)
    assert summary.round.carries_from is None and summary.comparison is None


async def test_a_failed_purge_leaves_the_carry_forward_link(seeded: Seeded) -> None:
    """Clearing a later round's link is part of the purge's one transaction: if deleting
    the round fails, the later round still carries from it."""
    db, clock, q = seeded.db, seeded.clock, seeded.questionnaire
    first = seeded.round
    await round_setup.close_round(db, clock())
    clock.advance(days=1)
    _, source = load_questionnaire()
    opened = await round_setup.open_round(
        db, q, source, date(2027, 1, 29), clock(), carry_forward=True
    )

    async def delete_then_fail() -> None:
        async with db.transaction() as conn:
            await retention_store.delete_round(conn, first.id)
            raise LookupError("something after it failed")

    with pytest.raises(LookupError, match="something after it failed"):
        await delete_then_fail()
    assert await _ids(db, "SELECT id FROM rounds") == {first.id, opened.round.id}
    assert await _ids(db, "SELECT carries_from FROM rounds WHERE carries_from IS NOT NULL") == {
        first.id
    }


async def test_history_of_an_open_round_cannot_be_deleted(seeded: Seeded) -> None:
    alice = seeded.contacts["alice"]
    await seeded.service.handle(alice.id, "telegram", ev.Choose("s1.address", "yes"))
    with pytest.raises(sqlite3.IntegrityError, match="append-only while its round is open"):
        async with seeded.db.transaction() as conn:
            await conn.execute("DELETE FROM answer_history")


async def test_purge_command_says_what_it_removes(tmp_path: Path) -> None:
    path = tmp_path / "cli.db"
    assert auditbot(path, "init").returncode == 0
    now = datetime.now(UTC)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO processed_updates VALUES ('telegram', '1', ?), ('telegram', '2', ?)",
            (ts(now - 40 * DAY), ts(now - 10 * DAY)),
        )
    dry = auditbot(path, "purge", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines() == [
        "Would remove (nothing has been changed):",
        "- 1 id of updates already handled",
    ]
    shorter = auditbot(path, "purge", env={"RETENTION_PROCESSED_UPDATES_DAYS": "7"})
    assert shorter.returncode == 0, shorter.stderr
    assert shorter.stdout.splitlines()[1:] == ["- 2 ids of updates already handled"]
    assert auditbot(path, "purge").stdout.strip() == "Nothing is past its retention period."
    log = auditbot(path, "audit-log")
    assert "retention purge" in log.stdout and "2 ids of updates" in log.stdout


async def test_an_invalid_retention_setting_is_named(tmp_path: Path) -> None:
    result = auditbot(
        tmp_path / "x.db", "purge", env={"RETENTION_FAILED_INVITE_ATTEMPTS_HOURS": "0"}
    )
    assert result.returncode == 1
    assert "RETENTION_FAILED_INVITE_ATTEMPTS_HOURS" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


async def test_the_running_bot_purges_daily_with_its_settings(
    seeded: Seeded, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RETENTION_PROCESSED_UPDATES_DAYS", "5")
    settings = load_settings()
    caplog.set_level(logging.INFO)
    now = seeded.clock()
    async with seeded.db.transaction() as conn:
        await updates.mark_processed(conn, "telegram", "six days", now - 6 * DAY)
        await updates.mark_processed(conn, "telegram", "four days", now - 4 * DAY)
    schedule = build_scheduler(settings, seeded.db, None, seeded.clock)
    [job] = [job for job in schedule.get_jobs() if job.id == PRUNE_JOB]
    assert job.trigger.interval == DAY
    schedule.start()
    try:
        for _ in range(200):
            if any(m.startswith("pruned") for m in caplog.messages):
                break
            await asyncio.sleep(0.02)
    finally:
        await schedule.stop()
    assert "pruned 1 processed update(s) older than 5 days" in " ".join(caplog.messages)
    assert await _ids(seeded.db, "SELECT update_key FROM processed_updates") == {"four days"}
    async with seeded.db.read() as conn:
        [entry] = await audit_log.latest(conn, 1)
    assert (entry.actor, entry.action) == ("bot", "retention purge")
