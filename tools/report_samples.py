"""Pictures of the LA's reports as people see them, from the test round of
tests/reports/conftest.py (one partnership submitted and amended, one in progress, one not
started): the first page of a Word form (LibreOffice), the HTML summary at 390 px wide
(Chromium) and the charts. Needs Debian's chromium, libreoffice-writer-nogui and
poppler-utils. Usage: python tools/report_samples.py [FOLDER] (default docs/report-samples)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from html import escape
from pathlib import Path

from PIL import Image

from storage import open_database
from tests.conftest import Clock, seed
from tests.reports.conftest import fill

PHONE = 390


async def build(folder: Path) -> Path:
    db = await open_database(folder / "audit.db")
    await fill(await seed(db, folder / "directory.csv", Clock()))
    await db.close()
    return folder / "audit.db"


def auditbot(db: Path, *args: str) -> None:
    env = {**os.environ, "AUDITBOT_DB": str(db)}
    subprocess.run([sys.executable, "-m", "bot", *args], env=env, check=True)


def phone_shot(page: Path, out: Path, height: int, top: int = 0) -> None:
    """The page in a 390 px frame (a browser window is at least 500 px wide)."""
    work = Path(tempfile.mkdtemp())
    frame = work / "phone.html"
    source = escape(page.read_text("utf-8"), quote=True)
    frame.write_text(
        f'<body style="margin:0"><iframe width="{PHONE}" height="{top + height}"'
        f' style="border:0" srcdoc="{source}"></iframe></body>',
        "utf-8",
    )
    shot = work / "shot.png"
    subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--hide-scrollbars",
         f"--user-data-dir={work / 'profile'}", f"--window-size=600,{top + height}",
         f"--screenshot={shot}", frame.as_uri()],
        check=True, capture_output=True,
    )  # fmt: skip
    Image.open(shot).crop((0, top, PHONE, top + height)).save(out)


def main() -> None:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/report-samples").resolve()
    target.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp())
    db = asyncio.run(build(work))
    auditbot(db, "summary", "-f", "html", "-o", str(work / "summary.html"))
    auditbot(db, "summary", "-f", "docx", "-o", str(work / "forms"))
    auditbot(db, "summary", "-f", "png", "-o", str(target / "charts.png"))
    form = work / "forms" / "north-partnership.docx"
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(work), str(form)],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["pdftoppm", "-r", "110", "-png", "-f", "1", "-l", "1", "-singlefile",
         str(work / "north-partnership.pdf"), str(target / "word-form-north-page1")],
        check=True,
    )  # fmt: skip
    phone_shot(work / "summary.html", target / "summary-phone-390.png", 1500)
    phone_shot(work / "summary.html", target / "summary-phone-390-answers.png", 1500, top=2450)


if __name__ == "__main__":
    main()
