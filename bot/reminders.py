"""Reminders: the policy (who is reminded when) and the service that queues them (`tick`).

The policy is pure functions of the round, progress, reminders so far and now.

Every reminder has a *slot* with a deterministic name ("d-7@2026-11-30", "d0@2026-11-30",
"overdue-2026-12-03", "inactive-2026-11-10", "snooze-2026-11-12"; deadline slots carry the
deadline so that moving it gives fresh ones); the outbox dedupe key includes it, so a slot
goes out at most once per contact however often or concurrently the policy is asked.

At any moment a contact is offered only the *latest* slot that has come due, and at most
one reminder per local day: after downtime the most relevant reminder goes out once,
instead of a burst of stale ones. Reminders wait for working hours on weekdays
(`bot.working_hours`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.channels import registry
from bot.clock import Clock, system_clock
from bot.config import Recipient, Settings
from bot.notices import Action, Intent, Notice
from bot.questionnaire_store import stored_questionnaire
from bot.texts import texts
from bot.time_to_answer import minutes_to_answer
from bot.working_hours import WorkingHours
from storage import Database, outbox, partnerships, rounds
from storage import reminders as store
from storage.outbox import NewMessage
from storage.records import Address, Contact, Round, Status
from storage.reminders import REMINDER_KIND, ReminderRecord, ResponseState

log = logging.getLogger(__name__)

FLAG_KIND = "flag"


class SnoozeChoice(StrEnum):
    TOMORROW = "d"
    NEXT_WEEK = "w"


@dataclass(frozen=True, slots=True)
class Policy:
    """The reminder settings, in the form the functions below use; when reminders may go
    out is `hours`, the working hours shared with the LA summary."""

    days_before: tuple[int, ...]
    inactivity_days: int
    max_without_progress: int
    hours: WorkingHours
    channels: tuple[str, ...] = ("telegram",)
    """The channels reminders can go through, the default one first."""

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        # with no channel set up here (`auditbot remind` on an officer's machine), queue for
        # the default one: the running bot sends them
        configured = [c.name for c in registry.configured(settings)] or [settings.default_channel]
        channels = sorted(configured, key=lambda name: name != settings.default_channel)
        return cls(
            days_before=tuple(sorted({d for d in settings.reminder_days_before if d > 0})),
            inactivity_days=settings.inactivity_days,
            max_without_progress=settings.max_reminders_without_progress,
            hours=WorkingHours.from_settings(settings),
            channels=tuple(channels),
        )

    def address(self, contact: Contact) -> Address | None:
        """Where to remind a contact: their preferred channel if it reaches them, else the
        first that does, in the order of `channels`."""
        usable = {
            a.channel: a for a in contact.addresses if a.channel in self.channels and a.reachable
        }
        if contact.preferred_channel in usable:
            return usable[contact.preferred_channel]
        return next((usable[name] for name in self.channels if name in usable), None)


class SlotKind(StrEnum):
    DEADLINE = "deadline"
    OVERDUE = "overdue"
    INACTIVE = "inactive"
    SNOOZE = "snooze"


@dataclass(frozen=True, slots=True)
class Slot:
    name: str
    kind: SlotKind
    due: datetime

    @property
    def rank(self) -> tuple[datetime, int]:
        """Later wins; at the same moment the deadline's own reminder wins."""
        return (self.due, 1 if self.kind in (SlotKind.DEADLINE, SlotKind.OVERDUE) else 0)


@dataclass(frozen=True, slots=True)
class Reminder:
    """One reminder to queue, with what its text needs."""

    round_id: int
    contact: Contact
    address: Address
    slot: Slot
    status: Status
    deadline: date
    days_left: int
    answered: int
    total: int
    snoozable: bool

    @property
    def remaining(self) -> int:
        return max(self.total - self.answered, 0)

    @property
    def minutes(self) -> int:
        return minutes_to_answer(self.remaining)


@dataclass(frozen=True, slots=True)
class FlagDecision:
    """Tell the LA that this partnership has had enough reminders without progress."""

    round_id: int
    partnership_id: int
    partnership: str
    status: Status
    reminders: int
    answered: int
    total: int
    deadline: date


@dataclass(frozen=True, slots=True)
class Decisions:
    reminders: tuple[Reminder, ...]
    flags: tuple[FlagDecision, ...]


