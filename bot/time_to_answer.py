"""How long the audit takes, as the welcome, /help and reminders tell people."""

from __future__ import annotations

import math

MINUTES_PER_QUESTION = 0.5
"""Most questions are a tick; a few ask for a sentence."""


def minutes_to_answer(questions: int) -> int:
    """About how many minutes `questions` questions take (at least one)."""
    return max(1, math.ceil(questions * MINUTES_PER_QUESTION))
