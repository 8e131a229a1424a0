"""Round setup, as the LA officer does it: open a round with its deadline, close it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.questionnaire import Questionnaire
from storage import Database, partnerships, rounds
from storage.records import Round


class RoundSetupError(ValueError):
    """An action that cannot be done as asked; the message says why in one sentence."""


@dataclass(frozen=True, slots=True)
class OpenedRound:
    round: Round
    partnerships: int


async def open_round(
    db: Database, questionnaire: Questionnaire, source: str, deadline: date, now: datetime
) -> OpenedRound:
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
        await rounds.save_questionnaire(conn, questionnaire.version, source, now)
        opened = await rounds.open_round(conn, questionnaire.version, deadline, now)
    return OpenedRound(opened, count)


async def close_round(db: Database, now: datetime) -> Round:
    async with db.transaction() as conn:
        current = await rounds.open_round_now(conn)
        if current is None:
            raise RoundSetupError("There is no open round to close.")
        await rounds.close_round(conn, current.id, now)
        closed = await rounds.round_by_id(conn, current.id)
    assert closed is not None
    return closed
