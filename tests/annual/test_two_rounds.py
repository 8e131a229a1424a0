"""Year two of the audit, end to end, as the LA officer and a partnership lead run it: real
`auditbot` processes on one database file, the lead answering in the terminal channel
(`auditbot chat`), invitations through a real SMTP server on loopback.

Round one is answered and submitted with a named sign-off. Round two opens with carry-forward
on an edited questionnaire (one question reworded, one added, one removed, and a follow-up
rule for "No" on one question); the lead confirms whole sections, changes two answers,
answers the reworded and the new question; the LA queries one answer and the lead replies;
the lead signs off and submits. The comparison, the actions, the queries and the sign-off
are then read back from every summary format, and the round will not close while a query
waits."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from bot.questionnaire import Questionnaire, load_questionnaire
from tests.cli.test_cli import auditbot, full_script
from tests.conftest import DIRECTORY
from tests.email.smtp_server import MailServer

NORTH = "North Partnership"
ALICE = "alice@north.example"
LA = "audit-team@la.example"
OPERATOR = "jo.smith"

# the edits for year two (question numbers are those of the edited questionnaire)
REWORDED = "Telephone numbers of parents and carers"  # s1.telephone, question 2
ADDED = "Photographs of the young person"  # s1.photos, question 12
REMOVED = "Exam Boards and other awarding authorities"  # s2.exam_boards
FOLLOW_UP = "Inform discussions on support and provision for the YP with other agencies"
FOLLOW_UP_ACTION = "Ask how support is agreed with the other agencies involved."
SCHOOLS = "Schools that the YP has attended"  # s4.schools, question 25

# round one's notes, as tests.cli.test_cli.full_script writes them
OLD_NOTE_SCHOOLS = 'Note 24 for s4.schools <with> & "marks"'
OLD_NOTE_FOLLOW_UP = 'Note 29 for s5.discuss_agencies <with> & "marks"'
NEW_NOTE_SCHOOLS = "from every school the YP has attended"
NEW_NOTE_FOLLOW_UP = "only within the partnership now"

QUERY = "Which agencies did you stop discussing support with, and why?"
REPLY = "We stopped case discussions with Health after the ICB reorganisation; Social Care joins."
OPEN_QUERY = "Please send us your current retention schedule."
SIGNER, ROLE = "Dr Alice Archer", "Head of inclusion and data protection lead"
FORMATS = {
    "html": "summary.html",
    "pdf": "summary.pdf",
    "xlsx": "summary.xlsx",
    "csv": "summary.csv",
    "docx": "forms",  # a directory: one Word form per partnership
}


@dataclass(frozen=True)
class La:
    """The LA officer at a terminal: every command a real `auditbot` process."""

    db: Path
    env: dict[str, str]

    def ok(self, *args: str, stdin: str = "") -> str:
        result = auditbot(self.db, *args, stdin=stdin, env=self.env)
        assert result.returncode == 0, f"auditbot {' '.join(args)}: {result.stderr}"
        assert "Traceback" not in result.stdout + result.stderr
        return result.stdout

    def refused(self, *args: str) -> str:
        result = auditbot(self.db, *args, env=self.env)
        said = " ".join((result.stdout + result.stderr).split())
        assert result.returncode == 1, said
        assert "Traceback" not in said
        return said

    def chat(self, email: str, *lines: str) -> str:
        """A lead typing `lines` into `auditbot chat`, then input ends (saved, paused)."""
        return self.ok("chat", "--as", email, stdin="".join(f"{line}\n" for line in lines))

    def write(self, fmt: str, out: Path) -> Path:
        assert "Wrote" in self.ok("summary", "--format", fmt, "--out", str(out))
        return out


@pytest.fixture
def mail() -> Iterator[MailServer]:
    server = MailServer().start()
    yield server
    server.stop()


@pytest.fixture
def la(tmp_path: Path, mail: MailServer) -> La:
    env = {
        "EMAIL_SMTP_HOST": mail.host,
        "EMAIL_SMTP_PORT": str(mail.port),
        "EMAIL_SMTP_SECURITY": "none",
        "EMAIL_FROM": "audit@la.example",
        "LA_RECIPIENTS": f"email:{LA}",
        "AUDITBOT_OPERATOR": OPERATOR,
        "COLUMNS": "400",  # wide enough that no table wraps a cell
    }
    return La(tmp_path / "audit.db", env)


def year_two_questionnaire(path: Path) -> Path:
    """The shipped questionnaire as an LA officer would edit it for next year."""
    _, source = load_questionnaire()
    data = yaml.safe_load(source)
    s1, s2, s5 = (data["sections"][n]["items"] for n in (0, 1, 4))
    next(item for item in s1 if item["id"] == "s1.telephone")["text"] = REWORDED
    s1.insert(len(s1) - 1, {"id": "s1.photos", "kind": "tick", "text": ADDED})
    s2[:] = [item for item in s2 if item["id"] != "s2.exam_boards"]
    next(item for item in s5 if item["id"] == "s5.discuss_agencies")["flag_when"] = ["no"]
    data["actions"].append(
        {
            "id": "no-agency-discussion",
            "questions": ["s5.discuss_agencies"],
            "answers": ["no"],
            "severity": "red",
            "action": FOLLOW_UP_ACTION,
        }
    )
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def asked(output: str, number: int) -> str:
    """What the chat showed for question `number` of 44, up to its progress line."""
    start = output.index(f"[{number}/44] ")
    return output[start : output.index(" of 44 answered", start)]


def part(text: str, heading: str, next_heading: str = "\n== ") -> str:
    """The part of a text summary under `== heading ==`."""
    start = text.index(f"== {heading} ==")
    end = text.find(next_heading, start + 1)
    return text[start : end if end >= 0 else len(text)]


def outbox(la: La) -> dict[str, list[str]]:
    """`auditbot outbox`: the recipients of the messages waiting, by kind."""
    waiting: dict[str, list[str]] = {}
    for line in la.ok("outbox").splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if len(cells) > 3 and cells[1] == "pending":
            waiting.setdefault(cells[2], []).append(cells[3])
    return waiting


def flat(text: str) -> str:
    return " ".join(text.split())


def html_part(page: str, anchor: str) -> str:
    """The readable text of the HTML summary's section `<h2 id=anchor>`, tags stripped."""
    start = page.index(f'<h2 id="{anchor}"')
    end = page.find("<h2", start + 1)
    return flat(html.unescape(re.sub(r"<[^>]+>", " ", page[start:end])))


