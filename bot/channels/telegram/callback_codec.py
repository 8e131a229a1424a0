"""Every inline button's callback data goes through here: compact, versioned, validated.

Format: ``a1|<op>|<question id>|<value>``, at most 64 bytes. Anything that does not decode
exactly (old versions, forged or truncated data) is refused with `MalformedCallback`.

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
_QID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,40}$")
_VALUE = re.compile(r"^[a-z]{1,12}$")

_ARGS: dict[str, str] = {
    # op: which parts it carries: "q" question id, "v" value
    "c": "qv",  # Choose
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
        case ev.Choose(question_id, value):
            parts = ["c", question_id, value]
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
    if not data or len(data.encode()) > MAX_BYTES:
        raise MalformedCallback("empty or too long")
    prefix, *rest = data.split(_SEP)
    if prefix != PREFIX or not rest or rest[0] not in _ARGS:
        raise MalformedCallback("unknown prefix or operation")
    op, args = rest[0], rest[1:]
    wanted = _ARGS[op]
    if len(args) != len(wanted):
        raise MalformedCallback("wrong number of parts")
    qid = args[0] if wanted else ""
    if wanted and not _QID.match(qid):
        raise MalformedCallback("bad question id")
    if "v" in wanted and not _VALUE.match(args[1]):
        raise MalformedCallback("bad value")
    match op:
        case "c":
            return ev.Choose(qid, args[1])
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
    if not data:
        return None
    parts = data.split(_SEP)
    if len(parts) != 3 or parts[0] != SNOOZE_PREFIX or not parts[2].isdigit():
        return None
    return int(parts[2]), parts[1]
