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
from typing import NamedTuple

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
    "t": "q",  # Note (open the note of an answered question)
    "n": "q",  # Next
    "s": "q",  # Skip
    "b": "q",  # Back
    "j": "q",  # Jump
    "r": "",  # Review
    "w": "q",  # Review, of one section (its index as the "question id")
    "u": "",  # Submit
    "y": "",  # Confirm
    "x": "",  # CancelSubmit
    "a": "q",  # Sign: the part of the sign-off to type next (as the "question id")
    "g": "",  # Start (continue)
    "l": "q",  # StillTrue: last round's answer still holds
    "m": "q",  # SectionStillTrue: all of the question's section still holds
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
        case ev.Note(question_id):
            parts = ["t", question_id]
        case ev.Next(question_id):
            parts = ["n", question_id or ""]
        case ev.Skip(question_id):
            parts = ["s", question_id or ""]
        case ev.Back(question_id):
            parts = ["b", question_id or ""]
        case ev.Jump(question_id):
            parts = ["j", question_id]
        case ev.Review(None):
            parts = ["r"]
        case ev.Review(section):
            parts = ["w", str(section)]
        case ev.Submit():
            parts = ["u"]
        case ev.Confirm():
            parts = ["y"]
        case ev.CancelSubmit():
            parts = ["x"]
        case ev.Sign(part):
            parts = ["a", part.value]
        case ev.Start():
            parts = ["g"]
        case ev.StillTrue(question_id):
            parts = ["l", question_id or ""]
        case ev.SectionStillTrue(question_id):
            parts = ["m", question_id]
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
        case "t":
            return ev.Note(qid)
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
        case "w":
            if not qid.isdigit() or len(qid) > 3:
                raise MalformedCallback("bad section")
            return ev.Review(int(qid))
        case "u":
            return ev.Submit()
        case "y":
            return ev.Confirm()
        case "x":
            return ev.CancelSubmit()
        case "a":
            try:
                return ev.Sign(ev.SignerPart(qid))
            except ValueError:
                raise MalformedCallback("bad part") from None
        case "l":
            return ev.StillTrue(qid)
        case "m":
            return ev.SectionStillTrue(qid)
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


# --- an admin's /query picker: its own format, ``q1|…`` (not audit flow events) ----------

QUERY_PREFIX = "q1"
_QUERY = re.compile(
    rf"{QUERY_PREFIX}\|(?:p\|(?P<page>[0-9]{{1,3}})"
    r"|l\|(?P<pid>[0-9]{1,18})\|(?P<qpage>[0-9]{1,3})"
    rf"|q\|(?P<qpid>[0-9]{{1,18}})\|(?P<qid>{_QID.pattern}))",
    re.ASCII,
)


class QueryPick(NamedTuple):
    """Where an admin is in /query: a page of partnerships (no partnership), a page of one
    partnership's questions (no question), or the question chosen."""

    partnership_id: int | None = None
    page: int = 0
    question_id: str | None = None


def encode_query_pick(pick: QueryPick) -> str:
    if pick.partnership_id is None:
        parts = ["p", str(pick.page)]
    elif pick.question_id is None:
        parts = ["l", str(pick.partnership_id), str(pick.page)]
    else:
        parts = ["q", str(pick.partnership_id), pick.question_id]
    data = _SEP.join([QUERY_PREFIX, *parts])
    if decode_query_pick(data) != pick:
        raise ValueError(f"{pick!r} has no button")
    return data


def decode_query_pick(data: str | None) -> QueryPick | None:
    """The pick in a /query button's data, or None if it is not one."""
    if not isinstance(data, str) or not data.isascii() or len(data) > MAX_BYTES:
        return None
    found = _QUERY.fullmatch(data)
    if found is None:
        return None
    if found["page"] is not None:
        return QueryPick(page=int(found["page"]))
    if found["pid"] is not None:
        return QueryPick(int(found["pid"]), int(found["qpage"]))
    return QueryPick(int(found["qpid"]), question_id=found["qid"])