def deadline_slots(round_: Round, today: date, policy: Policy) -> list[Slot]:
    """The fixed slots of a round up to `today`: days before, the day itself, overdue days."""
    hours = policy.hours
    slots = [
        Slot(
            f"d-{n}@{round_.deadline.isoformat()}",
            SlotKind.DEADLINE,
            hours.morning(round_.deadline - timedelta(days=n)),
        )
        for n in sorted(policy.days_before, reverse=True)
    ]
    slots.append(
        Slot(f"d0@{round_.deadline.isoformat()}", SlotKind.DEADLINE, hours.morning(round_.deadline))
    )
    day = round_.deadline + timedelta(days=1)
    while day <= today:
        slots.append(Slot(f"overdue-{day.isoformat()}", SlotKind.OVERDUE, hours.morning(day)))
        day += timedelta(days=1)
    return slots


def last_reminder_time(deadline: date, policy: Policy) -> datetime:
    """The last moment a reminder can still come before the deadline has passed: the
    morning of the deadline, or of the last working day before it (reminders go out on
    working days only, so a Sunday deadline's last chance is Friday morning)."""
    hours = policy.hours
    return hours.morning(hours.last_working_day(deadline))


@dataclass(frozen=True, slots=True)
class SnoozePlan:
    """When a snoozed contact hears from us again, and how that compares to what they asked."""

    until: datetime
    asked: date
    """The day they asked for ("tomorrow", "next week"), working day or not."""
    capped: bool
    """The deadline comes first: `until` is the last reminder before it, earlier than asked."""


def plan_snooze(
    choice: SnoozeChoice, now: datetime, deadline: date, policy: Policy
) -> SnoozePlan | None:
    """When a snoozed contact hears from us again: in working hours on a working day, and
    never after `last_reminder_time`.

    None if there is nothing left to snooze (that last reminder time has come).
    """
    hours = policy.hours
    latest = last_reminder_time(deadline, policy)
    if latest <= now:
        return None
    asked = hours.local(now).date() + timedelta(days=1 if choice is SnoozeChoice.TOMORROW else 7)
    wanted = hours.next_working_time(hours.morning(asked))
    if wanted <= latest:
        return SnoozePlan(wanted, asked, capped=False)
    return SnoozePlan(latest, asked, capped=True)


def snooze_until(
    choice: SnoozeChoice, now: datetime, deadline: date, policy: Policy
) -> datetime | None:
    """`plan_snooze`'s moment, or None."""
    plan = plan_snooze(choice, now, deadline, policy)
    return plan.until if plan is not None else None


def decide(
    round_: Round,
    states: Iterable[ResponseState],
    contacts: Iterable[Contact],
    history: Sequence[ReminderRecord],
    snoozes: Mapping[int, datetime],
    flagged: Iterable[int],
    total_questions: int,
    policy: Policy,
    now: datetime,
) -> Decisions:
    """Which reminders are due now, per contact, and which partnerships to flag to the LA.

    Only contacts the policy can reach (a reachable address on a channel set up here) are reminded.
    """
    if not round_.is_open or not policy.hours.is_working_time(now):
        return Decisions((), ())
    local_now = policy.hours.local(now)
    today = local_now.date()
    fixed = [s for s in deadline_slots(round_, today, policy) if s.due >= round_.opened_at]
    by_partnership: dict[int, list[Contact]] = {}
    for contact in contacts:
        by_partnership.setdefault(contact.partnership_id, []).append(contact)
    already_flagged = set(flagged)
    reminders: list[Reminder] = []
    flags: list[FlagDecision] = []
    for state in states:
        if state.status is Status.SUBMITTED:
            continue
        sent = [r for r in history if r.partnership_id == state.partnership_id]
        due_now: list[Reminder] = []
        for contact in by_partnership.get(state.partnership_id, []):
            address = policy.address(contact)
            if address is None:
                continue
            mine = [r for r in sent if r.contact_id == contact.id]
            slot = _due_slot(state, mine, fixed, snoozes.get(contact.id), policy, now)
            if slot is None:
                continue
            due_now.append(
                Reminder(
                    round_id=round_.id,
                    contact=contact,
                    address=address,
                    slot=slot,
                    status=state.status,
                    deadline=round_.deadline,
                    days_left=(round_.deadline - today).days,
                    answered=state.answered,
                    total=total_questions,
                    snoozable=now < last_reminder_time(round_.deadline, policy),
                )
            )
        if not due_now:
            continue
        since = state.last_activity_at or round_.opened_at
        unanswered = len({r.slot for r in sent if r.created_at > since and r.status != "failed"})
        if unanswered >= policy.max_without_progress:
            # a reminder someone asked for ("remind me next week") is a promise: it still
            # goes, while the LA is told that the partnership is not progressing
            reminders.extend(r for r in due_now if r.slot.kind is SlotKind.SNOOZE)
            if state.partnership_id not in already_flagged:
                flags.append(
                    FlagDecision(
                        round_id=round_.id,
                        partnership_id=state.partnership_id,
                        partnership=state.partnership,
                        status=state.status,
                        reminders=unanswered,
                        answered=state.answered,
                        total=total_questions,
                        deadline=round_.deadline,
                    )
                )
            continue
        reminders.extend(due_now)
    return Decisions(tuple(reminders), tuple(flags))


