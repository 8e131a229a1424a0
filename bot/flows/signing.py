"""Submitting: the confirmation, with the name and role that sign the return off."""

from __future__ import annotations

from dataclasses import replace

from bot.flows import effects as fx
from bot.flows import events as ev
from bot.flows.state import MAX_SIGNER, Decision, FlowState, Mode, unanswered
from bot.flows.turn import Turn
from bot.flows.typed import clean


class SignOff(Turn):
    def submit_asked(self, name: str | None, role: str | None) -> Decision:
        """Submit: confirm first, signed off by the name and role given, else the
        contact's name and the role they gave last time."""
        if self.ctx.submitted:
            return self.reject(fx.Reason.ALREADY_SUBMITTED)
        given = _signer_parts(name, role)
        if given is None:
            return self.reject(fx.Reason.SIGNER_TOO_LONG)
        name, role = given
        return self.ask_confirm(name or self.ctx.signer_name, role or self.ctx.signer_role)

    def confirm(self, name: str | None, role: str | None) -> Decision:
        if self.ctx.submitted:
            return self.quiet()
        if self.state.mode is not Mode.CONFIRM:
            return self.reject(fx.Reason.STALE_BUTTON)
        given = _signer_parts(name, role)
        if given is None:
            return self.reject(fx.Reason.SIGNER_TOO_LONG)
        name, role = given[0] or self.state.sign_name, given[1] or self.state.sign_role
        if not name or not role:
            return self.ask_confirm(name, role)  # the sign-off needs both first
        self.submit = True
        self.signer = fx.Signer(name, role)
        self.state = replace(
            self.state, mode=Mode.REVIEW, sign_name=None, sign_role=None, signing=None
        )
        self.effects.append(fx.Submitted(unanswered(self.q, self.answers), self.signer))
        return self.decision()

    def sign(self, part: ev.SignerPart) -> Decision:
        """The confirmation's "change name" or "change role": typed text gives that part."""
        if self.ctx.submitted or self.state.mode is not Mode.CONFIRM:
            return self.reject(fx.Reason.STALE_BUTTON)
        return self.ask_confirm(self.state.sign_name, self.state.sign_role, part)

    def ask_confirm(
        self, name: str | None, role: str | None, typing: ev.SignerPart | None = None
    ) -> Decision:
        """Submit, signed off by `name` as `role`? Typed text gives `typing`, else the part
        still missing."""
        name, role = name or None, role or None
        if typing is None:
            typing = ev.SignerPart.NAME if not name else ev.SignerPart.ROLE if not role else None
        self.state = FlowState(
            Mode.CONFIRM,
            self.state.position,
            True,
            page=self.state.page,
            sign_name=name,
            sign_role=role,
            signing=typing,
        )
        self.effects.append(fx.AskConfirm(unanswered(self.q, self.answers), name, role, typing))
        return self.decision()

    def sign_text(self, text: str) -> Decision:
        """Typed while confirming a submission: the name or role it asked for (the role,
        unless the person chose to give another name)."""
        if len(text) > MAX_SIGNER:
            return self.reject(fx.Reason.SIGNER_TOO_LONG)
        text = " ".join(text.split())  # one line on the form and in the summary
        name, role = self.state.sign_name, self.state.sign_role
        if self.state.signing is ev.SignerPart.NAME:
            return self.ask_confirm(text, role)
        return self.ask_confirm(name, text)


def _signer_parts(name: str | None, role: str | None) -> tuple[str, str] | None:
    """A name and role given with an event, cleaned ('' for one not given); None if
    either is too long."""
    parts = tuple(" ".join(clean(part or "").split()) for part in (name, role))
    if any(len(part) > MAX_SIGNER for part in parts):
        return None
    return parts[0], parts[1]
