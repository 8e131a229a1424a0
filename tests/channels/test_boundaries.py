"""Channels are plug-ins: only the Telegram channel's folder may speak Telegram."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TELEGRAM_FOLDER = ROOT / "bot" / "channels" / "telegram"
FORBIDDEN = ("telegram", "bot.channels.telegram")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_no_module_outside_the_telegram_channel_imports_telegram() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name
            for name in _imports(path)
            if any(name == f or name.startswith(f"{f}.") for f in FORBIDDEN)
        )
        for folder in ("bot", "storage")
        for path in (ROOT / folder).rglob("*.py")
        if TELEGRAM_FOLDER not in path.parents
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_check_sees_telegram_imports() -> None:
    assert "telegram.ext" in _imports(TELEGRAM_FOLDER / "app.py")