def test_year_two_of_the_audit(la: La, mail: MailServer, questionnaire: Questionnaire) -> None:
    work = la.db.parent
    directory = work / "directory.csv"
    directory.write_text(DIRECTORY, "utf-8")

    # --- round one: set up, invite, answered and signed off ----------------------------
    la.ok("init")
    assert "3 new partnerships, 4 new contacts" in la.ok("partnerships", "import", str(directory))
    assert "Round opened for 3 partnerships" in la.ok("round", "open", "--deadline", "2099-01-30")
    invited = la.ok("invite", "--partnership", NORTH, "--email")
    assert "2 invitations emailed: 2 sent now" in invited
    [invitation] = mail.to(ALICE)
    assert invitation["Subject"] == f"Audit of information held by partnerships: {NORTH}"
    assert "Please complete it by Friday 30 January 2099." in flat(
        invitation.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    )
    assert len(mail.to("bob@north.example")) == 1

    script, _ = full_script(questionnaire)
    first = la.ok("chat", "--as", ALICE, stdin=script)
    assert "submitted to the local authority, signed off by Alice Archer, Head of inclusion" in (
        first
    )
    north = next(line for line in la.ok("status").splitlines() if NORTH in line)
    assert "Submitted" in north and "44/44" in north

    # --- round two: carry-forward on an edited questionnaire ---------------------------
    assert "Round closed" in la.ok("round", "close")
    edited = year_two_questionnaire(work / "audit-2019.yaml")
    assert "is valid: 7 sections, 44 questions" in la.ok("questionnaire", "check", str(edited))
    opened = la.ok(
        "round", "open", "--deadline", "2099-12-31", "--questionnaire", str(edited),
        "--carry-forward",
    )  # fmt: skip
    assert "shown their answers from round 1 to confirm or change" in flat(opened)
    north = next(line for line in la.ok("status").splitlines() if NORTH in line)
    assert "Not started" in north and "0/44" in north  # nothing is copied unconfirmed

    year_two = la.chat(
        ALICE,
        "/same-section",  # section 1 as last year, but for the reworded and the new question
        "yes - for parents and carers too",  # 2, reworded
        "no",  # 12, new
        *["same"] * 5,  # section 2, one at a time
        "/same-section",  # section 3
        "same",  # 24
        f"yes - {NEW_NOTE_SCHOOLS}",  # 25: was No
        "/same-section",  # the rest of section 4
        "same",  # 29
        f"no - {NEW_NOTE_FOLLOW_UP}",  # 30: was Yes, and now needs follow-up
        "/same-section",  # the rest of section 5
        "/same-section",  # section 6
        "/same-section",  # section 7
    )
    address = asked(year_two, 1)
    assert 'Last year: No — Note 0 for s1.address <with> & "marks". Still true?' in address
    assert "Type same if last year's answer still holds." in address
    assert "11 answers in this section are as last year" in address
    assert "✓ Confirmed 11 of last year's answers in section 1 as still true." in year_two
    reworded = asked(year_two, 2)
    assert REWORDED in reworded
    assert (
        'Last year: Yes — Note 1 for s1.telephone <with> & "marks". The question has been '
        "reworded since, so please answer it afresh." in reworded
    )
    assert "Type same" not in reworded and "Still true?" not in reworded
    new = asked(year_two, 12)
    assert ADDED in new and "Last year" not in new
    assert REMOVED not in year_two
    assert "✓ Confirmed 5 of last year's answers in section 3 as still true." in year_two
    assert f"✓ Saved: Yes — note: {NEW_NOTE_SCHOOLS}" in year_two
    assert "✓ Confirmed 3 of last year's answers in section 4 as still true." in year_two
    assert f"✓ Saved: No — note: {NEW_NOTE_FOLLOW_UP}" in year_two
    for count, section in ((5, 5), (5, 6), (4, 7)):
        assert f"Confirmed {count} of last year's answers in section {section} " in year_two
    assert "You have reached the end of the audit." in year_two
    north = next(line for line in la.ok("status").splitlines() if NORTH in line)
    assert "In progress" in north and "44/44" in north

    # --- the LA queries one answer; the lead replies in the terminal ----------------------
    sent = la.ok("query", "--partnership", NORTH, "--question", "30", QUERY)
    assert f"Query 1 sent to {NORTH} about question 30, for Alice Archer, Bob Baker." in sent
    waiting = la.ok("query", "list", "--open")
    assert QUERY in waiting and "Open, 0 days" in waiting

    replied = la.chat(ALICE, "/note 30", REPLY)
    assert "44 questions, most of them a tick; 44 of them answered already" in replied
    assert f"✓ Saved: No — note: {REPLY}" in replied
    assert "Every query in round 2 has been answered." in la.ok("query", "list", "--open")
    listed = la.ok("query", "list")
    answered = next(line for line in listed.splitlines() if QUERY in line)
    assert "Answered by Alice Archer" in answered and f"No — {REPLY}" in answered
    for contact in (ALICE, "bob@north.example"):  # the query went out by email at once
        body = mail.to(contact)[-1].get_body(("plain",))
        assert body is not None and QUERY in str(body.get_content())  # type: ignore[attr-defined]
    queued = outbox(la)  # the reply, to the LA recipients: `auditbot run` sends it
    assert "query" not in queued and queued["query.answered"] == [f"email:{LA}"]
    changes = la.ok("history", "--partnership", NORTH, "--question", "30").splitlines()
    [before, after] = [line for line in changes if FOLLOW_UP[:40] in line]
    assert NEW_NOTE_FOLLOW_UP in before and "Alice Archer" in before
    assert REPLY in after and "console" in after

    # a second query is left waiting
    sent = la.ok("query", "--partnership", NORTH, "--question", "42", OPEN_QUERY)
    assert "Query 2 sent" in sent

    # --- the lead signs off and submits -----------------------------------------------
    submitted = la.chat(ALICE, "/submit", "name", SIGNER, "role", ROLE, "yes")
    assert f"submitted to the local authority, signed off by {SIGNER}, {ROLE}." in submitted
    history = la.ok("history", "--partnership", NORTH)
    signed = next(line for line in history.splitlines() if "Submitted, signed off" in line)
    assert f"{SIGNER}, {ROLE}" in signed

    # --- the actions that follow ------------------------------------------------------
    actions = la.ok("actions", "list")
    assert "3 open, 0 done" in actions
    follow_up = next(line for line in actions.splitlines() if FOLLOW_UP in line)
    assert "Red" in follow_up and FOLLOW_UP_ACTION in follow_up and "Open" in follow_up
    [code] = re.findall(r"\b(\d+-30)\b", follow_up)
    done = la.ok("actions", "done", code)
    assert f"Marked action {code} ({NORTH}, question 30) done." in done
    actions = la.ok("actions", "list")
    assert "2 open, 1 done" in actions
    assert f"Done by cli:{OPERATOR}" in next(line for line in actions.splitlines() if code in line)

    # --- every summary format (written side by side: they only read) ---------------------
    with ThreadPoolExecutor() as pool:
        text = pool.submit(la.ok, "summary")
        files = {fmt: pool.submit(la.write, fmt, work / name) for fmt, name in FORMATS.items()}
        check_text(text.result(), code)
        check_html(files["html"].result().read_text("utf-8"), code)
        check_pdf(files["pdf"].result(), code)
        check_xlsx(files["xlsx"].result(), code)
        check_csv(files["csv"].result(), code)
        check_docx(files["docx"].result())

    # --- the round will not close while a query waits -----------------------------------
    refused = la.refused("round", "close")
    assert "1 query to a partnership is still waiting for a reply" in refused
    assert "auditbot round close --force" in refused
    assert "Round closed" in la.ok("round", "close", "--force")


