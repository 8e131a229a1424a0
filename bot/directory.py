"""The partnerships/contacts CSV that the LA keeps: reading it, and importing it."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from bot.texts import texts
from storage import Database, partnerships, rounds
from storage.partnerships import ContactRow, ImportResult

REQUIRED = ("partnership", "contact_name", "email")
OPTIONAL = ("telegram_username", "preferred_channel")
CHANNELS = ("telegram", "email")
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
MAX_NAME = 200


class DirectoryError(ValueError):
    """A CSV problem, naming the line."""


def _error(key: str, **context: object) -> DirectoryError:
    return DirectoryError(texts().string(f"directory.{key}", **context))


def read_directory(path: Path) -> list[ContactRow]:
    """Parse and validate the whole file; any bad row rejects the file."""
    try:
        text = path.read_text("utf-8-sig")
    except OSError as exc:
        raise _error("unreadable", file=path, reason=exc.strerror) from None
    except UnicodeDecodeError:
        raise _error("not_utf8", file=path) from None
    return parse_directory(text, str(path))


def parse_directory(text: str, filename: str = "the file") -> list[ContactRow]:
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise _error("missing_columns", file=filename, columns=", ".join(missing))
    reader.fieldnames = header
    rows: list[ContactRow] = []
    seen: dict[str, tuple[int, ContactRow]] = {}
    for record in reader:
        line = reader.line_num
        if None in record:
            raise _error("extra_columns", file=filename, line=line)
        values = {key: (value or "").strip() for key, value in record.items()}
        if not any(values.values()):
            continue
        row = _row(values, filename, line)
        key = row.email.lower()
        if key in seen and not _same_person(seen[key][1], row):
            raise _error("duplicate", file=filename, line=line, email=row.email, first=seen[key][0])
        if key not in seen:
            seen[key] = (line, row)
            rows.append(row)
    if not rows:
        raise _error("empty", file=filename)
    return rows


def _row(values: dict[str, str], filename: str, line: int) -> ContactRow:
    for name in REQUIRED:
        if not values.get(name):
            raise _error("blank", file=filename, line=line, column=name)
    for name in ("partnership", "contact_name"):
        if len(values[name]) > MAX_NAME:
            raise _error("too_long", file=filename, line=line, column=name, limit=MAX_NAME)
    if not _EMAIL.match(values["email"]):
        raise _error("bad_email", file=filename, line=line, value=values["email"])
    username = values.get("telegram_username", "").removeprefix("@") or None
    if username is not None and not _USERNAME.match(username):
        raise _error("bad_username", file=filename, line=line, value=username)
    preferred = values.get("preferred_channel", "").lower() or None
    if preferred is not None and preferred not in CHANNELS:
        raise _error("bad_channel", file=filename, line=line, value=values["preferred_channel"])
    return ContactRow(
        partnership=values["partnership"],
        name=values["contact_name"],
        email=values["email"],
        telegram_username=username,
        preferred_channel=preferred,
    )


def _same_person(first: ContactRow, again: ContactRow) -> bool:
    """Repeated rows are fine when only the email's letter case differs."""
    return first == replace(again, email=first.email)


async def import_directory(db: Database, path: Path, now: datetime) -> ImportResult:
    """Import the file's partnerships and contacts; the open round, if any, gets a response
    for each new partnership."""
    rows = read_directory(path)
    async with db.transaction() as conn:
        result = await partnerships.import_contacts(conn, rows, now)
        current = await rounds.open_round_now(conn)
        if current is not None:
            await rounds.add_missing_responses(conn, current)
    return result
