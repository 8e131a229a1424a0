"""The schedule, APScheduler's wiring only: a periodic tick asks the reminder service
(`reminders.tick`) and the LA summary schedule (`summary.schedule.summary_tick`) what is due
and they queue it in the outbox; a drain job delivers the outbox; a daily purge of what
is past its retention (`bot.retention`). Job state
lives in the database, so the in-memory job store is simply rebuilt at every start and a
missed tick costs nothing but time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot import reminders
from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.outbox import Deliverer, DrainResult, OutboxWorker
from bot.retention import PurgeReport, Retention, purge
from bot.summary import schedule as summary_schedule
from storage import Database, maintenance, outbox

log = logging.getLogger(__name__)

TICK_JOB = "reminders.tick"
DRAIN_JOB = "outbox.drain"
PRUNE_JOB = "storage.prune"
TICK_EVERY = timedelta(minutes=15)
DRAIN_EVERY = timedelta(seconds=30)
PRUNE_EVERY = timedelta(days=1)
UPDATES_KEPT = timedelta(days=30)
"""The default RETENTION_PROCESSED_UPDATES_DAYS: Telegram redelivers an update for at most
24 hours; a month is ample."""
PURGE_ACTOR = "bot"
"""Who the audit log says purged, when the schedule did."""
MISFIRE_GRACE = 3600
STOP_GRACE = 5.0
"""Seconds a stop waits for a send under way (Docker kills after 10)."""


PruneResult = PurgeReport


async def prune(
    db: Database, clock: Clock = system_clock, policy: Retention | None = None
) -> PurgeReport:
    """Delete what is past its retention (`bot.retention.purge`, by default with the default
    periods): among others processed updates older than a month, and bad invite attempts
    outside the one-hour rate-limit window. What it removed is recorded in the audit log."""
    policy = policy or Retention.default()
    result = await purge(db, policy, clock, actor=PURGE_ACTOR)
    log.info(
        "pruned %d processed update(s) older than %d days and %d expired bad invite attempt(s)",
        result.updates,
        policy.processed_updates.days,
        result.bad_attempts,
    )
    rest = {k: n for k, n in result.counts().items() if k not in ("updates", "bad_attempts")}
    if rest:
        log.info("purged past retention: %s", ", ".join(f"{n} {k}" for k, n in rest.items()))
    if result.total and not await maintenance.compact(db.path):
        log.info("the database was busy; it will be compacted after the next purge")
    return result


def build_worker(
    db: Database,
    deliverers: Mapping[str, Deliverer],
    clock: Clock = system_clock,
    chat_interval: float = 1.0,
) -> OutboxWorker:
    return OutboxWorker(db, deliverers, clock, chat_interval=chat_interval)


@dataclass
class Schedule:
    """The APScheduler instance, and what it takes to stop it without losing a message."""

    scheduler: AsyncIOScheduler
    db: Database
    worker: OutboxWorker | None
    stopping: bool = False
    _running: set[asyncio.Task[Any]] = field(default_factory=set)

    def start(self) -> None:
        self.scheduler.start()

    def get_jobs(self) -> list[Any]:
        return list(self.scheduler.get_jobs())

    async def stop(self, grace: float = STOP_GRACE) -> int:
        """Start no job, let a send under way finish for up to `grace` seconds (then abandon
        it), and leave what is unsent pending for the next start; returns how many are left.

        APScheduler's own shutdown cancels running jobs and logs that as an error.
        """
        self.stopping = True
        if self.worker is not None:
            self.worker.stop()
        if self.scheduler.running:
            self.scheduler.pause()
        await asyncio.sleep(0)  # a job submitted just now starts, and returns at once
        if self._running:
            await asyncio.wait(set(self._running), timeout=grace)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)  # cancels what is still running
        if self._running:  # cancelled jobs release their rows
            await asyncio.wait(set(self._running), timeout=grace)
        async with self.db.read() as conn:
            left = await outbox.count_pending(conn)
        log.info("stopping: %d message(s) left in the outbox for the next start", left)
        return left

    def wake(self) -> None:
        """Deliver now rather than at the next drain: someone is waiting for it. Safe beside
        a drain under way (rows are leased; the one worker keeps each chat's pacing)."""
        if self.worker is not None and not self.stopping:
            task = asyncio.get_running_loop().create_task(
                self.run_job(partial(_drain, self.worker))
            )
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def run_job(self, body: Callable[[], Awaitable[object]]) -> None:
        """Run a job; our own stop cancelling it is no error."""
        task = asyncio.current_task()
        if self.stopping or task is None:
            return
        self._running.add(task)
        try:
            await body()
        except asyncio.CancelledError:
            if not self.stopping:
                raise
        finally:
            self._running.discard(task)


def build_scheduler(
    settings: Settings,
    db: Database,
    deliverers: Mapping[str, Deliverer] | None,
    clock: Clock = system_clock,
    *,
    tick_every: timedelta = TICK_EVERY,
    drain_every: timedelta = DRAIN_EVERY,
) -> Schedule:
    """The schedule to `.start()` inside the running event loop (and `await .stop()` at exit).

    Jobs: the reminder tick (`reminders.tick`, then the LA summary slots,
    `summary.schedule.summary_tick`) every `tick_every` and once at start, each followed by
    a drain; a drain of the outbox every `drain_every` (retries come due); `prune` daily and
    at start. With no deliverers the drain does not run and the outbox waits for a process
    that can send.
    """
    worker = build_worker(db, deliverers, clock) if deliverers else None
    scheduler = AsyncIOScheduler(
        jobstores={"default": MemoryJobStore()},
        executors={"default": AsyncIOExecutor()},
        job_defaults={"coalesce": True, "misfire_grace_time": MISFIRE_GRACE, "max_instances": 1},
        timezone=settings.zone,
    )
    schedule = Schedule(scheduler, db, worker)

    async def tick_then_drain() -> None:
        try:
            await reminders.tick(db, settings, clock)
        except Exception:
            log.exception("reminder tick failed; the next one will try again")
        if worker is not None:
            await _drain(worker)
        if schedule.stopping:
            return
        # reminders first: compiling the summary takes a moment, people should not wait
        try:
            queued = await summary_schedule.summary_tick(db, settings, clock)
        except Exception:
            log.exception("LA summary tick failed; the next one will try again")
            queued = []
        if worker is not None and queued:
            await _drain(worker)

    started = datetime.now(settings.zone)
    scheduler.add_job(
        schedule.run_job,
        IntervalTrigger(seconds=tick_every.total_seconds(), timezone=settings.zone),
        args=(tick_then_drain,),
        id=TICK_JOB,
        name="queue due reminders and LA summaries",
        next_run_time=started,
        replace_existing=True,
    )
    scheduler.add_job(
        schedule.run_job,
        IntervalTrigger(seconds=PRUNE_EVERY.total_seconds(), timezone=settings.zone),
        args=(partial(_prune, db, clock, Retention.from_settings(settings)),),
        id=PRUNE_JOB,
        name="purge what is past its retention",
        next_run_time=started,
        replace_existing=True,
    )
    if worker is not None:
        scheduler.add_job(
            schedule.run_job,
            IntervalTrigger(seconds=drain_every.total_seconds(), timezone=settings.zone),
            args=(partial(_drain, worker),),
            id=DRAIN_JOB,
            name="deliver the outbox",
            next_run_time=started + drain_every,
            replace_existing=True,
        )
    return schedule


async def _drain(worker: OutboxWorker) -> DrainResult:
    try:
        return await worker.run_once()
    except Exception:
        log.exception("outbox drain failed; the next one will try again")
        return DrainResult()


async def _prune(db: Database, clock: Clock, policy: Retention) -> None:
    try:
        await prune(db, clock, policy)
    except Exception:
        log.exception("purging failed; tomorrow's run will try again")
