"""The named sign-off of a submission: the words the signer confirms, and reading a name and
role typed on one line ("Jane Smith, Head of inclusion")."""

from __future__ import annotations

from bot.questionnaire import Questionnaire
from bot.texts import texts


def attestation(questionnaire: Questionnaire) -> str:
    """What the person signing off confirms: the questionnaire's own wording (its
    `attestation`), else the usual one (templates/strings.yaml, `signoff.attestation`)."""
    return questionnaire.attestation or texts().string("signoff.attestation")


def read_signer(text: str) -> tuple[str | None, str | None]:
    """ "Name, role" -> (name, role); a text without a comma is a role alone. The role may
    itself have commas ("Head of inclusion, SEND"): the name is what comes before the first."""
    name, comma, role = text.partition(",")
    if not comma:
        return None, " ".join(text.split()) or None
    return " ".join(name.split()) or None, " ".join(role.split()) or None
