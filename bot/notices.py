"""A notice: something the bot sends on its own (a reminder, a flag, the LA summary), said
without any channel's words. The outbox stores notices; each channel's deliverer renders
the notice's kind through its own templates and turns its actions into its own controls
(Telegram: buttons through the callback codec) when it sends it."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Intent(StrEnum):
    """What an action asks for, whatever the channel."""

    CONTINUE = "continue"
    """Start or carry on with the audit (the flow's Start)."""
    SNOOZE = "snooze"
    """Hold the reminders: args `round_id` and `choice` (a reminders.SnoozeChoice)."""
    ANSWER_QUERY = "answer_query"
    """Open one question the LA asked about, to answer it again or add a note: args
    `question_id` (and `number`, the question's number as the channels show it)."""


@dataclass(frozen=True, slots=True)
class Action:
    label: str
    """A key in templates/strings.yaml."""
    intent: Intent
    args: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    caption: str = ""
    """A key in templates/strings.yaml, or empty."""


@dataclass(frozen=True, slots=True)
class Notice:
    kind: str
    """Names the templates, e.g. "reminder.in_progress" -> telegram/notices/<kind>.html.j2."""
    context: Mapping[str, Any]
    """What the templates are given: JSON values only (dates as ISO text)."""
    actions: Sequence[Sequence[Action]] = ()
    """Rows of actions, as a channel may lay them out."""
    attachments: Sequence[Attachment] = ()

    def to_payload(self) -> dict[str, Any]:
        return {
            "notice": {
                "kind": self.kind,
                "context": dict(self.context),
                "actions": [
                    [
                        {"label": a.label, "intent": a.intent.value, "args": dict(a.args)}
                        for a in row
                    ]
                    for row in self.actions
                ],
                "attachments": [
                    {
                        "filename": a.filename,
                        "caption": a.caption,
                        "base64": base64.b64encode(a.content).decode("ascii"),
                    }
                    for a in self.attachments
                ],
            }
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Notice | None:
        """The notice in an outbox payload; None for rows queued before notices existed."""
        raw = payload.get("notice")
        if raw is None:
            return None
        return cls(
            kind=raw["kind"],
            context=raw["context"],
            actions=tuple(
                tuple(Action(a["label"], Intent(a["intent"]), a.get("args", {})) for a in row)
                for row in raw.get("actions", ())
            ),
            attachments=tuple(
                Attachment(a["filename"], base64.b64decode(a["base64"]), a.get("caption", ""))
                for a in raw.get("attachments", ())
            ),
        )


def _action(action: Action) -> dict[str, Any]:
    return {"label": action.label, "intent": action.intent.value, "args": dict(action.args)}
