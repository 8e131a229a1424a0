"""What the LA officer does: import the directory, open and close rounds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from bot.directory import read_directory
from bot.questionnaire import Questionnaire
from storage import Database, partnerships, rounds
from storage.partnerships import ImportResult
from storage.records import Round


class AdminError(ValueError):
    """An action that cannot be done as asked; the message says why in one sentence."""


async def import_directory(db: Database, path: Path, now: datetime) -> ImportResult:
    rows = read_directory(path)
    async with db.transaction() as conn:
        result = await partnerships.import_contacts(conn, rows, now)
        current = await rounds.open_round_now(conn)
        if current is not None:
            await rounds.add_missing_responses(conn, current)
    return result


@dataclass(frozen=True, slots=True)
class OpenedRound:
    round: Round
    partnerships: int


async def open_round(
    db: Database, questionnaire: Questionnaire, source: str, deadline: date, now: datetime
) -> OpenedRound:
    async with db.transaction() as conn:
        if await rounds.open_round_now(conn) is not None:
            raise AdminError("A round is already open; close it with `auditbot round close` first.")
        if deadline <= now.date():
            raise AdminError(f"The deadline {deadline:%d %B %Y} is not in the future.")
        count = len(await partnerships.list_partnerships(conn))
        if count == 0:
            raise AdminError(
                "There are no partnerships yet; import them with `auditbot partnerships import`."
            )
        await rounds.save_questionnaire(conn, questionnaire.version, source, now)
        opened = await rounds.open_round(conn, questionnaire.version, deadline, now)
    return OpenedRound(opened, count)


async def close_round(db: Database, now: datetime) -> Round:
    async with db.transaction() as conn:
        current = await rounds.open_round_now(conn)
        if current is None:
            raise AdminError("There is no open round to close.")
        await rounds.close_round(conn, current.id, now)
        closed = await rounds.round_by_id(conn, current.id)
    assert closed is not None
    return closed
