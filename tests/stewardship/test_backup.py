"""Backups taken by real `auditbot backup` processes while the bot writes restore to a
consistent database; `restore` refuses a newer database without --force, and anything
that is not a sound backup."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.flows import events as ev
from storage import open_database, partnerships, responses
from tests.conftest import Seeded
from tests.stewardship.conftest import World, auditbot


async def _backup_process(db: Path, target: Path) -> int:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "backup",
        str(target),
        env={**os.environ, "AUDITBOT_DB": str(db)},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await process.communicate()
    assert not err, err
    return await process.wait()


def _history_count(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM answer_history").fetchone()[0])


async def test_backups_taken_while_the_bot_writes_restore_consistently(
    seeded: Seeded, tmp_path: Path
) -> None:
    service, q = seeded.service, seeded.questionnaire.items
    alice, carol = seeded.contacts["alice"], seeded.contacts["carol"]
    for contact in (alice, carol):
        await service.handle(contact.id, "telegram", ev.Start())
    stop = asyncio.Event()
    written = 0

    async def bot_writing() -> None:
        nonlocal written
        while not stop.is_set():
            for contact in (alice, carol):
                value = ("yes", "no")[written % 2]
                item = q[written % 10]
                await service.handle(contact.id, "telegram", ev.Choose(item.id, value))
                written += 1
            await asyncio.sleep(0)

    writer = asyncio.create_task(bot_writing())
    folder = tmp_path / "backups"
    folder.mkdir()
    try:
        targets = [tmp_path / f"copy{n}.db" for n in range(3)]
        for target in targets:
            assert await _backup_process(tmp_path / "audit.db", target) == 0
        assert await _backup_process(tmp_path / "audit.db", folder) == 0
    finally:
        stop.set()
        await writer
    [dated] = list(folder.iterdir())
    assert dated.name.startswith("auditbot-") and dated.suffix == ".db"
    counts = []
    for backup in [*targets, dated]:
        assert stat.S_IMODE(backup.stat().st_mode) == 0o600
        assert not Path(f"{backup}-wal").exists()  # noqa: ASYNC240 - one self-contained file
        restored = tmp_path / f"restored-{backup.name}"
        result = auditbot(restored, "restore", str(backup))
        assert result.returncode == 0, result.stderr
        assert stat.S_IMODE(restored.stat().st_mode) == 0o600
        checked = auditbot(restored, "verify")
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "every chain intact" in checked.stdout
        counts.append(_history_count(restored))
    # each copy is a moment of the writing, later copies later moments
    assert counts == sorted(counts) and counts[0] < written
    assert written > counts[0] > 0


async def test_restore_refuses_a_newer_database_unless_forced(world: World, tmp_path: Path) -> None:
    backup = tmp_path / "before.db"
    made = auditbot(world.path, "backup", str(backup))
    assert made.returncode == 0, made.stderr
    assert str(backup) in made.stdout and "owner only" in made.stdout
    assert auditbot(world.path, "backup", str(backup)).returncode == 1  # no overwriting

    same = auditbot(world.path, "restore", str(backup))
    assert same.returncode == 0, same.stderr  # nothing newer yet: restoring is harmless

    carol = world.seeded.contacts["carol"]
    world.seeded.clock.advance(minutes=1)
    await world.seeded.service.handle(carol.id, "telegram", ev.Choose("s1.telephone", "yes"))
    refused = auditbot(world.path, "restore", str(backup))
    assert refused.returncode == 1
    assert "has changes" in refused.stderr and "--force" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    async with world.db.read() as conn:
        in_round = await responses.responses_in_round(conn, world.seeded.round.id)
        south = next(r for r in in_round if r.partnership_id == carol.partnership_id)
        assert "s1.telephone" in await responses.answers(conn, south.id)

    forced = auditbot(world.path, "restore", str(backup), "--force")
    assert forced.returncode == 0, forced.stderr
    assert "Restored" in forced.stdout
    async with world.db.read() as conn:  # the bot's open connection sees the backup
        assert "s1.telephone" not in await responses.answers(conn, south.id)
    log = auditbot(world.path, "audit-log")
    assert "restore" in log.stdout and str(backup) in log.stdout


async def test_restoring_over_an_erasure_needs_force(world: World, tmp_path: Path) -> None:
    backup = tmp_path / "before.db"
    assert auditbot(world.path, "backup", str(backup)).returncode == 0
    erased = auditbot(world.path, "contact", "erase", "--yes", "alice@north.example")
    assert erased.returncode == 0, erased.stderr
    refused = auditbot(world.path, "restore", str(backup))
    assert refused.returncode == 1 and "--force" in refused.stderr
    async with world.db.read() as conn:
        assert await partnerships.contact_by_email(conn, "alice@north.example") is None


async def test_restore_checks_what_it_is_given(world: World, tmp_path: Path) -> None:
    not_db = tmp_path / "contacts.csv"
    not_db.write_text("partnership,contact_name\n", "utf-8")
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    newer = tmp_path / "newer.db"
    assert auditbot(world.path, "backup", str(newer)).returncode == 0
    with sqlite3.connect(newer) as conn:
        conn.execute("INSERT INTO schema_version VALUES (999)")
    for path, message in (
        (tmp_path / "missing.db", "There is no file"),
        (not_db, "is not a Partnership Audit Bot database"),
        (other, "is not a Partnership Audit Bot database"),
        (newer, "made by a newer version"),
    ):
        result = auditbot(world.path, "restore", str(path), "--force")
        assert result.returncode == 1, path
        assert message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


async def test_a_backup_into_a_folder_deletes_that_folders_old_backups(
    world: World, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    now = datetime.now(UTC)
    old = folder / (now - timedelta(days=31)).strftime("auditbot-%Y%m%dT%H%M%SZ.db")
    recent = folder / (now - timedelta(days=29)).strftime("auditbot-%Y%m%dT%H%M%SZ.db")
    unrelated = folder / "keep-me.db"
    for path in (old, recent, unrelated):
        path.write_bytes(b"")
    result = auditbot(world.path, "backup", str(folder))
    assert result.returncode == 0, result.stderr
    assert "Deleted 1 backup in that folder older than 30 days" in result.stdout
    left = {p.name for p in folder.iterdir()}
    assert old.name not in left and {recent.name, unrelated.name} <= left
    assert len(left) == 3


async def test_a_backup_restores_into_a_new_database_file(world: World, tmp_path: Path) -> None:
    backup = tmp_path / "b.db"
    assert auditbot(world.path, "backup", str(backup)).returncode == 0
    target = tmp_path / "fresh.db"
    assert auditbot(target, "restore", str(backup)).returncode == 0
    db = await open_database(target)
    try:
        async with db.read() as conn:
            names = {c.name for c in await partnerships.list_contacts(conn)}
    finally:
        await db.close()
    assert "Alice Archer" in names
