"""`auditbot --help` lists every command without loading what the commands use: the
settings, the database, the channels' client libraries, the report renderers."""

from __future__ import annotations

import subprocess
import sys

import typer.main

from bot.cli import app

HEAVY = (
    "telegram",
    "aiosqlite",
    "aiosmtplib",
    "aioimaplib",
    "pydantic_settings",
    "jinja2",
    "yaml",
    "openpyxl",
    "docxtpl",
    "weasyprint",
    "matplotlib",
    "rich.console",
    "storage",
    "bot.config",
    "bot.texts",
)


def test_help_lists_every_command_and_loads_none_of_their_libraries() -> None:
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, runpy\n"
            "sys.argv = ['auditbot', '--help']\n"
            "try:\n"
            "    runpy.run_module('bot', run_name='__main__')\n"
            "except SystemExit:\n"
            "    pass\n"
            f"loaded = [m for m in {HEAVY!r} if m in sys.modules]\n"
            "print('LOADED', loaded)\n",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert "LOADED []" in shown
    group = typer.main.get_group(app)
    assert len(group.commands) > 20
    for name in group.commands:
        assert f"\n  {name} " in shown, name
