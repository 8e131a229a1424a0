"""4. The LA summary at scale: each format written by `auditbot summary`, against
`auditbot export --format csv` of the same data, each command in its own process."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from bench.processes import Finished, environment, python, run_command
from bench.report import table
from bench.seed import seed

FORMATS = ("text", "html", "csv", "xlsx", "docx")
TELEGRAM_DOCUMENT_LIMIT = 50 * 1024 * 1024


def _command(fmt: str, out: Path) -> list[str]:
    if fmt == "export":
        return python("-m", "bot", "export", "--format", "csv", "--out", str(out))
    return python("-m", "bot", "summary", "--format", fmt, "--out", str(out))


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.exists() else 0


def measure(count: int) -> list[list[object]]:
    with tempfile.TemporaryDirectory(prefix="bench-summary-") as tmp:
        folder = Path(tmp)
        db = folder / "audit.db"
        asyncio.run(seed(db, count, answered=True))
        env = environment({"AUDITBOT_DB": str(db)})
        runs: dict[str, tuple[Finished, int]] = {}
        for fmt in ("export", *FORMATS):
            out = folder / ("forms.zip" if fmt == "docx" else f"summary.{fmt}")
            finished = run_command(_command(fmt, out), env, folder)
            if finished.returncode != 0:
                raise RuntimeError(f"{fmt} failed:\n{finished.output}")
            runs[fmt] = (finished, _size(out))
    base = runs["export"][0].seconds
    rows: list[list[object]] = []
    for fmt, (finished, size) in runs.items():
        rows.append(
            [
                count,
                "export --format csv" if fmt == "export" else f"summary --format {fmt}",
                finished.seconds,
                f"{finished.seconds / base:.1f}×",
                finished.peak_mb,
                size / 1e6,
                "over 50 MB" if size > TELEGRAM_DOCUMENT_LIMIT else "",
            ]
        )
    return rows


def bench(quick: bool) -> str:
    rows: list[list[object]] = []
    for count in (10, 50) if quick else (10, 100, 1000):
        rows.extend(measure(count))
    return table(
        "4. Summary at scale: partnerships × 44 answers, one process per command",
        ["partnerships", "command", "seconds", "vs export", "peak MB", "file MB", "Telegram"],
        rows,
    )
