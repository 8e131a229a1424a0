"""Storage on a real SQLite file: schema, transactions, directory import, answers, rounds."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.audit_service import AuditService
from bot.directory import DirectoryError, import_directory, parse_directory
from bot.flows import effects as fx
from bot.flows import events as ev
from bot.invites import Redeemed, issue_invites, redeem
from bot.questionnaire import load_questionnaire
from bot.round_setup import RoundSetupError, close_round, open_round
from storage import Database, open_database, partnerships, responses, rounds
from storage.migrations import MIGRATIONS
from storage.records import Answer, Response, Status
from tests.conftest import DIRECTORY, NOW, Clock, Seeded

# -- helpers -----------------------------------------------------------------------------


def _csv(tmp_path: Path, text: str, name: str = "bad.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


async def _scalar(db: Database, sql: str, *params: object) -> object:
    async with db.read() as conn, conn.execute(sql, params) as cur:
        row = await cur.fetchone()
    assert row is not None
    return row[0]


async def _count(db: Database, table: str) -> int:
    value = await _scalar(db, f"SELECT count(*) FROM {table}")
    assert isinstance(value, int)
    return value


async def _counts(db: Database) -> dict[str, int]:
    tables = (
        "partnerships",
        "contacts",
        "questionnaires",
        "rounds",
        "responses",
        "answers",
        "answer_history",
        "conversations",
        "processed_updates",
    )
    return {table: await _count(db, table) for table in tables}


async def _response(seeded: Seeded, who: str) -> Response:
    contact = seeded.contacts[who]
    async with seeded.db.transaction() as conn:
        return await responses.response_for(
            conn, seeded.round.id, contact.partnership_id, seeded.round.questionnaire_version
        )


async def _answers(seeded: Seeded, who: str) -> dict[str, Answer]:
    response = await _response(seeded, who)
    async with seeded.db.read() as conn:
        return await responses.answers(conn, response.id)


async def _history(seeded: Seeded, who: str) -> list[responses.HistoryEntry]:
    response = await _response(seeded, who)
    async with seeded.db.read() as conn:
        return await responses.history(conn, response.id)


# -- schema and connection ---------------------------------------------------------------


async def test_migrations_create_schema_version(db: Database) -> None:
    assert await _scalar(db, "SELECT max(version) FROM schema_version") == len(MIGRATIONS)
    assert await _count(db, "schema_version") == len(MIGRATIONS)
    async with (
        db.read() as conn,
        conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as cur,
    ):
        tables = {row[0] for row in await cur.fetchall()}
    assert {
        "schema_version",
        "partnerships",
        "contacts",
        "rounds",
        "responses",
        "answers",
        "answer_history",
        "conversations",
        "processed_updates",
        "outbox",
        "bad_invite_attempts",
    } <= tables


async def test_opening_twice_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "twice.db"
    first = await open_database(path)
    async with first.transaction() as conn:
        await conn.execute(
            "INSERT INTO partnerships (name, created_at) VALUES ('Kept', '2026-01-01T00:00:00')"
        )
    await first.close()
    second = await open_database(path)
    try:
        assert await _scalar(second, "SELECT max(version) FROM schema_version") == len(MIGRATIONS)
        assert await _count(second, "schema_version") == len(MIGRATIONS)
        assert await _scalar(second, "SELECT name FROM partnerships") == "Kept"
    finally:
        await second.close()


async def test_a_database_from_a_newer_bot_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    db = await open_database(path)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO schema_version (version) VALUES (?)", (len(MIGRATIONS) + 1,)
        )
    await db.close()
    with pytest.raises(RuntimeError, match="newer version"):
        await open_database(path)


async def test_wal_and_foreign_keys(db: Database) -> None:
    assert await _scalar(db, "PRAGMA journal_mode") == "wal"
    assert await _scalar(db, "PRAGMA foreign_keys") == 1
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO contacts (partnership_id, name, email, created_at)"
                " VALUES (999, 'Nobody', 'nobody@example.org', '2026-01-01T00:00:00')"
            )
    assert await _count(db, "contacts") == 0


async def test_a_transaction_that_raises_leaves_nothing_written(db: Database) -> None:
    class Boom(Exception):
        pass

    async def write_then_fail() -> None:
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO partnerships (name, created_at) VALUES ('Gone', '2026-01-01')"
            )
            await conn.execute(
                "INSERT INTO partnerships (name, created_at) VALUES ('Also gone', '2026-01-01')"
            )
            raise Boom

    with pytest.raises(Boom):
        await write_then_fail()
    assert await _count(db, "partnerships") == 0
    # the lock was released and the connection is usable
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO partnerships (name, created_at) VALUES ('Here', 'x')")
    assert await _count(db, "partnerships") == 1


async def test_a_failing_import_is_rolled_back_whole(db: Database, clock: Clock) -> None:
    rows = parse_directory(
        "partnership,contact_name,email\nNorth,Alice,alice@north.example\n"
        "South,Carol,carol@south.example\n"
    )

    async def import_then_fail() -> None:
        async with db.transaction() as conn:
            await partnerships.import_contacts(conn, rows[:1], clock())
            await partnerships.import_contacts(conn, rows[1:], clock().replace(tzinfo=None))

    with pytest.raises(ValueError, match="timezone"):
        await import_then_fail()
    assert await _count(db, "partnerships") == 0
    assert await _count(db, "contacts") == 0


async def test_concurrent_transactions_are_serialised(db: Database) -> None:
    async def add(name: str) -> None:
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO partnerships (name, created_at) VALUES (?, 'x')", (name,)
            )
            await asyncio.sleep(0)
            await conn.execute(
                "INSERT INTO partnerships (name, created_at) VALUES (?, 'x')", (name + " 2",)
            )

    await asyncio.gather(*(add(f"P{n}") for n in range(10)))
    assert await _count(db, "partnerships") == 20


# -- directory import --------------------------------------------------------------------


async def test_importing_the_same_directory_twice_changes_nothing(
    db: Database, directory_csv: Path, clock: Clock
) -> None:
    first = await import_directory(db, directory_csv, clock())
    assert (first.partnerships_added, first.contacts_added, first.contacts_updated) == (3, 4, 0)
    assert first.changed
    before = await _counts(db)
    clock.advance(hours=1)
    second = await import_directory(db, directory_csv, clock())
    assert (second.partnerships_added, second.contacts_added, second.contacts_updated) == (
        0,
        0,
        0,
    )
    assert second.changed is False
    assert await _counts(db) == before


async def test_imported_contacts(db: Database, directory_csv: Path, clock: Clock) -> None:
    await import_directory(db, directory_csv, clock())
    async with db.read() as conn:
        contacts = await partnerships.list_contacts(conn)
        names = [p.name for p in await partnerships.list_partnerships(conn)]
    assert names == ["East Partnership", "North Partnership", "South Partnership"]
    by_email = {c.email: c for c in contacts}
    alice = by_email["alice@north.example"]
    assert (alice.name, alice.partnership, alice.telegram_username) == (
        "Alice Archer",
        "North Partnership",
        "alice_archer",
    )
    assert by_email["bob@north.example"].telegram_username is None
    assert by_email["dan@east.example"].name == "Dan <Dee> & Co"
    assert alice.partnership_id == by_email["bob@north.example"].partnership_id


async def test_a_changed_name_updates(
    db: Database, directory_csv: Path, tmp_path: Path, clock: Clock
) -> None:
    await import_directory(db, directory_csv, clock())
    changed = _csv(tmp_path, DIRECTORY.replace("Bob Baker", "Robert Baker"), "changed.csv")
    result = await import_directory(db, changed, clock())
    assert (result.partnerships_added, result.contacts_added, result.contacts_updated) == (
        0,
        0,
        1,
    )
    assert result.changed
    async with db.read() as conn:
        bob = await partnerships.contact_by_email(conn, "bob@north.example")
    assert bob is not None
    assert bob.name == "Robert Baker"
    assert await _count(db, "contacts") == 4


async def test_moving_a_contact_and_adding_a_partnership_during_a_round(
    seeded: Seeded, tmp_path: Path
) -> None:
    moved = _csv(
        tmp_path,
        "partnership,contact_name,email,telegram_username\n"
        "West Partnership,Bob Baker,BOB@north.example,\n",
        "moved.csv",
    )
    result = await import_directory(seeded.db, moved, seeded.clock())
    assert (result.partnerships_added, result.contacts_added, result.contacts_updated) == (
        1,
        0,
        1,
    )
    async with seeded.db.read() as conn:
        bob = await partnerships.contact_by_email(conn, "bob@north.example")
        in_round = await responses.responses_in_round(conn, seeded.round.id)
    assert bob is not None and bob.partnership == "West Partnership"
    assert len(in_round) == 4  # the new partnership has a response in the open round


HEADER = "partnership,contact_name,email,telegram_username\n"
GOOD = "North Partnership,Alice Archer,alice@north.example,alice_archer\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (HEADER + GOOD + "North Partnership,Bob Baker,,\n", r"bad\.csv, line 3: email is empty"),
        (
            HEADER + GOOD + "South Partnership,Carol Cole,carol-at-south,\n",
            r"bad\.csv, line 3: 'carol-at-south' is not an email address",
        ),
        (
            HEADER + GOOD + "South Partnership,Carol,carol@south.example,carolc,extra\n",
            r"bad\.csv, line 3: has more columns than the header",
        ),
        (
            HEADER + GOOD + "\n\nSouth Partnership,Carol,carol@south.example,carolc,extra\n",
            r"bad\.csv, line 5: has more columns than the header",
        ),
        (
            HEADER + GOOD + "South Partnership,Alice Archer,alice@north.example,alice_archer\n",
            r"bad\.csv, line 3: alice@north\.example already appears on line 2 "
            "with different details",
        ),
        (
            "partnership,contact_name,telegram_username\nNorth Partnership,Alice,alice_a\n",
            r"bad\.csv, line 1: the header is missing: email",
        ),
        (
            HEADER + GOOD + ",Bob Baker,bob@north.example,\n",
            r"bad\.csv, line 3: partnership is empty",
        ),
        (
            HEADER + GOOD + "North Partnership,Bob Baker,bob@north.example,@b\n",
            r"bad\.csv, line 3: 'b' is not a Telegram username",
        ),
        (HEADER, r"bad\.csv has no contacts in it"),
    ],
)
async def test_bad_directory_rows_are_refused_and_nothing_is_imported(
    db: Database, tmp_path: Path, clock: Clock, text: str, message: str
) -> None:
    path = _csv(tmp_path, text)
    with pytest.raises(DirectoryError, match=message):
        await import_directory(db, path, clock())
    assert await _count(db, "partnerships") == 0
    assert await _count(db, "contacts") == 0


def test_repeated_identical_rows_are_accepted_once() -> None:
    rows = parse_directory(HEADER + GOOD + GOOD + "\n")
    assert len(rows) == 1
    assert rows[0].telegram_username == "alice_archer"


def test_header_is_case_and_space_insensitive_and_bom_is_ignored(tmp_path: Path) -> None:
    from bot.directory import read_directory

    path = tmp_path / "excel.csv"
    path.write_bytes(
        "\ufeff Partnership , Contact_Name,EMAIL\nNorth, Alice ,alice@north.example\n".encode()
    )
    (row,) = read_directory(path)
    assert (row.partnership, row.name, row.email, row.telegram_username) == (
        "North",
        "Alice",
        "alice@north.example",
        None,
    )


# -- answers through the audit service ---------------------------------------------------


async def test_answers_and_history_record_contact_and_channel(seeded: Seeded) -> None:
    alice, bob = seeded.contacts["alice"], seeded.contacts["bob"]
    service = seeded.service
    await service.handle(alice.id, "telegram", ev.Start())
    outcome = await service.handle(alice.id, "telegram", ev.Choose("s1.address", "yes"))
    assert outcome.effects[0] == fx.Recorded("s1.address", Answer("yes"))
    seeded.clock.advance(minutes=1)
    await service.handle(alice.id, "telegram", ev.Note("s1.address"))
    await service.handle(alice.id, "telegram", ev.Text("kept in the MIS"))
    await service.handle(bob.id, "console", ev.Start())  # no answer: no history
    await service.handle(bob.id, "console", ev.Choose("s1.telephone", "no"))
    history = await _history(seeded, "alice")
    assert [(h.question_id, h.value, h.note, h.contact_name, h.channel) for h in history] == [
        ("s1.address", "yes", None, "Alice Archer", "telegram"),
        ("s1.address", "yes", "kept in the MIS", "Alice Archer", "telegram"),
        ("s1.telephone", "no", None, "Bob Baker", "console"),
    ]
    assert history[0].changed_at == NOW
    assert history[1].changed_at == NOW + timedelta(minutes=1)
    answers = await _answers(seeded, "alice")
    assert set(answers) == {"s1.address", "s1.telephone"}
    address = answers["s1.address"]
    assert (address.value, address.note, address.contact_name, address.channel) == (
        "yes",
        "kept in the MIS",
        "Alice Archer",
        "telegram",
    )
    # the answer dates from the tap; the note has its own time and author
    assert address.answered_at == NOW
    assert (address.note_by, address.note_at) == ("Alice Archer", NOW + timedelta(minutes=1))
    response = await _response(seeded, "alice")
    assert response.status is Status.IN_PROGRESS
    assert response.last_activity_at == NOW + timedelta(minutes=1)


async def test_a_repeated_answer_adds_no_history(seeded: Seeded) -> None:
    alice = seeded.contacts["alice"]
    await seeded.service.handle(alice.id, "telegram", ev.Start())
    await seeded.service.handle(alice.id, "telegram", ev.Choose("s1.address", "yes"))
    await seeded.service.handle(alice.id, "telegram", ev.Choose("s1.address", "yes"))
    assert len(await _history(seeded, "alice")) == 1


async def test_answer_history_is_append_only(seeded: Seeded) -> None:
    alice = seeded.contacts["alice"]
    await seeded.service.handle(alice.id, "telegram", ev.Start())
    await seeded.service.handle(alice.id, "telegram", ev.Choose("s1.address", "yes"))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        async with seeded.db.transaction() as conn:
            await conn.execute("UPDATE answer_history SET value = 'no'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        async with seeded.db.transaction() as conn:
            await conn.execute("DELETE FROM answer_history")
    history = await _history(seeded, "alice")
    assert [(h.question_id, h.value) for h in history] == [("s1.address", "yes")]


async def test_contacts_of_one_partnership_share_one_response(seeded: Seeded) -> None:
    alice, bob, carol = (seeded.contacts[n] for n in ("alice", "bob", "carol"))
    service = seeded.service
    await service.handle(alice.id, "telegram", ev.Start())
    await service.handle(alice.id, "telegram", ev.Choose("s1.address", "yes"))
    assert (await _response(seeded, "alice")).id == (await _response(seeded, "bob")).id
    assert (await _response(seeded, "alice")).id != (await _response(seeded, "carol")).id

    outcome = await service.handle(bob.id, "console", ev.Start())
    assert outcome.effects == (fx.Ask("s1.telephone", 1, None, answered=1),)
    assert outcome.answers["s1.address"].value == "yes"
    assert outcome.answers["s1.address"].contact_name == "Alice Archer"
    await service.handle(bob.id, "console", ev.Choose("s1.telephone", "no"))

    outcome = await service.handle(alice.id, "telegram", ev.Review())
    (review,) = outcome.effects
    assert isinstance(review, fx.ShowReview)
    assert review.answers["s1.telephone"].value == "no"
    assert review.answers["s1.telephone"].contact_name == "Bob Baker"

    outcome = await service.handle(carol.id, "telegram", ev.Start())
    assert outcome.effects == (fx.Ask("s1.address", 0, None),)
    assert outcome.answers == {}


async def test_concurrent_answers_from_two_contacts_are_both_kept(seeded: Seeded) -> None:
    alice, bob = seeded.contacts["alice"], seeded.contacts["bob"]
    await seeded.service.handle(alice.id, "telegram", ev.Start())
    await seeded.service.handle(bob.id, "telegram", ev.Start())
    ids = [item.id for item in seeded.questionnaire.items if item.kind.choices][:10]
    await asyncio.gather(
        *(
            seeded.service.handle((alice if n % 2 else bob).id, "telegram", ev.Choose(qid, "yes"))
            for n, qid in enumerate(ids)
        )
    )
    answers = await _answers(seeded, "alice")
    assert {qid for qid, a in answers.items() if a.value == "yes"} == set(ids)
    assert len(await _history(seeded, "alice")) == len(ids)


async def test_a_redelivered_update_is_handled_once(seeded: Seeded) -> None:
    alice = seeded.contacts["alice"]
    service = seeded.service
    await service.handle(alice.id, "telegram", ev.Start(), update_key="1")
    first = await service.handle(
        alice.id, "telegram", ev.Choose("s1.address", "yes"), update_key="2"
    )
    assert first.duplicate is False
    await service.handle(alice.id, "telegram", ev.Choose("s1.address", "no"), update_key="3")
    history_before = await _history(seeded, "alice")
    again = await service.handle(
        alice.id, "telegram", ev.Choose("s1.address", "yes"), update_key="2"
    )
    assert again.duplicate is True
    assert again.effects == ()
    assert await _history(seeded, "alice") == history_before
    assert (await _answers(seeded, "alice"))["s1.address"].value == "no"
    assert await _count(seeded.db, "processed_updates") == 3
    # the same key from another channel is a different update
    other = await service.handle(alice.id, "email", ev.Choose("s1.address", "yes"), update_key="2")
    assert other.duplicate is False
    assert (await _answers(seeded, "alice"))["s1.address"].value == "yes"


async def test_conversation_state_survives_a_restart(seeded: Seeded) -> None:
    alice = seeded.contacts["alice"]
    await seeded.service.handle(alice.id, "telegram", ev.Start())
    await seeded.service.handle(alice.id, "telegram", ev.Skip("s1.address"))
    await seeded.service.handle(alice.id, "telegram", ev.Choose("s1.telephone", "yes"))
    await seeded.service.handle(alice.id, "telegram", ev.Note("s1.telephone"))
    await seeded.service.handle(alice.id, "telegram", ev.Text("mobiles too"))
    await seeded.service.handle(alice.id, "console", ev.Start())
    path = seeded.db.path
    await seeded.db.close()

    reopened = await open_database(path)
    try:
        service = AuditService(reopened, seeded.clock)
        outcome = await service.handle(alice.id, "telegram", ev.Start())
        assert outcome.effects == (fx.Ask("s1.electronic_contacts", 2, None, answered=1),)
        assert outcome.answers["s1.telephone"].note == "mobiles too"
        # each channel keeps its own place
        outcome = await service.handle(alice.id, "console", ev.Start())
        assert outcome.effects == (fx.Ask("s1.address", 0, None, answered=1),)
    finally:
        await reopened.close()


async def test_no_round_and_unknown_contact(
    db: Database, directory_csv: Path, clock: Clock
) -> None:
    await import_directory(db, directory_csv, clock())
    async with db.read() as conn:
        alice = await partnerships.contact_by_email(conn, "alice@north.example")
    assert alice is not None
    service = AuditService(db, clock)
    outcome = await service.handle(alice.id, "telegram", ev.Start())
    assert outcome.effects == (fx.Rejected(fx.Reason.NO_ROUND),)
    with pytest.raises(LookupError):
        await service.handle(9999, "telegram", ev.Start())


async def test_submission_and_amendment(seeded: Seeded) -> None:
    alice, bob = seeded.contacts["alice"], seeded.contacts["bob"]
    service = seeded.service
    await service.handle(alice.id, "telegram", ev.Start())
    await service.handle(alice.id, "telegram", ev.Choose("s1.address", "yes"))
    seeded.clock.advance(hours=1)
    await service.handle(alice.id, "telegram", ev.Submit())
    outcome = await service.handle(alice.id, "telegram", ev.Confirm(role="Head of inclusion"))
    assert isinstance(outcome.effects[0], fx.Submitted)
    submitted_at = NOW + timedelta(hours=1)
    response = await _response(seeded, "bob")
    assert response.status is Status.SUBMITTED
    assert response.submitted_at == submitted_at
    assert response.submitted_by == alice.id
    assert response.amended_at is None

    # a second confirm (double tap) changes nothing
    assert (await service.handle(alice.id, "telegram", ev.Confirm())).effects == ()
    outcome = await service.handle(bob.id, "console", ev.Submit())
    assert outcome.effects == (fx.Rejected(fx.Reason.ALREADY_SUBMITTED),)

    seeded.clock.advance(days=1)
    await service.handle(bob.id, "console", ev.Review())
    await service.handle(bob.id, "console", ev.Jump("s1.address"))
    await service.handle(bob.id, "console", ev.Choose("s1.address", "no"))
    response = await _response(seeded, "alice")
    assert response.status is Status.SUBMITTED
    assert response.submitted_at == submitted_at
    assert response.submitted_by == alice.id
    assert response.amended_at == NOW + timedelta(days=1, hours=1)
    assert (await _answers(seeded, "alice"))["s1.address"].value == "no"


async def test_a_closed_round_refuses_answers_but_shows_them(seeded: Seeded) -> None:
    alice = seeded.contacts["alice"]
    await seeded.service.handle(alice.id, "telegram", ev.Start())
    await seeded.service.handle(alice.id, "telegram", ev.Choose("s1.address", "yes"))
    await close_round(seeded.db, seeded.clock())
    before = await _counts(seeded.db)
    outcome = await seeded.service.handle(alice.id, "telegram", ev.Choose("s1.gp", "yes"))
    assert outcome.effects == (fx.Rejected(fx.Reason.ROUND_CLOSED),)
    outcome = await seeded.service.handle(alice.id, "telegram", ev.Review())
    (review,) = outcome.effects
    assert isinstance(review, fx.ShowReview)
    assert set(review.answers) == {"s1.address"}
    after = await _counts(seeded.db)
    assert after["answers"] == before["answers"]
    assert after["answer_history"] == before["answer_history"]


# -- rounds ------------------------------------------------------------------------------


async def test_open_round_gives_every_partnership_a_response(seeded: Seeded) -> None:
    assert seeded.round.is_open
    assert seeded.round.deadline == date(2026, 11, 30)
    assert seeded.round.questionnaire_version == seeded.questionnaire.version
    async with seeded.db.read() as conn:
        in_round = await responses.responses_in_round(conn, seeded.round.id)
        source = await rounds.questionnaire_source(conn, seeded.questionnaire.version)
    assert len(in_round) == 3
    assert {r.status for r in in_round} == {Status.NOT_STARTED}
    assert source == load_questionnaire()[1]


async def test_open_round_refuses_a_second_open_round(seeded: Seeded) -> None:
    questionnaire, source = load_questionnaire()
    before = await _counts(seeded.db)
    with pytest.raises(RoundSetupError, match="already open"):
        await open_round(seeded.db, questionnaire, source, date(2026, 12, 31), seeded.clock())
    assert await _counts(seeded.db) == before


@pytest.mark.parametrize("days", [0, -1, -365])
async def test_open_round_refuses_a_deadline_not_in_the_future(
    db: Database, directory_csv: Path, clock: Clock, days: int
) -> None:
    questionnaire, source = load_questionnaire()
    await import_directory(db, directory_csv, clock())
    before = await _counts(db)
    with pytest.raises(RoundSetupError, match="not in the future"):
        await open_round(db, questionnaire, source, NOW.date() + timedelta(days=days), clock())
    assert await _counts(db) == before
    assert before["rounds"] == 0 and before["questionnaires"] == 0


async def test_open_round_refuses_without_partnerships(db: Database, clock: Clock) -> None:
    questionnaire, source = load_questionnaire()
    with pytest.raises(RoundSetupError, match="no partnerships"):
        await open_round(db, questionnaire, source, date(2026, 12, 31), clock())
    assert await _counts(db) == dict.fromkeys(await _counts(db), 0)


async def test_a_new_round_after_closing(seeded: Seeded) -> None:
    questionnaire, source = load_questionnaire()
    closed = await close_round(seeded.db, seeded.clock())
    assert not closed.is_open and closed.closed_at == NOW
    with pytest.raises(RoundSetupError, match="no open round"):
        await close_round(seeded.db, seeded.clock())
    seeded.clock.advance(days=1)
    opened = await open_round(seeded.db, questionnaire, source, date(2027, 1, 31), seeded.clock())
    assert opened.partnerships == 3
    assert opened.round.id != seeded.round.id
    async with seeded.db.read() as conn:
        latest = await rounds.latest_round(conn)
    assert latest == opened.round
    assert await _count(seeded.db, "questionnaires") == 1


def test_rows_differing_only_in_email_case_are_one_contact() -> None:
    rows = parse_directory(
        "partnership,contact_name,email\nWest,Wendy,Wendy@West.example\nWest,Wendy,wendy@west.example\n"
    )
    assert len(rows) == 1


def test_preferred_channel_is_read_and_checked() -> None:
    header = "partnership,contact_name,email,preferred_channel\n"
    [row] = parse_directory(header + "North,Alice,alice@north.example,Email\n")
    assert row.preferred_channel == "email"
    [row] = parse_directory(header + "North,Alice,alice@north.example,\n")
    assert row.preferred_channel is None
    with pytest.raises(DirectoryError, match="line 2: preferred_channel 'sms' should be"):
        parse_directory(header + "North,Alice,alice@north.example,sms\n")


async def test_invites_belong_to_a_channel(seeded: Seeded) -> None:
    alice, now = seeded.contacts["alice"], seeded.clock()
    [telegram] = await issue_invites(seeded.db, [alice], "telegram", now, 14)
    [email] = await issue_invites(seeded.db, [alice], "email", now, 14)
    # the email invite did not end the Telegram one, and neither works on the other channel
    wrong = await redeem(seeded.db, "email", telegram.token, "a@x.example", "a@x.example", now)
    assert wrong.result is Redeemed.INVALID
    linked = await redeem(seeded.db, "telegram", telegram.token, "501", "501", now)
    assert linked.result is Redeemed.LINKED
    assert linked.contact is not None and linked.contact.linked("telegram")
    again = await redeem(seeded.db, "telegram", telegram.token, "501", "501", now)
    assert again.result is Redeemed.ALREADY_LINKED
    assert email.token != telegram.token
