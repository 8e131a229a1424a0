"""Databases for the benchmarks, made with the bot's own code: partnerships with one lead
each, linked to a Telegram account, an open round, and optionally every question answered
or a reminder due for everyone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import Settings, TelegramSettings
from bot.directory import import_directory
from bot.questionnaire import load_questionnaire
from bot.reminders import tick
from bot.round_setup import open_round
from storage import open_database, partnerships, responses, rounds
from storage.records import AnswerChange

FIRST_USER = 100_000
"""Lead n is Telegram user (and private chat) FIRST_USER + n."""
ZONE = ZoneInfo("Europe/London")


def user_id(n: int) -> int:
    return FIRST_USER + n


def reminder_moment(now: datetime) -> datetime:
    """The latest weekday 10:00 (London) before `now`: a reminder 7 days before a deadline
    is due then, and nothing new falls due for several days after it."""
    local = now.astimezone(ZONE)
    day = local.date() if local.hour >= 11 else local.date() - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return datetime(day.year, day.month, day.day, 10, tzinfo=ZONE).astimezone(UTC)


async def seed(
    path: Path,
    count: int,
    *,
    answered: bool = False,
    reminders_due: bool = False,
    now: datetime | None = None,
) -> int:
    """Write the database; returns how many outbox rows are due."""
    moment = reminder_moment(now or datetime.now(UTC)) if reminders_due else datetime.now(UTC)
    opened = moment - timedelta(hours=2)
    folder = path.parent
    lines = ["partnership,contact_name,email"] + [
        f"Partnership {n:05d},Lead {n},lead{n}@p{n}.example" for n in range(count)
    ]
    (folder / "directory.csv").write_text("\n".join(lines) + "\n", "utf-8")
    db = await open_database(path)
    try:
        await import_directory(db, folder / "directory.csv", opened)
        q, source = load_questionnaire()
        deadline = (
            moment.astimezone(ZONE).date() + timedelta(days=7)
            if reminders_due
            else date.today() + timedelta(days=28)
        )
        await open_round(db, q, source, deadline, opened)
        async with db.transaction() as conn:
            for contact in await partnerships.list_contacts(conn):
                n = int(contact.email.removeprefix("lead").split("@")[0])
                account = str(user_id(n))
                await partnerships.link_address(
                    conn, contact.id, "telegram", account, account, opened
                )
        if answered:
            async with db.transaction() as conn:
                current = await rounds.latest_round(conn)
                assert current is not None
                changes = [
                    AnswerChange(
                        item.id,
                        "Kept for a year" if item.kind.is_free_text else item.kind.choices[0],
                        "Checked with the school office" if i % 5 == 0 else None,
                    )
                    for i, item in enumerate(q.items)
                ]
                for contact in await partnerships.list_contacts(conn):
                    response = await responses.response_for(
                        conn, current.id, contact.partnership_id, q.version
                    )
                    await responses.apply_changes(
                        conn, response, changes, contact.id, "telegram", opened
                    )
        if not reminders_due:
            return 0
        settings = Settings(
            telegram=TelegramSettings(bot_token="1:bench", api_url="http://127.0.0.1:9"),
            db=path,
            summary_weekly_day="",
        )
        return (await tick(db, settings, lambda: moment)).reminders
    finally:
        await db.close()