def check_text(summary: str, code: str) -> None:
    progress = flat(part(summary, "Progress"))
    assert f"signed off by {SIGNER}, {ROLE}" in progress

    compare = part(summary, "Changes since round 1")
    assert f"No longer asked: {REMOVED}." in compare
    assert f"Asked for the first time: 12. {ADDED}." in compare
    newly = part(compare, "Changes since round 1", "Changes per section")
    assert "Newly “No” or “Our practice differs”:" in newly
    assert f"{NORTH} · 30. {FOLLOW_UP} (section 5)" in newly
    changes = flat(compare[compare.index("Changes per partnership") :])
    assert (
        f"25. {SCHOOLS} (section 4) No (note: “{OLD_NOTE_SCHOOLS}”) → Yes (note: "
        f"“{NEW_NOTE_SCHOOLS}”)" in changes
    )
    assert (
        f"30. {FOLLOW_UP} (section 5) Yes (note: “{OLD_NOTE_FOLLOW_UP}”) → No (note: “{REPLY}”)"
        in changes
    )
    assert f"2. {REWORDED} (section 1) (the question was reworded since)" in changes

    actions = part(summary, "Actions")
    assert "2 open, 1 done" in actions
    follow_up = flat(actions[actions.index(f"[Red] {code}") :])
    assert follow_up.startswith(f"[Red] {code} · {NORTH} · 30. {FOLLOW_UP}")
    assert f"Suggested action: {FOLLOW_UP_ACTION} Status: Done by cli:{OPERATOR}" in follow_up
    assert "[Amber]" in actions and "Status: Open" in actions

    queries = flat(part(summary, "Queries to partnerships"))
    assert "1 query waiting for a reply, 1 answered." in queries
    assert f"LA comment: {OPEN_QUERY}" in queries and "Open, 0 days" in queries
    assert f"LA comment: {QUERY}" in queries and f"Reply: No — {REPLY}" in queries


