"""5. Start-up: `auditbot --help` against importing typer alone, and `auditbot run` to its
first getUpdates against the bare bot's."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from bench.fake import BenchApi
from bench.processes import environment, python, run_command, start
from bench.report import median, table
from bench.seed import seed


def _help_times(repeats: int, folder: Path) -> tuple[list[float], list[float]]:
    env = environment({})
    ours: list[float] = []
    typer_alone: list[float] = []
    for _ in range(repeats):  # interleaved
        typer_alone.append(run_command(python("-c", "import typer"), env, folder).seconds)
        ours.append(run_command(python("-m", "bot", "--help"), env, folder).seconds)
    return ours, typer_alone


async def _first_poll(args: list[str], folder: Path) -> float:
    api = BenchApi()
    await api.start()
    db = folder / "audit.db"
    env = environment(
        {
            "TELEGRAM_BOT_TOKEN": api.token,
            "TELEGRAM_API_URL": api.url,
            "AUDITBOT_DB": str(db),
            "BARE_DB": str(folder / "bare.db"),
        }
    )
    try:
        began = time.monotonic()
        child = await start(args, env, folder)
        try:
            while api.first_get_updates is None:
                if child.process.returncode is not None or time.monotonic() - began > 60:
                    raise RuntimeError(f"{args} did not start:\n{child.failure()}")
                await asyncio.sleep(0.002)
            return api.first_get_updates - began
        finally:
            await child.stop()
    finally:
        await api.stop()


async def _run_times(repeats: int, folder: Path) -> tuple[list[float], list[float]]:
    await seed(folder / "audit.db", 10)
    ours: list[float] = []
    bare: list[float] = []
    for _ in range(repeats):
        bare.append(await _first_poll(python("-m", "bench.bare_bot"), folder))
        ours.append(await _first_poll(python("-m", "bot", "run"), folder))
    return ours, bare


def bench(quick: bool) -> str:
    repeats = 3 if quick else 7
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        folder = Path(tmp)
        helped, typer_alone = _help_times(repeats, folder)
        ran, bare = asyncio.run(_run_times(repeats, folder))
    rows = [
        ["python -c 'import typer'", median(typer_alone), "1×"],
        ["auditbot --help", median(helped), f"{median(helped) / median(typer_alone):.2f}×"],
        ["bare PTB bot to first getUpdates", median(bare), "1×"],
        ["auditbot run to first getUpdates", median(ran), f"{median(ran) / median(bare):.2f}×"],
    ]
    return table(f"5. Start-up (median of {repeats}, interleaved)", ["", "seconds", "ratio"], rows)
