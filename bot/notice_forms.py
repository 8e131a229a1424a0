"""A notice that carries a partnership's filled-in form gets it when it is sent, not when
it is queued.

Filling the Word form takes 60-150 ms of CPU, too long to spend inside the transaction of
the tap that submits (every other tap waits for the database meanwhile). Everything the
form is filled from is in the database, committed with the notice, so the outbox row only
names the form (`with_form`); the outbox worker builds and attaches it (`attach_form`) on
each attempt, showing the answers as they stand then, changes since submission marked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.notices import Attachment, Notice
from bot.summary.partnership_form import partnership_docx
from storage import Database

FORM_KEY = "form"
"""The payload key naming the form to attach (beside the notice's own "notice" key)."""
ATTACHED = "form_attached"
"""The notice context key its templates read: whether the form goes with it."""


def with_form(
    notice: Notice, round_id: int, partnership_id: int, timezone: str, caption: str
) -> dict[str, Any]:
    """`notice` as an outbox payload that asks for the partnership's form to be attached
    (`caption` a strings.yaml key); until it is, the notice says no form is attached."""
    payload = replace(notice, context={**notice.context, ATTACHED: False}).to_payload()
    payload[FORM_KEY] = {
        "round_id": round_id,
        "partnership_id": partnership_id,
        "timezone": timezone,
        "caption": caption,
    }
    return payload


async def attach_form(db: Database, payload: Mapping[str, Any], now: datetime) -> Mapping[str, Any]:
    """The payload with the form it asks for attached (and the notice told so); any other
    payload as it is. A form with nothing left to fill it from (the round was purged) is
    left out, and the notice goes without it."""
    wanted = payload.get(FORM_KEY)
    if wanted is None:
        return payload
    notice = Notice.from_payload(payload)
    if notice is None:
        return payload
    built = await partnership_docx(
        db,
        int(wanted["round_id"]),
        int(wanted["partnership_id"]),
        now,
        ZoneInfo(str(wanted["timezone"])),
    )
    if built is None:
        return notice.to_payload()
    filename, content = built
    attached = replace(
        notice,
        context={**notice.context, ATTACHED: True},
        attachments=(*notice.attachments, Attachment(filename, content, str(wanted["caption"]))),
    )
    return attached.to_payload()
