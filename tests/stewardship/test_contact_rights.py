"""Subject access and erasure, as the LA officer runs them: `auditbot contact export` holds
exactly that contact's data, and `auditbot contact erase` leaves no trace of their
identifiers anywhere in the database files while their partnership keeps its answers."""

from __future__ import annotations

import base64
import json
import sqlite3
import stat
from pathlib import Path

import pytest

from bot import contact_data
from bot.history_chain import verify
from bot.notices import Notice
from bot.summary.load import load_summary
from storage import maintenance, outbox, partnerships, responses
from tests.stewardship.conftest import (
    ALICE,
    ALICE_NOTE,
    BOB,
    BOB_NOTE,
    CAROL,
    CAROL_NOTE,
    DAN,
    PEOPLE,
    World,
    auditbot,
    dump,
    raw_bytes,
)


def _mentions(text: str, person: object) -> list[str]:
    assert hasattr(person, "identifiers")
    return [value for value in person.identifiers if value in text]


async def test_export_holds_exactly_that_contacts_data(world: World, tmp_path: Path) -> None:
    target = tmp_path / "alice.json"
    result = auditbot(world.path, "contact", "export", ALICE.email, "--out", str(target))
    assert result.returncode == 0, result.stderr
    assert "contact #" in result.stdout and str(target) in result.stdout
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    text = target.read_text("utf-8")
    held = json.loads(text)

    assert held["contact"]["name"] == ALICE.name
    assert held["contact"]["email"] == ALICE.email
    assert {(a["channel"], a["address"]) for a in held["addresses"]} == {
        ("email", ALICE.email),
        ("telegram", ALICE.telegram_id),
    }
    assert len(held["invites"]) == 2  # the one she used, and a newer one
    assert "token_hash" not in held["invites"][0]
    answers = {a["question_number"]: a for a in held["answers"]}
    assert set(answers) == {1, 2, 3}
    assert (answers[1]["answer"], answers[1]["note"]) == ("yes", ALICE_NOTE)
    assert answers[2]["answer"] == "yes"
    assert "note" not in answers[3]  # Bob wrote that note: his, not hers
    assert [(h["question_number"], h["value"]) for h in held["history"]] == [
        (1, "yes"),
        (2, "no"),
        (3, "yes"),
        (2, "yes"),
    ]
    assert [c["channel"] for c in held["conversations"]] == ["telegram"]
    assert len(held["reminder_snoozes"]) == 1
    assert sorted(m["recipient"] for m in held["messages"]) == sorted(
        [ALICE.telegram_id, ALICE.email]
    )
    assert all(m["content"]["contact_name"] == ALICE.name for m in held["messages"])
    assert [a["account"] for a in held["invite_attempts"]] == [ALICE.telegram_id]
    assert [u["seq"] for u in held["waiting_updates"]] == [1, 3]
    assert [e["action"] for e in held["audit_log"]] == ["contact export"]

    for other in (BOB, CAROL, DAN):
        assert _mentions(text, other) == [], other.name
    assert BOB_NOTE not in text and CAROL_NOTE not in text


async def test_export_prints_json_without_out(world: World) -> None:
    result = auditbot(world.path, "contact", "export", CAROL.email)
    assert result.returncode == 0, result.stderr
    held = json.loads(result.stdout)
    assert held["contact"]["name"] == CAROL.name
    assert [a["note"] for a in held["answers"]] == [CAROL_NOTE]
    assert held["messages"] == []  # nothing was queued to Carol
    assert _mentions(result.stdout, ALICE) == [] and _mentions(result.stdout, BOB) == []


async def test_unknown_address_is_one_sentence(world: World) -> None:
    for args in (("export",), ("erase", "--yes")):
        result = auditbot(world.path, "contact", args[0], "nobody@north.example", *args[1:])
        assert result.returncode == 1
        assert "No contact has the email address nobody@north.example" in result.stderr
        assert "Traceback" not in result.stderr


async def test_erase_asks_first_and_a_no_changes_nothing(world: World) -> None:
    result = auditbot(world.path, "contact", "erase", ALICE.email, stdin="n\n")
    assert result.returncode == 1
    assert f"This erases {ALICE.name} <{ALICE.email}> of North Partnership" in result.stdout
    assert "3 answers and 4 history entries" in result.stdout
    assert "Nothing was erased." in result.stderr
    async with world.db.read() as conn:
        still = await partnerships.contact_by_email(conn, ALICE.email)
    assert still is not None and still.name == ALICE.name


