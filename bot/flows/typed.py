"""Reading typed text as a choice ("no - only for pupils on roll"), and cleaning typed text
of characters nobody sees. Pure: the words come from the templates."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

Vocabulary = Mapping[str, Mapping[str, Sequence[str]]]
"""kind -> choice value -> the words people type for it (any case)."""

_REST = re.compile(r"(?:\s*[-–—:,.;!)]+|\s*\n)\s*(?P<note>.*)\Z|\s*\Z", re.DOTALL)
"""After the word: nothing, or punctuation or a new line and then the note. "No one checks
it" has neither, so it is not read as "No" with a note."""


@dataclass(frozen=True, slots=True)
class TypedChoice:
    value: str
    note: str | None


def read_choice(
    text: str, kind: str, choices: Sequence[str], vocabulary: Vocabulary
) -> TypedChoice | None:
    """The choice `text` names, with the note typed after it; None if it names none."""
    words = vocabulary.get(kind, {})
    candidates = sorted(
        ((word.casefold(), value) for value in choices for word in (value, *words.get(value, ()))),
        key=lambda pair: -len(pair[0]),
    )
    for word, value in candidates:
        if text[: len(word)].casefold() != word:
            continue
        rest = _REST.match(text, len(word))
        if rest is not None:
            return TypedChoice(value, rest.group("note") or None)
    return None


_INVISIBLE = {"Cc", "Cf", "Zl", "Zp", "Zs"}


def clean(text: str) -> str:
    """`text` without control characters (NUL and the like; new lines and tabs stay) and
    without the invisible characters around it (spaces, zero-width and direction marks, BOM):
    text made only of those comes back empty."""
    kept = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    start, end = 0, len(kept)
    while start < end and _invisible(kept[start]):
        start += 1
    while end > start and _invisible(kept[end - 1]):
        end -= 1
    return kept[start:end]


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) in _INVISIBLE