def _due_slot(
    state: ResponseState,
    mine: Sequence[ReminderRecord],
    fixed: Sequence[Slot],
    snoozed_until: datetime | None,
    policy: Policy,
    now: datetime,
) -> Slot | None:
    """The one slot a contact should get now, if any (see the module docstring)."""
    if snoozed_until is not None and now < snoozed_until:
        return None
    today = policy.hours.local(now).date()
    if any(policy.hours.local(r.created_at).date() == today for r in mine):
        return None
    slots = list(fixed)
    if state.status is Status.IN_PROGRESS and state.last_activity_at is not None:
        base = max([state.last_activity_at, *(r.created_at for r in mine)])
        name = f"inactive-{policy.hours.local(state.last_activity_at).date().isoformat()}"
        slots.append(Slot(name, SlotKind.INACTIVE, base + timedelta(days=policy.inactivity_days)))
    if snoozed_until is not None:
        name = f"snooze-{policy.hours.local(snoozed_until).date().isoformat()}"
        slots.append(Slot(name, SlotKind.SNOOZE, snoozed_until))
    due = [s for s in slots if s.due <= now]
    if not due:
        return None
    latest = max(due, key=lambda s: s.rank)
    if latest.name in {r.slot for r in mine}:
        return None
    return latest


# --- what goes into the outbox --------------------------------------------------------


def reminder_dedupe_key(round_id: int, contact_id: int, channel: str, slot: str) -> str:
    """(round, contact, channel, slot): the same reminder can be written only once (and the
    policy sends a slot to a contact once, whichever channel it went through)."""
    return f"reminder:r{round_id}:c{contact_id}:{channel}:{slot}"


def reminder_notice(reminder: Reminder) -> Notice:
    """What a reminder says, with "continue" and, before the deadline, snooze actions."""
    started = reminder.status is Status.IN_PROGRESS
    go = Action(
        "reminders.button.continue" if started else "reminders.button.start", Intent.CONTINUE
    )
    actions: list[list[Action]] = [[go]]
    if reminder.snoozable:
        actions.append(
            [
                Action(
                    f"reminders.button.{label}",
                    Intent.SNOOZE,
                    {"round_id": reminder.round_id, "choice": choice.value},
                )
                for label, choice in (
                    ("tomorrow", SnoozeChoice.TOMORROW),
                    ("next_week", SnoozeChoice.NEXT_WEEK),
                )
            ]
        )
    contact = reminder.contact
    context = {
        "contact_name": contact.name,
        "partnership": contact.partnership,
        "deadline": reminder.deadline.isoformat(),
        "days_left": reminder.days_left,
        "answered": reminder.answered,
        "total": reminder.total,
        "remaining": reminder.remaining,
        "minutes": reminder.minutes,
        "inactive": reminder.slot.kind is SlotKind.INACTIVE,
    }
    kind = "reminder.in_progress" if started else "reminder.not_started"
    return Notice(kind, context, actions)


