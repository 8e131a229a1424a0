"""Every literal text key used in code or templates exists in templates/strings.yaml, so a
typo or a key filed under the wrong section fails here rather than in front of a user."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.texts import texts

ROOT = Path(__file__).resolve().parents[2]
# helper name -> the section its keys are relative to ("" for full keys); a module's own
# `_t` says its section where it is defined
HELPERS = {
    "say": "cli.",
    "fail": "cli.",
    "_t": "",
    "_s": "reports.cli.",
    "_say": "reminders.cli.",
    "_error": "directory.",
    "string": "",
}
CALL = re.compile(r"\b(" + "|".join(HELPERS) + r')\("([a-z_.]+)"')
# the admin screens' one sentence: say(context, chat_id, "full.key")
SCREEN_CALL = re.compile(r'\bsay\(context, [^,()]+, "([a-z_.]+)"\)')
# s("key") in a template; not a method such as w.s("key") (a report's own wording)
TEMPLATE_CALL = re.compile(r'(?<![.\w])s\("([a-z_.]+)"\)')
OWN_PREFIX = re.compile(r'def _t\(.*?texts\(\)\.string\(f"([a-z_.]+)\{key\}"', re.DOTALL)


def used_keys() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        source = path.read_text("utf-8")
        own = OWN_PREFIX.search(source)
        for helper, key in CALL.findall(source):
            prefix = own.group(1) if helper == "_t" and own else HELPERS[helper]
            found.append((f"{path.relative_to(ROOT)}", prefix + key))
        found.extend((f"{path.relative_to(ROOT)}", key) for key in SCREEN_CALL.findall(source))
    for path in sorted((ROOT / "templates").rglob("*.j2")):
        for key in TEMPLATE_CALL.findall(path.read_text("utf-8")):
            found.append((f"{path.relative_to(ROOT)}", key))
    return found


def exists(key: str) -> bool:
    try:
        texts().string(key)
    except KeyError:
        return False
    return True


@pytest.mark.parametrize(("where", "key"), used_keys())
def test_text_key_exists(where: str, key: str) -> None:
    # the Telegram adapter's own helper prefixes "telegram." itself
    local = where.startswith(("bot/channels/telegram", "templates/telegram")) and exists(
        f"telegram.{key}"
    )
    assert exists(key) or local, f"{where} uses a missing text: {key}"


def test_the_scan_finds_keys() -> None:
    keys = {key for _, key in used_keys()}
    assert {"cli.healthy", "cli.unknown_email", "button.next"} <= keys


def test_strings_are_plain_text_and_templates_escape_them_once() -> None:
    t = texts()
    assert t.string("cli.unknown_email", email="a&b<c>@x.org") == (
        "No contact has the email address a&b<c>@x.org; "
        "`auditbot partnerships list` shows who is set up."
    )
    html = t.env.from_string('{{ s("cli.unknown_email", email=e) }}').render(e="<b>&")
    assert "&lt;b&gt;&amp;" in html
    assert "&amp;lt;" not in html and "&amp;amp;" not in html


def test_counts_read_as_english_everywhere() -> None:
    t = texts()
    assert t.string("cli.import_done", partnerships=1, added=2, updated=0) == (
        "Imported: 1 new partnership, 2 new contacts, 0 contacts updated."
    )
    render = t.env.from_string('{{ n | count("entry", "entries") }}').render
    assert [render(n=n) for n in (0, 1, 2)] == ["0 entries", "1 entry", "2 entries"]


def test_no_text_counts_with_an_s_in_brackets() -> None:
    """ "1 question(s)" reads as a machine wrote it: texts use the `count` filter."""
    root = Path(__file__).parents[2] / "templates"
    found = [
        f"{path.relative_to(root)}: {line.strip()[:60]}"
        for path in root.rglob("*")
        if path.is_file() and path.suffix in (".j2", ".yaml")
        for line in path.read_text("utf-8").splitlines()
        if re.search(r"\w\((s|es)\)", line)
    ]
    assert found == []
