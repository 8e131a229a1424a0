"""`auditbot query`: the LA asks a partnership about one answer, the partnership's contacts
are told in their channel, a changed answer or note closes the query and goes back to the
LA, and `round close` refuses while a query waits; against a real database file, through
typer's runner and once as a real process."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.flows import events
from bot.notices import Intent, Notice
from storage import outbox
from storage import queries as store
from storage.outbox import OutboxRow
from tests.conftest import Seeded

LA = "email:audit-team@la.example"
COMMENT = "Please say which system holds this."


@pytest.fixture
def cli(seeded: Seeded, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("AUDITBOT_DB", seeded.db.path)
    monkeypatch.setenv("AUDITBOT_OPERATOR", "jo.smith")
    monkeypatch.setenv("EMAIL_SMTP_HOST", "smtp.la.example")  # contacts reachable by email
    monkeypatch.setenv("EMAIL_FROM", "audit@la.example")
    monkeypatch.setenv("LA_RECIPIENTS", LA)
    monkeypatch.setenv("COLUMNS", "250")
    return CliRunner()


def invoke(cli: CliRunner, *args: str) -> tuple[int, str]:
    result = cli.invoke(app, list(args))
    return result.exit_code, result.output


async def ainvoke(cli: CliRunner, *args: str) -> tuple[int, str]:
    """`invoke` from a test's event loop (the command runs its own)."""
    return await asyncio.to_thread(invoke, cli, *args)


async def rows(seeded: Seeded, kind: str) -> list[OutboxRow]:
    async with seeded.db.read() as conn:
        return [r for r in await outbox.all_rows(conn) if r.kind == kind]


async def test_a_query_reaches_the_partnership_and_its_reply_the_la(
    seeded: Seeded, cli: CliRunner
) -> None:
    alice = seeded.contacts["alice"]
    entry = events.BatchEntry("s1.address", "yes", "On the <referral> form.")
    await seeded.service.handle(alice.id, "console", events.Batch((entry,)))

    code, output = await ainvoke(
        cli, "query", "--partnership", "north partnership", "--question", "1", COMMENT
    )
    assert code == 0, output
    # no mail server answers here: the notices wait in the outbox, and the LA is told so
    assert (
        "Query 1 queued for North Partnership about question 1, for Alice Archer, Bob Baker;"
        in (output)
    )
    told = await rows(seeded, "query")
    assert sorted(r.recipient for r in told) == ["alice@north.example", "bob@north.example"]
    notice = Notice.from_payload(told[0].payload)
    assert notice is not None
    assert notice.context["comment"] == COMMENT
    assert notice.context["answer"] == "Yes"
    assert notice.context["note"] == "On the <referral> form."
    [[action]] = notice.actions
    assert action.intent is Intent.ANSWER_QUERY
    assert action.args["question_id"] == "s1.address"

    code, output = await ainvoke(cli, "query", "list", "--open")
    assert code == 0, output
    assert "North Partnership" in output and COMMENT in output and "Open, 0 days" in output

    # an answer to another question does not close it
    other = events.BatchEntry("s1.gp", "no")
    await seeded.service.handle(alice.id, "console", events.Batch((other,)))
    assert await rows(seeded, "query.answered") == []

    # "no change, because ..." as a note closes it and tells the LA, old -> new
    seeded.clock.advance(hours=2)
    reply = events.BatchEntry("s1.address", "yes", "No change, because it is on the form.")
    await seeded.service.handle(seeded.contacts["bob"].id, "email", events.Batch((reply,)))
    [back] = await rows(seeded, "query.answered")
    assert (back.channel, back.recipient) == ("email", "audit-team@la.example")
    said = Notice.from_payload(back.payload)
    assert said is not None
    assert said.context["old_note"] == "On the <referral> form."
    assert said.context["new_note"] == "No change, because it is on the form."
    assert said.context["by"] == "Bob Baker"
    assert not said.context["answer_changed"] and said.context["note_changed"]
    async with seeded.db.read() as conn:
        [query] = await store.in_round(conn, seeded.round.id)
    assert query.answered_by_name == "Bob Baker" and query.answered_channel == "email"
    assert query.asked_note == "On the <referral> form."

    code, output = await ainvoke(cli, "query", "list", "--open")
    assert "Every query in round 1 has been answered." in output
    code, output = await ainvoke(cli, "query", "list")
    assert "Answered by Bob Baker" in output and "No change, because" in output

    # a second change to the answer is history, not a second reply
    again = events.BatchEntry("s1.address", "no")
    await seeded.service.handle(alice.id, "console", events.Batch((again,)))
    assert len(await rows(seeded, "query.answered")) == 1


async def test_round_close_refuses_with_open_queries_unless_forced(
    seeded: Seeded, cli: CliRunner
) -> None:
    code, output = await ainvoke(
        cli, "query", "--partnership", "South Partnership", "--question", "s1.gp", "Why?"
    )
    assert code == 0, output
    code, output = await ainvoke(cli, "round", "close")
    assert code == 1
    assert "1 query to a partnership is still waiting for a reply" in output
    assert "auditbot round close --force" in output and "Traceback" not in output
    code, output = await ainvoke(cli, "round", "close", "--force")
    assert code == 0, output
    assert "Round closed" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--partnership", "Nowhere", "--question", "1", "Why?"), "no partnership called"),
        (("--partnership", "North Partnership", "--question", "99", "Why?"), "no question '99'"),
        (("--partnership", "North Partnership", "--question", "1", "   "), "write the comment"),
        (("Why?",), "give --partnership, --question and the comment"),
    ],
)
def test_mistakes_are_one_sentence(cli: CliRunner, args: tuple[str, ...], message: str) -> None:
    code, output = invoke(cli, "query", *args)
    assert code == 1
    assert message in output and "Traceback" not in output


def test_a_real_process_asks_and_lists(seeded: Seeded) -> None:
    env = {"AUDITBOT_DB": seeded.db.path, "COLUMNS": "250", "PATH": "/usr/bin:/bin"}

    def auditbot(
        *args: str, command: str = "query", stdin: str = ""
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", command, *args],
            capture_output=True,
            text=True,
            env=env,
            input=stdin,
            timeout=120,
            check=False,
        )

    asked = auditbot("--partnership", "East Partnership", "--question", "2", COMMENT)
    assert asked.returncode == 0, asked.stderr
    assert "Query 1 recorded for East Partnership about question 2; none of its" in asked.stdout
    listed = auditbot("list")
    assert listed.returncode == 0, listed.stderr
    assert COMMENT in listed.stdout and "Open, 0 days" in listed.stdout
    # Dan can be reached nowhere but here: the terminal opens the queried question first
    dan = auditbot(
        "--as", "dan@east.example", command="chat", stdin="/note 2\nNo change: it is the MIS.\n"
    )
    assert dan.returncode == 0, dan.stderr
    opened = dan.stdout.split("[2/44]", 1)[1]
    assert f"The local authority asks about this answer: “{COMMENT}”" in opened
    assert "Saved" in dan.stdout and "No change: it is the MIS." in dan.stdout, dan.stdout
    listed = auditbot("list", "--open")
    assert "Every query in round 1 has been answered." in listed.stdout
