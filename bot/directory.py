"""Reading the partnerships/contacts CSV that the LA keeps."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from storage.partnerships import ContactRow

REQUIRED = ("partnership", "contact_name", "email")
OPTIONAL = ("telegram_username",)
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
MAX_NAME = 200


class DirectoryError(ValueError):
    """A CSV problem, naming the line."""


def read_directory(path: Path) -> list[ContactRow]:
    """Parse and validate the whole file; any bad row rejects the file."""
    try:
        text = path.read_text("utf-8-sig")
    except OSError as exc:
        raise DirectoryError(f"{path} cannot be read ({exc.strerror}).") from None
    except UnicodeDecodeError:
        raise DirectoryError(f"{path} is not a UTF-8 CSV file; save it as CSV UTF-8.") from None
    return parse_directory(text, str(path))


def parse_directory(text: str, filename: str = "the file") -> list[ContactRow]:
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise DirectoryError(
            f"{filename}, line 1: the header needs the column(s) {', '.join(missing)}."
        )
    reader.fieldnames = header
    rows: list[ContactRow] = []
    seen: dict[str, tuple[int, ContactRow]] = {}
    for record in reader:
        line = reader.line_num
        if None in record:
            raise DirectoryError(f"{filename}, line {line}: has more columns than the header.")
        values = {key: (value or "").strip() for key, value in record.items()}
        if not any(values.values()):
            continue
        row = _row(values, filename, line)
        key = row.email.lower()
        if key in seen and seen[key][1] != row:
            raise DirectoryError(
                f"{filename}, line {line}: {row.email} already appears on line {seen[key][0]} "
                "with different details."
            )
        if key not in seen:
            seen[key] = (line, row)
            rows.append(row)
    if not rows:
        raise DirectoryError(f"{filename} has no contacts in it.")
    return rows


def _row(values: dict[str, str], filename: str, line: int) -> ContactRow:
    where = f"{filename}, line {line}"
    for name in REQUIRED:
        if not values.get(name):
            raise DirectoryError(f"{where}: {name} is empty.")
    for name in ("partnership", "contact_name"):
        if len(values[name]) > MAX_NAME:
            raise DirectoryError(f"{where}: {name} is longer than {MAX_NAME} characters.")
    if not _EMAIL.match(values["email"]):
        raise DirectoryError(f"{where}: '{values['email']}' is not an email address.")
    username = values.get("telegram_username", "").removeprefix("@") or None
    if username is not None and not _USERNAME.match(username):
        raise DirectoryError(f"{where}: '{username}' is not a Telegram username.")
    return ContactRow(
        partnership=values["partnership"],
        name=values["contact_name"],
        email=values["email"],
        telegram_username=username,
    )
