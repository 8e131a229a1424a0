"""The LA summary, delivered through the outbox: when it is due, and what goes out.

A summary is a notice: the summary as a message plus its files (the charts as a PNG, the
report as PDF and HTML, CSV, XLSX, a ZIP of the per-partnership DOCX forms and one PDF of
them all), queued to each recipient under a *slot*:

- ``deadline@<date>``: on the deadline day (the deadline is in the name, so moving it
  gives a fresh slot), at the first tick in working hours;
- ``all-submitted``: once, the first working-hours tick after every partnership submitted;
- ``weekly-<ISO year>-W<week>``: a digest on SUMMARY_WEEKLY_DAY while the round is open
  (or later that week if the bot was down), unless the LA already had a scheduled summary
  since that morning;
- ``demand-<UTC timestamp>``: whenever someone asks (`auditbot summary --send`, /summary).

Outbox dedupe keys are (round, recipient, slot), so a slot reaches each at most once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from bot.clock import Clock, system_clock
from bot.config import Recipient, Settings
from bot.notices import Attachment, Notice
from bot.outbox import enqueue_la, la_dedupe_key
from bot.summary.charts import ChartsUnavailable, dashboard_png
from bot.summary.load import NoRoundError, load_la_summary
from bot.summary.model import Summary
from bot.summary.render_csv import render_summary_csv
from bot.summary.render_docx import docx_zip
from bot.summary.render_html import render_html
from bot.summary.render_message import render_message
from bot.summary.render_pdf import PdfUnavailable, forms_pdf, summary_pdf
from bot.summary.render_xlsx import render_xlsx
from bot.working_hours import WorkingHours
from storage import Database, outbox, rounds
from storage import reminders as reminder_store
from storage.records import Round, Status
from storage.summaries import SUMMARY_KIND, summary_slots

log = logging.getLogger(__name__)

ALL_SUBMITTED = "all-submitted"
DEADLINE_PREFIX = "deadline@"
WEEKLY_PREFIX = "weekly-"
DEMAND_PREFIX = "demand-"
FILE_KINDS = ("png", "pdf", "html", "csv", "xlsx", "docx", "forms_pdf")
"""The summary's files, in the order they are sent: the picture and the PDF first, as the
ones a phone shows at once."""
FILE_CAPTIONS = {
    "png": "reports.file.png",
    "pdf": "reports.file.pdf",
    "html": "admin.file.html",
    "csv": "admin.file.csv",
    "xlsx": "admin.file.xlsx",
    "docx": "admin.file.docx",
    "forms_pdf": "reports.file.forms_pdf",
}


def deadline_slot(round_: Round) -> str:
    return f"{DEADLINE_PREFIX}{round_.deadline.isoformat()}"


def weekly_slot(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{WEEKLY_PREFIX}{year}-W{week:02d}"


def demand_slot(moment: datetime) -> str:
    """A slot per second: a double tap, or the same update delivered twice, sends once."""
    return f"{DEMAND_PREFIX}{moment.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}"


def due_summary_slots(
    round_: Round,
    statuses: Sequence[Status],
    queued: Mapping[str, datetime],
    now: datetime,
    hours: WorkingHours,
    weekly_day: int | None,
) -> list[str]:
    """The scheduled summary slots to queue now (usually none, at most one).

    `queued` maps slots already in the outbox to when they were queued; `weekly_day` is
    Monday=0 .. Sunday=6, or None for no weekly digest. Nothing is due outside working
    hours, or once the round is closed.
    """
    if not round_.is_open or not hours.is_working_time(now):
        return []
    scheduled = {slot: at for slot, at in queued.items() if not slot.startswith(DEMAND_PREFIX)}
    today = hours.local(now).date()
    everyone_done = bool(statuses) and all(s is Status.SUBMITTED for s in statuses)
    if everyone_done:
        # the all-submitted summary is the final word; later deadlines and digests repeat it
        return [] if ALL_SUBMITTED in scheduled else [ALL_SUBMITTED]
    if today >= round_.deadline and deadline_slot(round_) not in scheduled:
        return [deadline_slot(round_)]
    if weekly_day is None:
        return []
    digest_day = today - timedelta(days=today.weekday() - weekly_day)
    digest_at = hours.morning(digest_day)
    name = weekly_slot(digest_at)
    if (
        today < digest_day
        or digest_at < round_.opened_at
        or name in scheduled
        or any(at >= digest_at for at in scheduled.values())
    ):
        return []
    return [name]


def summary_notice(summary: Summary) -> Notice:
    """The summary as a message, with its files attached: the charts as a picture, the
    report as PDF and HTML, every answer as CSV and XLSX, and the partnerships' forms (Word,
    zipped, and one PDF). A file whose system library is missing (Pango for PDFs, Cairo for
    the picture) is left out, with a warning in the log, rather than holding up the rest."""
    n = summary.round.id
    files: dict[str, tuple[str, bytes]] = {}
    try:
        files["png"] = (f"audit-charts-round-{n}.png", dashboard_png(summary))
    except ChartsUnavailable as exc:
        log.warning("the summary goes without its chart picture: %s", exc)
    try:
        files["pdf"] = (f"audit-summary-round-{n}.pdf", summary_pdf(summary))
        forms = forms_pdf(summary)
        if forms is not None:
            files["forms_pdf"] = (f"audit-forms-round-{n}.pdf", forms)
    except PdfUnavailable as exc:
        log.warning("the summary goes without its PDF files: %s", exc)
    files["html"] = (f"audit-summary-round-{n}.html", render_html(summary).encode("utf-8"))
    files["csv"] = (f"audit-summary-round-{n}.csv", render_summary_csv(summary).encode("utf-8-sig"))
    files["xlsx"] = (f"audit-summary-round-{n}.xlsx", render_xlsx(summary))
    files["docx"] = (f"audit-forms-round-{n}.zip", docx_zip(summary))
    attachments = [
        Attachment(*files[kind], caption=FILE_CAPTIONS[kind])
        for kind in FILE_KINDS
        if kind in files
    ]
    context = {"round_id": n, "body_html": render_message(summary)}
    return Notice("summary.la", context, attachments=attachments)


async def queue_summary(
    db: Database,
    settings: Settings,
    now: datetime,
    slot: str,
    *,
    recipients: Sequence[Recipient] | None = None,
    round_id: int | None = None,
) -> int:
    """Compile the summary and queue it to every LA recipient (or `recipients`) under `slot`.

    Returns the number of new outbox rows: 0 when the slot was already queued everywhere.
    The round is `round_id`, else the open round, else the latest one; `NoRoundError` if
    there is none. A round opened with carry-forward goes with what changed since the round
    before (`load_la_summary`).
    """
    chats = tuple(settings.la_recipients if recipients is None else recipients)
    if not chats:
        return 0
    summary = await load_la_summary(db, now, round_id=round_id, zone=settings.zone)
    # building the XLSX and DOCX files takes a moment: keep the bot answering meanwhile
    notice = await asyncio.to_thread(summary_notice, summary)
    key = _key(summary.round.id, slot)
    return await enqueue_la(
        db,
        chats,
        SUMMARY_KIND,
        key,
        [notice.to_payload()],
        now,
        round_id=summary.round.id,
        slot=slot,
    )


def _key(round_id: int, slot: str) -> str:
    return f"r{round_id}:{slot}"


async def summary_round(db: Database, round_id: int | None = None) -> Round:
    """The round a summary is of: `round_id`, else the open round, else the latest one
    (`NoRoundError` if there is none)."""
    async with db.read() as conn:
        found = await rounds.round_or_latest(conn, round_id)
    if found is None:
        raise NoRoundError(round_id)
    return found


async def already_queued(
    db: Database, round_id: int, slot: str, recipients: Sequence[Recipient]
) -> bool:
    """Whether every one of `recipients` already has the round's summary under `slot`:
    cheap, to say so before compiling it all again for nothing."""
    async with db.read() as conn:
        for recipient in recipients:
            first = la_dedupe_key(SUMMARY_KIND, _key(round_id, slot), recipient, 0)
            if not await outbox.exists(conn, first):
                return False
    return True


async def summary_tick(db: Database, settings: Settings, clock: Clock = system_clock) -> list[str]:
    """Queue the LA summaries due now; returns the slots queued. Safe to call at any time."""
    if not settings.la_recipients:
        return []
    now = clock()
    async with db.read() as conn:
        current = await rounds.open_round_now(conn)
        if current is None:
            return []
        states = await reminder_store.response_states(conn, current.id)
        queued = await summary_slots(conn, current.id)
    due = due_summary_slots(
        current,
        [s.status for s in states],
        queued,
        now,
        WorkingHours.from_settings(settings),
        settings.summary_weekday,
    )
    done: list[str] = []
    for slot in due:
        if await queue_summary(db, settings, now, slot, round_id=current.id):
            done.append(slot)
    if done:
        log.info("queued the LA summary for %s", ", ".join(done))
    return done
