"""A database with something of everything about several contacts in two partnerships,
each contact with identifiers that cannot turn up by chance, and `auditbot` as a real
process on it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import Recipient
from bot.flows import events as ev
from bot.invites import issue_invites, redeem
from bot.notices import Attachment, Notice
from bot.outbox import enqueue_la
from storage import Database, inbox, outbox
from storage import reminders as reminder_store
from storage.outbox import NewMessage
from tests.conftest import Seeded

LA = Recipient("email", "audit-team@la.example")


@dataclass(frozen=True)
class Person:
    """A contact and every identifier the bot may hold about them."""

    key: str
    name: str
    email: str
    username: str | None
    telegram_id: str | None
    """Their Telegram user id, which is also their private chat's id."""

    @property
    def identifiers(self) -> tuple[str, ...]:
        found = (self.name, self.email, self.username, self.telegram_id)
        return tuple(value for value in found if value)


ALICE = Person("alice", "Alice Archer", "alice@north.example", "alice_archer", "918273645")
BOB = Person("bob", "Bob Baker", "bob@north.example", None, "527384916")
CAROL = Person("carol", "Carol Cole", "carol@south.example", "carolc", "736451829")
DAN = Person("dan", "Dan <Dee> & Co", "dan@east.example", None, None)
PEOPLE = (ALICE, BOB, CAROL, DAN)

ALICE_NOTE = "kept on the MIS by Alice's office"
BOB_NOTE = "Bob adds: checked termly"
CAROL_NOTE = "Carol's own note"


@dataclass
class World:
    seeded: Seeded
    path: Path
    """The database file."""
    ids: dict[str, int]
    """Contact ids by key."""

    @property
    def db(self) -> Database:
        return self.seeded.db


def telegram_update(seq: int, person: Person, text: str) -> str:
    """An incoming Telegram update as PTB would store it in the inbox."""
    user = {"id": int(person.telegram_id or 0), "is_bot": False, "first_name": person.name}
    if person.username:
        user["username"] = person.username
    chat = {"id": int(person.telegram_id or 0), "type": "private", "first_name": person.name}
    return json.dumps(
        {
            "update_id": seq,
            "message": {
                "message_id": seq,
                "date": 1793000000,
                "from": user,
                "chat": chat,
                "text": text,
            },
        }
    )


async def build_world(seeded: Seeded, path: Path) -> World:
    """Answers, notes and history from three contacts of two partnerships; Telegram links,
    invites, bad invite attempts, conversations, a snooze, messages queued and sent to
    them and to the LA (with a file naming them), and updates waiting from them."""
    db, clock, service = seeded.db, seeded.clock, seeded.service
    ids = {p.key: seeded.contacts[p.key].id for p in PEOPLE}
    now = clock()

    for person in (ALICE, BOB, CAROL):
        assert person.telegram_id is not None
        [issued] = await issue_invites(db, [seeded.contacts[person.key]], "telegram", now, 14)
        linked = await redeem(
            db, "telegram", issued.token, person.telegram_id, person.telegram_id, now
        )
        assert linked.contact is not None
    await issue_invites(db, [seeded.contacts["alice"]], "telegram", now, 14)  # one unused
    await redeem(db, "telegram", "x" * 32, ALICE.telegram_id or "", ALICE.telegram_id or "", now)

    q = seeded.questionnaire.items
    await service.handle(ids["alice"], "telegram", ev.Start())
    await service.handle(
        ids["alice"],
        "telegram",
        ev.Batch(
            (
                ev.BatchEntry(q[0].id, "yes", ALICE_NOTE),
                ev.BatchEntry(q[1].id, "no"),
                ev.BatchEntry(q[2].id, "yes"),
            )
        ),
    )
    clock.advance(minutes=5)
    await service.handle(ids["alice"], "telegram", ev.Choose(q[1].id, "yes"))  # a change
    clock.advance(minutes=5)
    # Bob adds his note to Alice's answer to question 3, and answers question 4
    await service.handle(
        ids["bob"],
        "email",
        ev.Batch((ev.BatchEntry(q[2].id, "yes", BOB_NOTE), ev.BatchEntry(q[3].id, "no"))),
    )
    await service.handle(
        ids["carol"], "telegram", ev.Batch((ev.BatchEntry(q[0].id, "no", CAROL_NOTE),))
    )

    async with db.transaction() as conn:
        await reminder_store.set_snooze(
            conn, ids["alice"], seeded.round.id, now + timedelta(days=1), now
        )
        for person in (ALICE, BOB):
            contact = seeded.contacts[person.key]
            notice = Notice(
                "reminder.in_progress",
                {"contact_name": person.name, "partnership": contact.partnership},
            )
            for channel, address in (("telegram", person.telegram_id), ("email", person.email)):
                assert address is not None
                await outbox.enqueue(
                    conn,
                    NewMessage(
                        dedupe_key=f"reminder:r{seeded.round.id}:c{contact.id}:{channel}:d-7",
                        channel=channel,
                        recipient=address,
                        kind="reminder",
                        payload=notice.to_payload(),
                        round_id=seeded.round.id,
                        partnership_id=contact.partnership_id,
                        contact_id=contact.id,
                        slot="d-7",
                    ),
                    now,
                )
        for seq, person in enumerate((ALICE, BOB, ALICE), start=1):
            await inbox.keep(conn, "telegram", seq, telegram_update(seq, person, "yes"), now)
    # the LA summary, its file naming everyone who answered: one sent, one still waiting
    table = "\n".join(f"{p.name},{p.email}" for p in PEOPLE).encode()
    for slot in ("deadline", "weekly"):
        summary = Notice(
            "summary.la",
            {"round_id": seeded.round.id, "body_html": f"<p>Answered by {ALICE.name}</p>"},
            attachments=(Attachment("answers.csv", table),),
        )
        await enqueue_la(
            db,
            (LA,),
            "summary",
            f"r{seeded.round.id}:{slot}",
            [summary.to_payload()],
            now,
            round_id=seeded.round.id,
            slot=slot,
        )
    async with db.transaction() as conn:
        async with conn.execute(
            "SELECT id FROM outbox WHERE slot = 'deadline' OR recipient = ?", (BOB.email,)
        ) as cur:
            sent = [row[0] for row in await cur.fetchall()]
        for row_id in sent:
            await outbox.mark_sent(conn, row_id, now)
    return World(seeded, path, ids)


@pytest.fixture
async def world(seeded: Seeded, tmp_path: Path) -> World:
    return await build_world(seeded, tmp_path / "audit.db")


def auditbot(
    db: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`auditbot ARGS` as a real process on the database `db`."""
    environment = {
        **os.environ,
        "AUDITBOT_DB": str(db),
        "COLUMNS": "200",
        "AUDITBOT_OPERATOR": "jane.officer",
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def raw_bytes(path: Path) -> bytes:
    """Everything SQLite keeps for the database: the file and its write-ahead log."""
    found = b""
    for suffix in ("", "-wal", "-journal"):
        part = Path(f"{path}{suffix}")
        if part.exists():
            found += part.read_bytes()
    return found


def dump(path: Path) -> list[tuple[object, ...]]:
    """Every row of every table, in a stable order: to compare a database before and after."""
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return [
            (table, *row)
            for table in sorted(tables)
            for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1")
        ]
