"""Round setup, as the LA officer does it: open a round with its deadline, close it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.questionnaire import Questionnaire
from bot.texts import texts
from bot.working_hours import WorkingHours
from storage import Database, partnerships, queries, rounds
from storage.records import Round


class RoundSetupError(ValueError):
    """An action that cannot be done as asked; the message says why in one sentence."""


@dataclass(frozen=True, slots=True)
class OpenedRound:
    round: Round
    partnerships: int


@dataclass(frozen=True, slots=True)
class DeadlineAdvice:
    """A deadline on a day the bot does not speak: no reminder goes out on it."""

    deadline: date
    earlier: date | None
    """The last working day before it, if that is still to come (a deadline to suggest)."""


def deadline_advice(deadline: date, today: date, hours: WorkingHours) -> DeadlineAdvice | None:
    """Advice when `deadline` is not a working day (a weekend), else None."""
    if hours.is_working_day(deadline):
        return None
    earlier = hours.last_working_day(deadline - timedelta(days=1))
    return DeadlineAdvice(deadline, earlier if earlier > today else None)


async def open_round(
    db: Database,
    questionnaire: Questionnaire,
    source: str,
    deadline: date,
    now: datetime,
    carry_forward: bool = False,
) -> OpenedRound:
    """Open a round; with `carry_forward`, its contacts are offered the answers their
    partnership gave in the round before to confirm."""
    async with db.transaction() as conn:
        if await rounds.open_round_now(conn) is not None:
            raise RoundSetupError(
                "A round is already open; close it with `auditbot round close` first."
            )
        if deadline <= now.date():
            raise RoundSetupError(f"The deadline {deadline:%d %B %Y} is not in the future.")
        count = len(await partnerships.list_partnerships(conn))
        if count == 0:
            raise RoundSetupError(
                "There are no partnerships yet; import them with `auditbot partnerships import`."
            )
        previous = await rounds.latest_round(conn) if carry_forward else None
        if carry_forward and previous is None:
            raise RoundSetupError(
                "There is no earlier round to carry answers forward from; open this one"
                " without --carry-forward."
            )
        await rounds.save_questionnaire(conn, questionnaire.version, source, now)
        opened = await rounds.open_round(
            conn, questionnaire.version, deadline, now, previous.id if previous else None
        )
    return OpenedRound(opened, count)


async def close_round(db: Database, now: datetime, force: bool = False) -> Round:
    """Close the open round; refused while the LA's queries to partnerships wait for a
    reply, unless `force`."""
    async with db.transaction() as conn:
        current = await rounds.open_round_now(conn)
        if current is None:
            raise RoundSetupError("There is no open round to close.")
        waiting = await queries.count_open(conn, current.id)
        if waiting and not force:
            raise RoundSetupError(texts().string("queries.close_refused", open=waiting))
        await rounds.close_round(conn, current.id, now)
        closed = await rounds.round_by_id(conn, current.id)
    assert closed is not None
    return closed
