"""Benchmarks of the whole bot, each printed as a table: python -m bench [--quick].

1. answering, beside a bare python-telegram-bot bot; 2. broadcasts under Telegram's
limits; 3. answering during a broadcast; 4. the LA summary at scale; 5. start-up.

A shared machine is noisy: read the ratios within one run, not absolute figures. The
benchmarks measure and print; they check nothing (the tests do). --quick uses small
numbers, as a smoke test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import time
from collections.abc import Callable

SECTIONS = ("answering", "broadcast", "during", "summary", "startup")


def _section(name: str, quick: bool, pin: bool) -> str:
    # imported here, so that `python -m bench --help` is instant
    if name == "answering":
        from bench import answering

        return asyncio.run(answering.bench(quick, pin))
    if name == "broadcast":
        from bench import broadcast

        return asyncio.run(broadcast.bench(quick))
    if name == "during":
        from bench import broadcast

        return asyncio.run(broadcast.bench_during(quick))
    if name == "summary":
        from bench import summary

        return summary.bench(quick)
    from bench import startup

    return startup.bench(quick)


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small numbers: a smoke test")
    parser.add_argument(
        "--no-pin",
        dest="pin",
        action="store_false",
        help="answering: leave the bots and the harness wherever the scheduler puts them"
        " (by default, on two cores or more, each bot has a core to itself)",
    )
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated sections to run (default: all of {', '.join(SECTIONS)})",
    )
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)}")
    out(
        f"python -m bench{' --quick' if args.quick else ''}: Python {platform.python_version()},"
        f" {os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M')}"
    )
    began = time.monotonic()
    for name in chosen:
        started = time.monotonic()
        table = _section(name, args.quick, args.pin)
        out("")
        out(f"{table}\n({time.monotonic() - started:.0f} s)")
        sys.stdout.flush()
    out(f"\n({time.monotonic() - began:.0f} s)")


if __name__ == "__main__":
    main()
