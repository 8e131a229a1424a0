"""Every inline button's callback data goes through here: compact, versioned, validated.

Format: ``a1|<op>|<question id>|<value>``, at most 64 bytes. Anything that does not decode
exactly (old versions, forged or truncated data) is refused with `MalformedCallback`.
Anyone can send any callback data, so decoding accepts ASCII only, matches whole strings
(``$`` would let a trailing newline through) and raises nothing else.

Reminders' snooze buttons have their own format, ``z1|<choice>|<round id>``
(`encode_snooze`, `decode_snooze`): they are not audit flow events.
"""

from __future__ import annotations

import re

from bot.flows import events as ev

PREFIX = "a1"
SNOOZE_PREFIX = "z1"
MAX_BYTES = 64
_SEP = "|"
_QID = re.compile(r"[a-z0-9][a-z0-9_.-]{0,40}", re.ASCII)
_VALUE = re.compile(r"[a-z]{1,12}", re.ASCII)
# 18 digits fit SQLite's 64-bit integers; str.isdigit would take "²" and "٣"
_SNOOZE = re.compile(rf"{SNOOZE_PREFIX}\|([a-z]{{1,12}})\|([0-9]{{1,18}})", re.ASCII)

_ARGS: dict[str, str] = {
    # op: which parts it carries: "q" question id, "v" value
    "c": "qv",  # Choose
    "o": "qv",  # Choose, confirmed over a colleague's answer
    "p": "qv",  # Place the text the bot asked about: value "note" or "answer"
    "k": "q",  # Keep (a colleague's answer)
    "n": "q",  # Next
    "s": "q",  # Skip
    "b": "q",  # Back
    "j": "q",  # Jump
    "r": "",  # Review
    "u": "",  # Submit
    "y": "",  # Confirm
    "x": "",  # CancelSubmit
    "g": "",  # Start (continue)
}


class MalformedCallback(ValueError):
    """Callback data that this version of the bot did not make."""


def encode(event: ev.Event) -> str:
    match event:
        case ev.Choose(question_id, value, confirmed):
            parts = ["o" if confirmed else "c", question_id, value]
        case ev.Place(question_id, use):
            parts = ["p", question_id, use.value]
        case ev.Keep(question_id):
            parts = ["k", question_id]
        case ev.Next(question_id):
            parts = ["n", question_id or ""]
        case ev.Skip(question_id):
            parts = ["s", question_id or ""]
        case ev.Back(question_id):
            parts = ["b", question_id or ""]
        case ev.Jump(question_id):
            parts = ["j", question_id]
        case ev.Review():
            parts = ["r"]
        case ev.Submit():
            parts = ["u"]
        case ev.Confirm():
            parts = ["y"]
        case ev.CancelSubmit():
            parts = ["x"]
        case ev.Start():
            parts = ["g"]
        case _:
            raise ValueError(f"{event!r} has no button")
    data = _SEP.join([PREFIX, *parts])
    decode(data)  # never hand out data we would refuse
    return data


def decode(data: str | None) -> ev.Event:
    if not isinstance(data, str) or not data or not data.isascii() or len(data) > MAX_BYTES:
        raise MalformedCallback("empty, not ASCII or too long")
    prefix, *rest = data.split(_SEP)
    if prefix != PREFIX or not rest or rest[0] not in _ARGS:
        raise MalformedCallback("unknown prefix or operation")
    op, args = rest[0], rest[1:]
    wanted = _ARGS[op]
    if len(args) != len(wanted):
        raise MalformedCallback("wrong number of parts")
    qid = args[0] if wanted else ""
    if wanted and not _QID.fullmatch(qid):
        raise MalformedCallback("bad question id")
    if "v" in wanted and not _VALUE.fullmatch(args[1]):
        raise MalformedCallback("bad value")
    match op:
        case "c" | "o":
            return ev.Choose(qid, args[1], confirmed=op == "o")
        case "p":
            try:
                return ev.Place(qid, ev.Use(args[1]))
            except ValueError:
                raise MalformedCallback("bad use") from None
        case "k":
            return ev.Keep(qid)
        case "n":
            return ev.Next(qid)
        case "s":
            return ev.Skip(qid)
        case "b":
            return ev.Back(qid)
        case "j":
            return ev.Jump(qid)
        case "r":
            return ev.Review()
        case "u":
            return ev.Submit()
        case "y":
            return ev.Confirm()
        case "x":
            return ev.CancelSubmit()
    return ev.Start()


def encode_snooze(round_id: int, choice: str) -> str:
    """A snooze button's data: `choice` is a reminders.SnoozeChoice value."""
    return _SEP.join([SNOOZE_PREFIX, choice, str(round_id)])


def decode_snooze(data: str | None) -> tuple[int, str] | None:
    """(round id, choice value) from a snooze button's data, or None if it is not one."""
    if not isinstance(data, str) or not data.isascii() or len(data) > MAX_BYTES:
        return None
    found = _SNOOZE.fullmatch(data)
    if found is None:
        return None
    return int(found[2]), found[1]
