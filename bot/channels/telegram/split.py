"""Long Telegram HTML cut into messages within Telegram's length limit.

The text is cut preferably at blank lines, else at line ends, else at spaces; tags still
open at a cut are closed at the end of one message and reopened at the start of the next,
and entities are never split.
"""

from __future__ import annotations

import re

TELEGRAM_LIMIT = 4096
_ATOM = re.compile(r"<[^<>]*>|&#?\w+;|[^<&]", re.DOTALL)
_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)[^>]*?(/?)>")


def split_html(html: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Cut Telegram HTML into messages of at most `limit` characters, tags balanced."""
    atoms = _ATOM.findall(html)
    messages: list[str] = []
    start = 0
    stack: tuple[tuple[str, str], ...] = ()
    while start < len(atoms):
        reopen = "".join(tag for _, tag in stack)
        end, stack_at_end = _cut(atoms, start, stack, limit - len(reopen))
        body = reopen + "".join(atoms[start:end]) + _closers(stack_at_end)
        if _visible(body).strip():
            messages.append(body.strip())
        start, stack = end, stack_at_end
        while start < len(atoms) and atoms[start].isspace():
            start += 1
    return messages


def _cut(
    atoms: list[str], start: int, stack: tuple[tuple[str, str], ...], budget: int
) -> tuple[int, tuple[tuple[str, str], ...]]:
    """Where the message starting at `start` should end, and the tags open there."""
    length = 0
    best: dict[int, tuple[int, tuple[tuple[str, str], ...]]] = {}
    i = start
    while i < len(atoms):
        atom = atoms[i]
        after = _push(stack, atom)
        if length + len(atom) + len(_closers(after)) > budget:
            break
        length += len(atom)
        stack = after
        i += 1
        if atom == "\n":
            paragraph = i - start >= 2 and atoms[i - 2] == "\n"
            best[2 if paragraph else 1] = (i, stack)
        elif atom == " ":
            best[0] = (i, stack)
    else:
        return i, stack
    for rank in (2, 1, 0):
        if rank in best and best[rank][0] - start > (i - start) // 2:
            return best[rank]
    for rank in (1, 2, 0):
        if rank in best:
            return best[rank]
    if i == start:
        raise ValueError("a single tag or entity is longer than the message limit")
    return i, stack


def _push(stack: tuple[tuple[str, str], ...], atom: str) -> tuple[tuple[str, str], ...]:
    match = _TAG.fullmatch(atom)
    if match is None or match.group(3):
        return stack
    closing, name = match.group(1), match.group(2).lower()
    if not closing:
        return (*stack, (name, atom))
    for depth in range(len(stack) - 1, -1, -1):
        if stack[depth][0] == name:
            return stack[:depth] + stack[depth + 1 :]
    return stack


def _closers(stack: tuple[tuple[str, str], ...]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _visible(html: str) -> str:
    return _TAG.sub("", html)
