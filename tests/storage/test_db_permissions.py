"""The database holds personal data: its files are the owner's alone, and a database that
others may read or write is refused, in one sentence, unless a setting allows it."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import open_database
from storage.db import SharedDatabaseFile
from tests.cli.test_cli import auditbot


def mode(path: Path | str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def share(path: Path, shared: int) -> None:
    path.touch()
    path.chmod(shared)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The common 022, under which SQLite on its own creates files 0644."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.mark.usefixtures("usual_umask")
async def test_the_database_and_its_wal_and_shm_are_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "audit.db"
    db = await open_database(path)
    try:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO partnerships (name, created_at) VALUES ('N', 'now')")
        files = {f"audit.db{suffix}": mode(f"{path}{suffix}") for suffix in ("", "-wal", "-shm")}
        assert files == {"audit.db": 0o600, "audit.db-wal": 0o600, "audit.db-shm": 0o600}
        assert mode(path.parent) == 0o700
    finally:
        await db.close()
    reopened = await open_database(path)  # our own files pass the check
    await reopened.close()


@pytest.mark.parametrize(("suffix", "shared"), [("", 0o644), ("", 0o620), ("-wal", 0o604)])
async def test_a_database_others_can_read_or_write_is_refused(
    tmp_path: Path, suffix: str, shared: int
) -> None:
    path = tmp_path / "audit.db"
    await (await open_database(path)).close()
    target = Path(f"{path}{suffix}")
    share(target, shared)
    with pytest.raises(SharedDatabaseFile) as refused:
        await open_database(path)
    assert (refused.value.path, refused.value.mode) == (str(target), shared)
    await (await open_database(path, allow_shared=True)).close()


@pytest.mark.parametrize("args", [("health",), ("run",)])
def test_the_cli_refuses_a_shared_database_in_one_sentence(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    db = tmp_path / "audit.db"
    assert auditbot(db, "init").returncode == 0
    assert mode(db) == 0o600
    db.chmod(0o640)
    env = {"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_API_URL": "http://127.0.0.1:9"}
    result = auditbot(db, *args, env=env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: The database file {db} can be read or written by other users (mode 640): "
        f"run chmod 600 {db}, or set AUDITBOT_DB_ALLOW_SHARED=true if that is intended."
    ]
    if args == ("health",):
        allowed = auditbot(db, *args, env={"AUDITBOT_DB_ALLOW_SHARED": "true"})
        assert allowed.returncode == 0, allowed.stderr
