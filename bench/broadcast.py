"""2. Broadcast: due reminders sent against a fake Bot API that answers 429 beyond
Telegram's limits; 3. the same broadcast while leads answer."""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.answering import Run, measure, start_bot
from bench.fake import BenchApi, Lead, busiest_second
from bench.processes import environment, python, start
from bench.report import percentile, table
from bench.seed import seed, user_id
from storage import open_database, outbox

LIMIT = 30
"""Telegram's bulk limit, messages per second (the Bot FAQ's "30 messages per second or so")."""
CONVERSATION = 30.0
"""Seconds after a user's last message during which the fake treats the bot's messages to
them as replies (per-chat limit only), in section 3."""


@dataclass
class Broadcast:
    path: str
    due: int
    delivered: int = 0
    duplicated: int = 0
    failed: int = 0
    pending: int = 0
    throttled: int = 0
    busiest: int = 0
    seconds: float = 0.0
    leads: list[float] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return self.due - self.delivered - self.failed - self.pending

    @property
    def rate(self) -> float:
        """Messages a second from the first to the last."""
        return (self.delivered - 1) / self.seconds if self.seconds else 0.0


async def _outcome(api: BenchApi, db: Path, result: Broadcast) -> Broadcast:
    """Count what reached the fake (reminders: sendMessage to a lead's chat) and what the
    outbox says."""
    reminders = api.reminders
    per_chat = Counter(s.chat_id for s in reminders)
    result.delivered = len(per_chat)
    result.duplicated = sum(n - 1 for n in per_chat.values())
    times = [s.at for s in reminders]
    result.seconds = max(times) - min(times) if len(times) > 1 else 0.0
    result.busiest = busiest_second(api.reminder_attempts())
    result.throttled = len(api.throttled)
    async with await open_database(db) as database, database.read() as conn:
        rows = [r for r in await outbox.all_rows(conn) if r.kind == "reminder"]
    result.failed = sum(r.status == "failed" for r in rows)
    result.pending = sum(r.status == "pending" for r in rows)
    return result


async def via_cli(count: int) -> Broadcast:
    """`auditbot remind --now`, the command-line path."""
    api = BenchApi()
    api.enforce(per_chat=1, overall=LIMIT, conversation=None)
    await api.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-remind-") as tmp:
            db = Path(tmp) / "audit.db"
            due = await seed(db, count, reminders_due=True)
            env = environment(
                {
                    "TELEGRAM_BOT_TOKEN": api.token,
                    "TELEGRAM_API_URL": api.url,
                    "AUDITBOT_DB": str(db),
                }
            )
            child = await start(python("-m", "bot", "remind", "--now"), env, Path(tmp))
            try:
                await asyncio.wait_for(child.process.wait(), count / LIMIT * 4 + 60)
            finally:
                await child.stop()
            return await _outcome(api, db, Broadcast("auditbot remind --now", due))
    finally:
        await api.stop()


async def via_process(count: int, leads: int = 0, think: float = 1.0) -> Broadcast:
    """`auditbot run`: its schedule drains the outbox at start; with `leads`, that many
    people answer (pausing `think` seconds after each answer) until it is done."""
    api = BenchApi()
    api.enforce(per_chat=1, overall=LIMIT, conversation=CONVERSATION if leads else None)
    await api.start()
    name = "auditbot run" + (f", {leads} leads answering" if leads else "")
    try:
        with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
            folder = Path(tmp)
            child = await start_bot("audit", True, api, folder, count, reminders=True)
            db = folder / "audit.db"
            async with await open_database(db) as database, database.read() as conn:
                due = sum(r.kind == "reminder" for r in await outbox.all_rows(conn))
            result = Broadcast(name, due)
            try:
                deadline = time.monotonic() + count / LIMIT * 4 + 60
                people = [Lead.join(api, user_id(n)) for n in range(leads)]
                answering = asyncio.gather(*(_answer(p, think, deadline) for p in people))
                while _reminders_sent(api) < due and time.monotonic() < deadline:  # noqa: ASYNC110 - a progress poll
                    await asyncio.sleep(0.2)
                for p in people:
                    p.stop = True
                await answering
                result.leads = [lat for p in people for _, lat in p.latencies]
            finally:
                await child.stop()
            return await _outcome(api, db, result)
    finally:
        await api.stop()


async def _answer(lead: Lead, think: float, deadline: float) -> None:
    await lead.start()
    await lead.answer_for(deadline - time.monotonic(), think)


def _reminders_sent(api: BenchApi) -> int:
    return len({s.chat_id for s in api.reminders})


def _row(b: Broadcast) -> list[object]:
    return [
        b.path,
        b.due,
        b.rate,
        f"{b.rate / LIMIT:.2f}",
        b.busiest,
        b.throttled,
        b.delivered,
        b.lost,
        b.duplicated,
        b.failed,
        b.pending,
    ]


HEADERS = [
    "path",
    "due",
    "sent/s",
    "of 30/s",
    "max tried in 1 s",
    "429s",
    "delivered",
    "lost",
    "duplicated",
    "failed",
    "left pending",
]


async def bench(quick: bool) -> str:
    count = 150 if quick else 2000
    rows = [_row(await via_cli(count)), _row(await via_process(count))]
    return table(
        f"2. Broadcast: {count} due reminders, fake Bot API answering 429 beyond 30 messages/s"
        " overall and 1/s per chat",
        HEADERS,
        rows,
    )


async def bench_during(quick: bool) -> str:
    count = 150 if quick else 2000
    leads = 10 if quick else 50
    think = 1.0
    alone: Run = await measure("audit", True, leads, 2.0 if quick else 8.0, think)
    during = await via_process(count, leads, think)
    rows = []
    for name, latencies, rate in (
        ("answering alone", alone.latencies, alone.rate),
        (f"during {count} reminders", during.leads, float("nan")),
    ):
        ms = [x * 1000 for x in latencies]
        rows.append(
            [
                name,
                leads,
                len(latencies),
                percentile(ms, 50),
                percentile(ms, 95),
                percentile(ms, 99),
                max(ms) if ms else float("nan"),
                rate,
            ]
        )
    answering = table(
        f"3. Answering during a broadcast: {leads} leads, each pausing {think:.0f} s after every"
        " answer; the fake limits replies per chat only, other messages also to 30/s overall",
        ["", "leads", "answers", "p50 ms", "p95 ms", "p99 ms", "max ms", "answers/s"],
        rows,
    )
    return answering + "\n\n" + table("   the broadcast meanwhile", HEADERS, [_row(during)])
