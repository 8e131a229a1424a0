"""1. Answering: leads tapping through the real `auditbot run` and through a bare
python-telegram-bot bot, side by side, with and without the Telegram rate limiter."""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.fake import BenchApi, Lead
from bench.processes import (
    Child,
    Placement,
    environment,
    harness_on,
    own_cpu,
    placement,
    python,
    start,
)
from bench.report import median, percentile, table
from bench.seed import seed, user_id

BOTS = {
    ("audit", True): python("-m", "bot", "run"),
    ("audit", False): python("-m", "bench.run_bot"),
    ("bare", True): python("-m", "bench.bare_bot"),
    ("bare", False): python("-m", "bench.bare_bot"),
}


@dataclass
class Run:
    bot: str
    limiter: bool
    leads: int
    taps: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    bot_cpu: float = 0.0
    loop_cpu: float = 0.0
    """Of `bot_cpu`, the event loop's thread; the rest is the bot's other threads (aiosqlite's
    thread, which competes with the loop for Python's GIL)."""
    fake_cpu: float = 0.0
    unanswered: int = 0

    @property
    def rate(self) -> float:
        return self.taps / self.seconds if self.seconds else 0.0


async def start_bot(
    bot: str,
    limiter: bool,
    api: BenchApi,
    folder: Path,
    leads: int,
    reminders: bool = False,
    cores: frozenset[int] | None = None,
) -> Child:
    """Seed a database for `bot` and start it against `api`; returns once it polls."""
    db = folder / f"{bot}.db"
    if bot == "audit":
        await seed(db, leads, reminders_due=reminders)
    env = environment(
        {
            "TELEGRAM_BOT_TOKEN": api.token,
            "TELEGRAM_API_URL": api.url,
            "AUDITBOT_DB": str(db),
            "BARE_DB": str(db),
            "BARE_LIMITER": "1" if limiter else "0",
        }
    )
    api.first_get_updates = None
    child = await start(BOTS[bot, limiter], env, folder, cores)
    deadline = time.monotonic() + 60
    while api.first_get_updates is None:
        if child.process.returncode is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{bot} did not start:\n{child.failure()}")
        await asyncio.sleep(0.01)
    return child


async def measure(
    bot: str,
    limiter: bool,
    leads: int,
    seconds: float,
    think: float = 0.0,
    place: Placement | None = None,
) -> Run:
    run = Run(bot, limiter, leads)
    api = BenchApi()
    await api.start()
    with tempfile.TemporaryDirectory(prefix="bench-answer-") as tmp:
        cores = place.bot if place is not None else None
        child = await start_bot(bot, limiter, api, Path(tmp), leads, cores=cores)
        try:
            people = [Lead.join(api, user_id(n)) for n in range(leads)]
            await asyncio.gather(*(p.start() for p in people))
            cpu, loop, fake = child.cpu, child.main_thread_cpu, own_cpu()
            began = time.monotonic()
            await asyncio.gather(*(p.answer_for(seconds, think) for p in people))
            run.seconds = time.monotonic() - began
            run.bot_cpu, run.fake_cpu = child.cpu - cpu, own_cpu() - fake
            run.loop_cpu = child.main_thread_cpu - loop
            run.latencies = [lat for p in people for _, lat in p.latencies]
            run.taps = len(run.latencies)
            run.unanswered = sum(p.unanswered for p in people)
            if run.unanswered:
                last = [m.text[:80] for p in people if p.unanswered for m in p.user.messages[-3:]]
                print(f"{bot}: {run.unanswered} unanswered; last: {last}", file=sys.stderr)
                print(child.failure(), file=sys.stderr)
        finally:
            await child.stop()
            await api.stop()
    return run


def row(run: Run, versus: str = "1×") -> list[object]:
    ms = [x * 1000 for x in run.latencies]
    return [
        run.leads,
        "auditbot run" if run.bot == "audit" else "bare PTB bot",
        "as shipped" if run.limiter else "none",
        run.rate,
        percentile(ms, 50),
        percentile(ms, 95),
        percentile(ms, 99),
        run.bot_cpu / run.taps * 1000 if run.taps else float("nan"),
        (run.bot_cpu - run.loop_cpu) / run.taps * 1000 if run.taps else float("nan"),
        f"{run.bot_cpu / run.seconds * 100:.0f}%",
        f"{run.fake_cpu / run.seconds * 100:.0f}%",
        versus,
        run.unanswered,
    ]


async def bench(quick: bool, pin: bool = True) -> str:
    counts = (10, 50) if quick else (10, 50, 200)
    seconds = 2.0 if quick else 8.0
    repeats = 1 if quick else 5
    place = placement() if pin else None
    results: dict[tuple[str, bool, int], list[Run]] = {}
    with harness_on(place):
        for leads in counts:
            for _ in range(repeats):  # interleaved: the machine's drift hits both alike
                for limiter in (True, False):
                    for bot in ("bare", "audit"):
                        run = await measure(bot, limiter, leads, seconds, place=place)
                        results.setdefault((bot, limiter, leads), []).append(run)
    rows = []
    for leads in counts:
        for limiter in (True, False):
            bares, audits = results[("bare", limiter, leads)], results[("audit", limiter, leads)]
            rows.append(row(_median_run(bares)))
            rows.append(row(_median_run(audits), _paired(audits, bares)))
    return table(
        f"1. Answering: closed loop, each lead taps as soon as the bot has answered"
        f" ({seconds:.0f} s a run, median of {repeats}; fake Bot API without limits;"
        f" {place.describe() if place is not None else 'not pinned to cores'}; vs bare: the"
        f" median of each run's ratio to the bare bot's run just before it, and their range)",
        [
            "leads",
            "bot",
            "limiter",
            "answers/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "CPU ms/answer",
            "other threads ms",
            "bot CPU",
            "fake CPU",
            "vs bare",
            "unanswered",
        ],
        rows,
    )


def _paired(runs: list[Run], bares: list[Run]) -> str:
    """Each run's rate over that of the bare bot's run just before it: a pair shares the
    machine's state, which on a shared machine drifts from minute to minute."""
    ratios = sorted(r.rate / b.rate for r, b in zip(runs, bares, strict=True) if b.rate)
    if not ratios:
        return "-"
    middle = f"{median(ratios):.2f}×"
    return middle if len(ratios) == 1 else f"{middle} ({ratios[0]:.2f}–{ratios[-1]:.2f})"


def _median_run(runs: list[Run]) -> Run:
    """The run with the median rate (its latencies and CPU belong to it)."""
    ordered = sorted(runs, key=lambda r: r.rate)
    return ordered[len(ordered) // 2]


def summary_line(run: Run) -> str:
    ms = [x * 1000 for x in run.latencies]
    return (
        f"{run.taps} answers, p50 {percentile(ms, 50):.0f} ms, p95 {percentile(ms, 95):.0f} ms,"
        f" p99 {percentile(ms, 99):.0f} ms (median {median(ms):.0f} ms)"
    )
