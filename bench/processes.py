"""Bots and commands in their own processes, with the CPU time and memory they used."""

from __future__ import annotations

import asyncio
import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The checkout the benchmarks run (and whose bot they start)."""
TICKS = os.sysconf("SC_CLK_TCK")


def environment(extra: Mapping[str, str]) -> dict[str, str]:
    """This environment without the bot's settings (a developer's .env or exports must not
    leak in), plus `extra`."""
    prefixes = ("AUDITBOT_", "TELEGRAM_", "EMAIL_", "LA_", "ADMIN", "REMINDER_", "SUMMARY_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env["PYTHONPATH"] = str(ROOT)
    env["AUDITBOT_LOG_LEVEL"] = "WARNING"
    env["SUMMARY_WEEKLY_DAY"] = ""
    env.update(extra)
    return env


def cpu_seconds(pid: int, thread: int | None = None) -> float:
    """User + system CPU time of a running process, or of one of its threads (Linux /proc)."""
    path = f"/proc/{pid}/task/{thread}/stat" if thread is not None else f"/proc/{pid}/stat"
    fields = Path(path).read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


@dataclass
class Child:
    """A long-running process (a bot) started with `start`, stopped with `stop`."""

    process: asyncio.subprocess.Process
    log: Path

    @property
    def cpu(self) -> float:
        return cpu_seconds(self.process.pid)

    @property
    def main_thread_cpu(self) -> float:
        """The CPU time of the thread that runs the event loop (its id is the process's)."""
        return cpu_seconds(self.process.pid, self.process.pid)

    async def stop(self, grace: float = 3) -> None:
        """SIGTERM, then SIGKILL after `grace` seconds (a bot may be waiting for its long poll
        to return; the benchmark has its figures by then)."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), grace)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()

    def failure(self) -> str:
        return self.log.read_text(errors="replace")[-2000:]


async def start(
    args: Sequence[str], env: Mapping[str, str], cwd: Path, cores: frozenset[int] | None = None
) -> Child:
    """Start `args`; on `cores` only, if given (set before Python has started any thread, so
    all its threads inherit it)."""
    log = cwd / f"{Path(args[0]).name}-{args[-1]}-{time.monotonic_ns()}.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            *args,
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    if cores:
        os.sched_setaffinity(process.pid, cores)
    return Child(process, log)


@dataclass(frozen=True)
class Placement:
    """Cores for the bot under test, and for the harness (the leads and the fake Bot API)."""

    bot: frozenset[int]
    harness: frozenset[int]

    def describe(self) -> str:
        def cores(found: frozenset[int]) -> str:
            return ", ".join(str(n) for n in sorted(found))

        return f"bot on core {cores(self.bot)}, leads and fake Bot API on {cores(self.harness)}"


def placement() -> Placement | None:
    """With two cores or more: the bot alone on one, the harness on the others. Unpinned,
    the harness competes with the bot for a core, and the scheduler places the bot's two
    threads (event loop, aiosqlite) together or apart from run to run, which changes a
    bot's rate by up to half; the tables are then read from noise. None on one core."""
    found = sorted(os.sched_getaffinity(0))
    if len(found) < 2:
        return None
    return Placement(frozenset(found[-1:]), frozenset(found[:-1]))


@contextmanager
def harness_on(place: Placement | None) -> Iterator[None]:
    """This process (the harness) on `place.harness` meanwhile."""
    if place is None:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, place.harness)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


@dataclass(frozen=True)
class Finished:
    seconds: float
    peak_mb: float
    returncode: int
    output: str


def run_command(
    args: Sequence[str], env: Mapping[str, str], cwd: Path, timeout: float = 900
) -> Finished:
    """Run a command to its end: its wall time, and its peak resident memory (the kernel's
    own accounting of the finished command, through `bench.timed`)."""
    log, result = cwd / "command.log", cwd / "command.json"
    result.unlink(missing_ok=True)
    with log.open("wb") as out:
        subprocess.run(
            [sys.executable, "-m", "bench.timed", str(result), *args],
            env={**env, "PYTHONPATH": str(ROOT)},
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            timeout=timeout,
            check=False,
        )
    output = log.read_text(errors="replace")[-2000:]
    if not result.exists():
        return Finished(float("nan"), float("nan"), -1, output)
    measured = json.loads(result.read_text())
    return Finished(measured["seconds"], measured["peak_mb"], measured["returncode"], output)


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