def check_html(page: str, code: str) -> None:
    assert f"signed off by {SIGNER}, {ROLE}" in html_part(page, "progress")
    compare = html_part(page, "compare")
    assert f"No longer asked: {REMOVED}." in compare
    assert f"Asked for the first time: 12. {ADDED}." in compare
    assert f"Newly “No” or “Our practice differs” {NORTH} · 30. {FOLLOW_UP}" in compare
    assert f"25. {SCHOOLS} (section 4) No (note: “{OLD_NOTE_SCHOOLS}”) Yes" in compare
    assert f"Yes (note: “{OLD_NOTE_FOLLOW_UP}”) No (note: “{REPLY}”)" in compare
    actions = html_part(page, "actions")
    assert code in actions and FOLLOW_UP_ACTION in actions
    assert "Red" in actions and "Amber" in actions
    assert f"Done by cli:{OPERATOR}" in actions and "Open" in actions
    queries = html_part(page, "queries")
    assert OPEN_QUERY in queries and "Open, 0 days" in queries
    assert QUERY in queries and REPLY in queries and "Answered by Alice Archer" in queries


def check_pdf(path: Path, code: str) -> None:
    text = flat(" ".join(page.extract_text() for page in PdfReader(path).pages))
    for expected in (
        "Changes since round 1",
        f"No longer asked: {REMOVED}",
        f"Asked for the first time: 12. {ADDED}",
        NEW_NOTE_SCHOOLS,
        code,
        FOLLOW_UP_ACTION,
        f"Done by cli:{OPERATOR}",
        OPEN_QUERY,
        "Open, 0 days",
        SIGNER,
        ROLE,
    ):
        assert expected in text, expected