async def test_erase_leaves_no_trace_of_their_identifiers(world: World) -> None:
    north = world.seeded.contacts["alice"].partnership_id
    async with world.db.read() as conn:
        in_round = await responses.responses_in_round(conn, world.seeded.round.id)
        response = next(r for r in in_round if r.partnership_id == north)
        history_before = await responses.history(conn, response.id)
    assert ALICE.name.encode() in raw_bytes(world.path)  # the search below can find them

    result = auditbot(world.path, "contact", "erase", ALICE.email, stdin="y\n")
    assert result.returncode == 0, result.stderr
    assert "Erased contact #" in result.stdout
    assert "now show as given by “a former contact”" in result.stdout

    # the erasing process checkpointed; the test's own connection writes nothing
    found = raw_bytes(world.path)
    for value in ALICE.identifiers:
        assert value.encode() not in found, value
        assert value.lower().encode() not in found.lower(), value
    for other in (BOB, CAROL):
        assert other.name.encode() in found  # the others are all still there
        assert other.email.encode() in found

    async with world.db.read() as conn:
        assert await partnerships.contact_by_email(conn, ALICE.email) is None
        names = [c.name for c in await partnerships.list_contacts(conn)]
        answers = await responses.answers(conn, response.id)
        history_after = await responses.history(conn, response.id)
        rows = await outbox.all_rows(conn)
        bob = await partnerships.contact_by_email(conn, BOB.email)
    assert ALICE.name not in names and BOB.name in names
    q = world.seeded.questionnaire.items
    assert (answers[q[0].id].value, answers[q[0].id].note) == ("yes", ALICE_NOTE)
    assert answers[q[0].id].contact_name == "a former contact"
    assert answers[q[2].id].note == BOB_NOTE and answers[q[2].id].note_by == BOB.name
    assert len(history_after) == len(history_before)
    assert {h.contact_name for h in history_after} == {"a former contact", BOB.name}
    assert bob is not None and len(bob.addresses) == 2  # Bob keeps everything
    # no message to her is left; no message left carries a file or text naming her
    assert ALICE.email not in {r.recipient for r in rows}
    for row in rows:
        notice = Notice.from_payload(row.payload)
        assert notice is None or not any(ALICE.name in str(v) for v in notice.context.values())
        assert notice is None or all(
            ALICE.name.encode() not in a.content for a in notice.attachments
        )
    assert {r.recipient for r in rows if r.kind == "reminder"} == {BOB.telegram_id, BOB.email}

    # the chains still verify, and the summary shows a former contact where she was
    assert (await verify(world.db)).ok
    summary = await load_summary(world.db, world.seeded.clock())
    result = next(p for p in summary.partnerships if p.name == "North Partnership")
    assert ALICE.name not in result.contacts
    assert result.answers[q[0].id].contact_name == "a former contact"


async def test_erasure_leaves_nothing_in_a_base64_copy_either(world: World) -> None:
    """Files queued to the LA are stored base64-encoded: look for those forms too."""
    contact = world.seeded.contacts["alice"]
    await contact_data.erase(world.db, contact, "cli:test")
    found = raw_bytes(world.path)
    for value in ALICE.identifiers:
        for shift in range(3):
            encoded = base64.b64encode(b"\0" * shift + value.encode())[4:-4]
            assert encoded not in found, (value, shift)


async def test_erase_is_recorded_without_identifiers_and_the_log_still_verifies(
    world: World,
) -> None:
    assert auditbot(world.path, "contact", "export", ALICE.email).returncode == 0
    result = auditbot(world.path, "contact", "erase", "--yes", ALICE.email)
    assert result.returncode == 0, result.stderr
    log = auditbot(world.path, "audit-log")
    assert log.returncode == 0, log.stderr
    lines = [line for line in log.stdout.splitlines() if "contact " in line]
    assert any("contact export" in line for line in lines)
    erase = next(line for line in lines if "contact erase" in line)
    assert "jane.officer" in erase and "North Partnership" in erase
    for value in ALICE.identifiers:
        assert value not in log.stdout
    checked = auditbot(world.path, "verify")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Audit log:" in checked.stdout and "chain intact" in checked.stdout


async def test_an_erased_contact_is_imported_again_as_someone_new(
    world: World, directory_csv: Path
) -> None:
    await contact_data.erase(world.db, world.seeded.contacts["alice"], "cli:test")
    result = auditbot(world.path, "partnerships", "import", str(directory_csv))
    assert result.returncode == 0, result.stderr
    async with world.db.read() as conn:
        again = await partnerships.contact_by_email(conn, ALICE.email)
    assert again is not None and again.id != world.ids["alice"]
    assert again.addresses and not again.linked("telegram")


async def test_a_dry_run_of_erasure_changes_nothing(world: World) -> None:
    before = dump(world.path)
    preview = await contact_data.erase(
        world.db, world.seeded.contacts["alice"], "cli:test", dry_run=True
    )
    assert dump(world.path) == before
    assert (preview.addresses, preview.invites, preview.invite_attempts) == (2, 2, 1)
    assert preview.waiting_updates == 2 and preview.answers_kept == 3
    # her two reminders, plus the waiting LA summary that names her (deleted, to be
    # compiled afresh) and the sent one (emptied)
    assert (preview.messages_deleted, preview.messages_emptied) == (3, 1)
    for person in PEOPLE:
        assert person.name  # all four are still there


async def test_an_erasure_while_the_bot_reads_is_finished_by_the_next_purge(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(maintenance, "BUSY_TIMEOUT", 0.2)
    reader = sqlite3.connect(world.path, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM contacts").fetchone()  # holds its snapshot
        erased = await contact_data.erase(world.db, world.seeded.contacts["alice"], "cli:test")
        assert not erased.compacted
        assert ALICE.email.encode() in raw_bytes(world.path)  # the reader's snapshot
    finally:
        reader.close()
    result = auditbot(world.path, "purge")
    assert result.returncode == 0, result.stderr
    assert "could not be rewritten" not in result.stdout
    found = raw_bytes(world.path)
    for value in ALICE.identifiers:
        assert value.encode() not in found, value
