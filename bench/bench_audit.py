"""Benchmarks of the audit's hot paths, printed as a table.

Run: python -m bench.bench_audit [--partnerships 60]

Shared machines are noisy: read the ratios within one run, not absolute times.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path

from bot.audit_service import AuditService
from bot.directory import import_directory
from bot.flows import events as ev
from bot.flows.audit import decide
from bot.flows.state import Context, FlowState
from bot.questionnaire import Kind, load_questionnaire
from bot.round_setup import open_round
from bot.summary.load import load_summary
from bot.summary.render_csv import render_csv
from storage import Database, open_database, partnerships

NOW = datetime(2026, 11, 2, 10, tzinfo=UTC)


def answer_event(kind: Kind, question_id: str) -> ev.Event:
    return ev.Text("An answer") if kind.is_free_text else ev.Choose(question_id, kind.choices[0])


async def setup(folder: Path, count: int) -> Database:
    lines = ["partnership,contact_name,email"] + [
        f"Partnership {n},Lead {n},lead{n}@p{n}.example" for n in range(count)
    ]
    (folder / "dir.csv").write_text("\n".join(lines) + "\n", "utf-8")
    db = await open_database(folder / "bench.db")
    await import_directory(db, folder / "dir.csv", NOW)
    q, source = load_questionnaire()
    await open_round(db, q, source, date(2026, 12, 20), NOW)
    return db


async def main(count: int) -> None:
    q, _ = load_questionnaire()
    rows: list[tuple[str, str, str]] = []

    # The pure engine alone: the floor under every channel.
    ctx = Context(q, {}, submitted=False)
    state = FlowState()
    start = time.perf_counter()
    n = 20_000
    for i in range(n):
        item = q.items[i % len(q.items)]
        decide(ctx, state, answer_event(item.kind, item.id))
    engine_us = (time.perf_counter() - start) / n * 1e6
    rows.append(("engine decide()", f"{engine_us:.1f} µs/event", "1.0×"))

    with tempfile.TemporaryDirectory() as tmp:
        db = await setup(Path(tmp), count)
        service = AuditService(db, lambda: NOW)
        async with db.read() as conn:
            contacts = await partnerships.list_contacts(conn)
        latencies: list[float] = []
        for contact in contacts:
            await service.handle(contact.id, "bench", ev.Start())
            for item in q.items:
                event = answer_event(item.kind, item.id)
                began = time.perf_counter()
                await service.handle(contact.id, "bench", event)
                latencies.append(time.perf_counter() - began)
        median = statistics.median(latencies) * 1e6
        p95 = statistics.quantiles(latencies, n=20)[-1] * 1e6
        rows.append(("answer committed (median)", f"{median:.0f} µs", f"{median / engine_us:.0f}×"))
        rows.append(("answer committed (p95)", f"{p95:.0f} µs", f"{p95 / engine_us:.0f}×"))

        tracemalloc.start()
        start = time.perf_counter()
        text = render_csv(await load_summary(db, NOW))
        export_ms = (time.perf_counter() - start) * 1e3
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rows.append(
            (
                f"export {count}×{len(q.items)} rows",
                f"{export_ms:.0f} ms",
                f"peak {peak / 1e6:.1f} MB",
            )
        )
        assert text.count("\n") == count * len(q.items) + 1
        await db.close()

    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'time':>16}  {'vs engine / memory':>20}")
    for name, value, ratio in rows:
        print(f"{name:<{width}}  {value:>16}  {ratio:>20}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--partnerships", type=int, default=60)
    asyncio.run(main(parser.parse_args().partnerships))