def check_xlsx(path: Path, code: str) -> None:
    book = load_workbook(path)

    def rows(sheet: str) -> list[dict[str, object]]:
        [header, *body] = book[sheet].iter_rows(values_only=True)
        return [dict(zip(header, row, strict=True)) for row in body if any(row)]

    [north] = [r for r in rows("Progress") if r["Partnership"] == NORTH]
    assert (north["Signed off by"], north["Role"]) == (SIGNER, ROLE)

    # two columns are called "Note" here: read the rows as lists; the table of changes
    # ends at a blank row, and the questions added and removed follow
    [header, *body] = book["Since round 1"].iter_rows(values_only=True)
    assert header[5:11] == (
        "Round 1",
        "Note",
        "This round",
        "Note",
        "Reworded",
        "Newly “No” or “Our practice differs”",
    )
    blank = body.index((None,) * len(header))
    since = {row[1]: row for row in body[:blank]}
    assert set(since) == {2, 25, 30}
    assert since[2][9] == "(the question was reworded since)"
    assert since[25][5:9] == ("No", OLD_NOTE_SCHOOLS, "Yes", NEW_NOTE_SCHOOLS)
    assert since[30][5:11] == ("Yes", OLD_NOTE_FOLLOW_UP, "No", REPLY, None, "Newly “No”")
    assert [row[:5] for row in body[blank + 1 :]] == [
        ("Asked for the first time", 12, 1, "s1.photos", ADDED),
        ("No longer asked", None, None, None, REMOVED),
    ]

    actions = {r["ID"]: r for r in rows("Actions")}
    assert len(actions) == 3
    assert actions[code]["Severity"] == "Red"
    assert actions[code]["Suggested action"] == FOLLOW_UP_ACTION
    assert str(actions[code]["Status"]).startswith(f"Done by cli:{OPERATOR}")
    others = [r for r in actions.values() if r["ID"] != code]
    assert sorted(str(r["Severity"]) for r in others) == ["Amber", "Red"]
    assert [r["Status"] for r in others] == ["Open", "Open"]

    queries = {r["LA comment"]: r for r in rows("Queries")}
    assert str(queries[OPEN_QUERY]["Status"]).startswith("Open")
    assert queries[OPEN_QUERY]["Age (days)"] == 0
    assert queries[QUERY]["Reply"] == f"No — {REPLY}"


