"""`auditbot summary` through typer's CliRunner against the seeded database file."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import typer
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader
from typer.testing import CliRunner

from bot.cli import app as cli_app
from tests.reports.conftest import HTML_NOTE, Filled


@pytest.fixture
def app() -> typer.Typer:
    return cli_app


def invoke(
    app: typer.Typer, db_path: str, monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str]:
    monkeypatch.setenv("AUDITBOT_DB", db_path)
    result = CliRunner().invoke(app, ["summary", *args])
    return result.exit_code, result.output


def test_text_goes_to_stdout(
    filled: Filled, app: typer.Typer, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = invoke(app, filled.seeded.db.path, monkeypatch)
    assert code == 0, output
    assert "1 submitted · 1 in progress · 1 not started (of 3)" in output
    assert HTML_NOTE in output


@pytest.mark.parametrize("fmt", ["text", "html", "csv", "xlsx", "pdf", "png"])
def test_writes_a_file(
    filled: Filled,
    app: typer.Typer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    fmt: str,
) -> None:
    target = tmp_path / f"summary.{fmt}"
    code, output = invoke(
        app, filled.seeded.db.path, monkeypatch, "--format", fmt, "--out", str(target)
    )
    assert code == 0, output
    assert f"Wrote {target}." in output.replace("\n", "")
    data = target.read_bytes()
    if fmt == "xlsx":
        assert load_workbook(io.BytesIO(data))["Progress"]["A2"].value == "East Partnership"
    elif fmt == "csv":
        assert data.startswith(b"\xef\xbb\xbfPartnership,")
    elif fmt == "pdf":
        assert data.startswith(b"%PDF-") and len(PdfReader(io.BytesIO(data)).pages) > 3
    elif fmt == "png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
    else:
        assert "North Partnership" in data.decode()


def test_docx_into_a_directory_and_a_zip(
    filled: Filled, app: typer.Typer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "forms"
    code, output = invoke(
        app, filled.seeded.db.path, monkeypatch, "-f", "docx", "--out", str(folder), "--round", "1"
    )
    assert code == 0, output
    assert sorted(p.name for p in folder.iterdir()) == [
        "east-partnership.docx",
        "north-partnership.docx",
        "south-partnership.docx",
    ]
    doc = Document(str(folder / "north-partnership.docx"))
    assert doc.tables[0].rows[1].cells[3].text == HTML_NOTE
    archive = tmp_path / "forms.zip"
    code, output = invoke(app, filled.seeded.db.path, monkeypatch, "-f", "docx", "-o", str(archive))
    assert code == 0, output
    assert len(zipfile.ZipFile(archive).namelist()) == 3


def test_forms_as_pdf_in_one_file_or_one_each(
    filled: Filled, app: typer.Typer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = invoke(app, filled.seeded.db.path, monkeypatch, "-f", "forms-pdf")
    assert code == 0, output
    assert "Wrote 3 partnership forms to audit-forms-round-1.pdf." in output.replace("\n", "")
    combined = PdfReader(tmp_path / "audit-forms-round-1.pdf")
    folder = tmp_path / "forms"
    code, output = invoke(app, filled.seeded.db.path, monkeypatch, "-f", "forms-pdf", "-o", "forms")
    assert code == 0, output
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["east-partnership.pdf", "north-partnership.pdf", "south-partnership.pdf"]
    each = sum(len(PdfReader(folder / name).pages) for name in names)
    assert each == len(combined.pages)


def test_default_file_name(
    filled: Filled, app: typer.Typer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = invoke(app, filled.seeded.db.path, monkeypatch, "--format", "html")
    assert code == 0, output
    assert (tmp_path / "audit-summary-round-1.html").exists()


def test_friendly_errors(
    filled: Filled, app: typer.Typer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code, output = invoke(
        app, filled.seeded.db.path, monkeypatch, "-f", "html", "-o", str(blocker / "out.html")
    )
    assert code == 1
    assert "Cannot write" in output and "Traceback" not in output
    code, output = invoke(app, filled.seeded.db.path, monkeypatch, "--round", "9")
    assert (code, "There is no round 9." in output) == (1, True)


def test_no_round_yet(app: typer.Typer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    code, output = invoke(app, str(tmp_path / "empty.db"), monkeypatch)
    assert code == 1
    assert "No audit round has been opened yet" in output
