"""All user-facing text lives in templates/; this builds the one Jinja environment for it."""

from __future__ import annotations

from datetime import date
from functools import cache, cached_property
from importlib import resources
from typing import Any

import jinja2
import yaml

from bot.questionnaire import Kind
from storage.records import Answer

BAR_WIDTH = 10


class Texts:
    """Renders templates; `.html.j2` files are autoescaped, plain-text ones are not."""

    def __init__(self) -> None:
        root = resources.files("templates")
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(root)),
            autoescape=jinja2.select_autoescape(["html.j2", "html"], default=False),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            undefined=jinja2.StrictUndefined,
            auto_reload=False,  # installed files: no stat() of each template at every render
        )
        self.strings: dict[str, Any] = yaml.safe_load(
            root.joinpath("strings.yaml").read_text("utf-8")
        )
        # Short strings are plain text: whoever shows them escapes them for where they go
        # (an HTML template's autoescape, or the Telegram adapter), exactly once.
        self._plain = jinja2.Environment(undefined=jinja2.StrictUndefined)  # noqa: S701
        self._compiled: dict[str, jinja2.Template] = {}
        self.env.globals["s"] = self.string
        self.env.globals["cs"] = self.channel_string
        self.env.globals["progress_bar"] = progress_bar
        self.env.filters["answer_label"] = self.answer_label
        self.env.filters["as_date"] = as_date
        self.env.filters["in_hint"] = in_hint
        for env in (self.env, self._plain):
            env.filters["count"] = count

    def render(self, name: str, **context: Any) -> str:
        return self.env.get_template(name).render(**context).strip()

    def string(self, key: str, **context: Any) -> str:
        """A short text from templates/strings.yaml, e.g. s('choice.tick.yes')."""
        node: Any = self.strings
        for part in key.split("."):
            node = node[part]
        if not isinstance(node, str):
            raise KeyError(key)
        if not context:
            return node
        if key not in self._compiled:
            self._compiled[key] = self._plain.from_string(node)
        return self._compiled[key].render(**context)

    @cached_property
    def vocabulary(self) -> dict[str, dict[str, list[str]]]:
        """What people may type for each choice, by kind: the `typed` words and the label."""
        words: dict[str, dict[str, list[str]]] = self.strings["typed"]
        found = {
            kind.value: {
                value: [*words.get(kind.value, {}).get(value, []), self.choice_label(kind, value)]
                for value in kind.choices
            }
            for kind in Kind
            if not kind.is_free_text
        }
        # the words that confirm last round's answer in a carry-forward round ("same")
        found["carry"] = {"same": list(self.strings["typed"].get("still_true", []))}
        return found

    def channel_string(self, channel: str, key: str, **context: Any) -> str:
        """`key` as `channel` words it: `overrides.<channel>.<key>` where there is one (the
        terminal has no buttons to mention), else the neutral text."""
        try:
            return self.string(f"overrides.{channel}.{key}", **context)
        except KeyError:
            return self.string(key, **context)

    def choice_label(self, kind: Kind, value: str) -> str:
        return self.string(f"choice.{kind.value}.{value}")

    def answer_label(self, answer: Answer | None, kind: Kind) -> str:
        """How a stored value reads to people: 'Yes', 'True for us', the text itself."""
        if answer is None or answer.value is None:
            return self.string("answer.unanswered")
        if kind.is_free_text:
            return answer.value or self.string("answer.nothing_to_add")
        return self.choice_label(kind, answer.value)


def in_hint(text: str, width: int = 60) -> str:
    """Text inside an email question's "(…)" hint: one line, cut short, without the
    parentheses the reply parser would take for the hint's end."""
    line = " ".join(text.split())
    if len(line) > width:
        line = line[: width - 1].rstrip() + "…"
    return line.translate(str.maketrans("()", "[]"))


def as_date(value: date | str) -> date:
    """A date as notices carry it (ISO text, since they are stored as JSON) or as it is."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def count(number: int, singular: str, plural: str | None = None) -> str:
    """`{{ n | count("question") }}`: "1 question", "2 questions" (never "question(s)")."""
    word = singular if number == 1 else plural or f"{singular}s"
    return f"{number} {word}"


def progress_bar(done: int, total: int) -> str:
    """Full only when everything is done: 43 of 44 is not a full bar."""
    filled = BAR_WIDTH * done // total if total else 0
    return "▰" * filled + "▱" * (BAR_WIDTH - filled)


@cache
def texts() -> Texts:
    return Texts()