def reminder_message(reminder: Reminder) -> NewMessage:
    """The outbox row for a reminder."""
    contact, address = reminder.contact, reminder.address
    return NewMessage(
        dedupe_key=reminder_dedupe_key(
            reminder.round_id, contact.id, address.channel, reminder.slot.name
        ),
        channel=address.channel,
        recipient=address.address,
        kind=REMINDER_KIND,
        payload=reminder_notice(reminder).to_payload(),
        round_id=reminder.round_id,
        partnership_id=contact.partnership_id,
        contact_id=contact.id,
        slot=reminder.slot.name,
    )


def flag_notice(flag: FlagDecision) -> Notice:
    """Tell the LA a partnership has stopped being nudged."""
    context = {
        "partnership": flag.partnership,
        "reminders": flag.reminders,
        "answered": flag.answered,
        "total": flag.total,
        "deadline": flag.deadline.isoformat(),
    }
    return Notice("flag.la", context)


def flag_messages(flag: FlagDecision, recipients: Iterable[Recipient]) -> list[NewMessage]:
    """One message per LA recipient saying the partnership has stopped being nudged."""
    payload = flag_notice(flag).to_payload()
    return [
        NewMessage(
            dedupe_key=f"flag:r{flag.round_id}:p{flag.partnership_id}:{to.channel}:{to.address}",
            channel=to.channel,
            recipient=to.address,
            kind=FLAG_KIND,
            payload=payload,
            round_id=flag.round_id,
            partnership_id=flag.partnership_id,
            slot="flag",
        )
        for to in recipients
    ]


# --- the reminder service: what is due now, into the outbox ------------------------


@dataclass(frozen=True, slots=True)
class TickResult:
    reminders: int = 0
    flags: int = 0
    round_id: int | None = None


async def tick(db: Database, settings: Settings, clock: Clock = system_clock) -> TickResult:
    """Queue every reminder and LA flag due now; safe to call any number of times.

    Reading the state and writing the rows happen in one transaction, and every row has a
    dedupe key, so overlapping ticks (two processes, a manual `auditbot remind`) cannot
    queue anything twice.
    """
    now = clock()
    policy = Policy.from_settings(settings)
    async with db.transaction() as conn:
        current = await rounds.open_round_now(conn)
        if current is None:
            return TickResult()
        total = len((await stored_questionnaire(conn, current.questionnaire_version)).items)
        decisions = decide(
            current,
            await store.response_states(conn, current.id),
            await partnerships.list_contacts(conn),
            await store.reminder_records(conn, current.id),
            await store.snoozes(conn, current.id),
            [flag.partnership_id for flag in await store.flags(conn, current.id)],
            total,
            policy,
            now,
        )
        queued = 0
        for reminder in decisions.reminders:
            queued += await outbox.enqueue(conn, reminder_message(reminder), now)
        flagged = 0
        for flag in decisions.flags:
            if await store.add_flag(conn, current.id, flag.partnership_id, flag.reminders, now):
                flagged += 1
                for message in flag_messages(flag, settings.la_recipients):
                    await outbox.enqueue(conn, message, now)
    if queued or flagged:
        log.info("queued %d reminder(s), flagged %d partnership(s)", queued, flagged)
    return TickResult(queued, flagged, current.id)


async def snooze(
    db: Database,
    settings: Settings,
    contact_id: int,
    round_id: int,
    choice: SnoozeChoice,
    now: datetime,
) -> str:
    """Hold a contact's reminders (a "Remind me tomorrow / next week" action); returns the
    reply to show, which names the day the reminder will come (`plan_snooze`): a working
    day, never past the deadline; a new snooze replaces the earlier one.
    """
    async with db.read() as conn:
        found = await rounds.round_by_id(conn, round_id)
    if found is None or not found.is_open:
        return texts().string("reminders.round_closed")
    policy = Policy.from_settings(settings)
    plan = plan_snooze(choice, now, found.deadline, policy)
    today = policy.hours.local(now).date()
    if plan is None:
        return texts().string(
            "reminders.cannot_snooze", deadline=found.deadline, passed=found.deadline <= today
        )
    async with db.transaction() as conn:
        await store.set_snooze(conn, contact_id, round_id, plan.until, now)
    until = policy.hours.local(plan.until).date()
    if plan.capped:
        return texts().string("reminders.snoozed_to_deadline", deadline=found.deadline, until=until)
    return texts().string("reminders.snoozed", until=until, moved=until != plan.asked)