def check_csv(path: Path, code: str) -> None:
    """The CSV is one flat table: this year's answers, on this year's questions, each row
    with the sign-off, last year's answer and what became of it, the action and the query."""
    rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"))))
    north = {r["Question id"]: r for r in rows if r["Partnership"] == NORTH}
    assert len(north) == 44 and "s2.exam_boards" not in north
    assert north["s1.telephone"]["Question"] == REWORDED
    assert (north["s1.photos"]["Question"], north["s1.photos"]["Answer"]) == (ADDED, "No")
    assert (north["s4.schools"]["Answer"], north["s4.schools"]["Note"]) == (
        "Yes",
        NEW_NOTE_SCHOOLS,
    )
    assert (north["s5.discuss_agencies"]["Answer"], north["s5.discuss_agencies"]["Note"]) == (
        "No",
        REPLY,
    )

    def cells(question: str, *columns: str) -> tuple[str, ...]:
        return tuple(north[question][column] for column in columns)

    assert {cells(q, "Signed off by", "Signed off as") for q in north} == {(SIGNER, ROLE)}
    earlier = ("Compared with round", "Earlier answer", "Earlier note", "Since the earlier round")
    assert cells("s4.schools", *earlier) == ("1", "No", OLD_NOTE_SCHOOLS, "Changed")
    assert cells("s5.discuss_agencies", *earlier) == ("1", "Yes", OLD_NOTE_FOLLOW_UP, "Changed")
    assert cells("s1.photos", *earlier) == ("1", "", "", "New question")
    assert cells("s1.address", "Since the earlier round") == ("Unchanged",)
    assert cells("s1.telephone", "Question reworded") == ("Reworded",)
    assert cells("s1.address", "Question reworded") == ("",)
    action = ("Action ID", "Action severity", "Suggested action", "Action status")
    assert cells("s5.discuss_agencies", *action) == (code, "Red", FOLLOW_UP_ACTION, "Done")
    assert cells("s5.discuss_agencies", "Action done by") == (f"cli:{OPERATOR}",)
    query = ("LA query", "Query status", "Query reply")
    assert cells("s5.discuss_agencies", *query)[0::2] == (QUERY, f"No — {REPLY}")
    assert cells("s5.discuss_agencies", "Query status")[0].startswith("Answered by Alice Archer")
    assert cells("s7.paper_seven_years", *query) == (OPEN_QUERY, "Open, 0 days", "")


def check_docx(forms: Path) -> None:
    """The partnership's Word form: this year's answers, then the follow-up actions, the
    LA's queries, what changed since round 1, and the signature line."""
    form = Document(str(forms / "north-partnership.docx"))
    text = flat("\n".join(p.text for p in form.paragraphs))
    assert f"Signed off by {SIGNER}, {ROLE}, on" in text
    sections = ("Follow-up actions", "Queries from the local authority", "Changes since round 1")
    assert [heading for heading in sections if heading in text] == list(sections)
    tables = [[[c.text for c in row.cells] for row in table.rows] for table in form.tables]
    assert len(tables) == 7 + 3  # the seven sections, then one table for each
    actions, queries, compared = ({row[1]: row for row in table[1:]} for table in tables[7:])
    assert actions[FOLLOW_UP][2:5] == [f"No (note: “{REPLY}”)", "Red", FOLLOW_UP_ACTION]
    assert actions[FOLLOW_UP][5].startswith(f"Done by cli:{OPERATOR}")
    assert queries[FOLLOW_UP][2].startswith(QUERY)
    assert queries[FOLLOW_UP][3].endswith(f"No — {REPLY}")
    assert [row[3] for row in queries.values() if row[2].startswith(OPEN_QUERY)] == ["Open, 0 days"]
    assert compared[SCHOOLS][2:] == [
        f"No (note: “{OLD_NOTE_SCHOOLS}”)",
        f"Yes (note: “{NEW_NOTE_SCHOOLS}”)",
    ]
    cells = {
        row.cells[1].text: (row.cells[2].text, row.cells[3].text)
        for table in form.tables[:7]  # the answers
        for row in table.rows
        if len(row.cells) >= 4
    }
    assert cells[SCHOOLS] == ("✓", NEW_NOTE_SCHOOLS)
    assert cells[FOLLOW_UP] == ("✗", REPLY)
    assert REMOVED not in cells and cells[ADDED] == ("✗", "")
