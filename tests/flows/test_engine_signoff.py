"""The named sign-off of a submission, in the pure engine: the name defaults to the
contact's, the role is typed once and offered again, and nothing is submitted without both."""

from __future__ import annotations

from bot.flows import effects as fx
from bot.flows import events as ev
from bot.flows.state import MAX_SIGNER, Decision, FlowState, Mode
from bot.questionnaire import Questionnaire
from tests.flows.conversation import SIGNER, Conversation, all_answered, quiet

NAME, ROLE = SIGNER


def first_time(q: Questionnaire) -> Conversation:
    """A contact who has never signed off: their name is known, their role is not."""
    return Conversation(q, all_answered(q), signer=(NAME, None))


def only_confirm(d: Decision) -> fx.AskConfirm:
    (confirm,) = d.effects
    assert isinstance(confirm, fx.AskConfirm), d.effects
    return confirm


def test_a_remembered_role_makes_submitting_one_tap(questionnaire: Questionnaire) -> None:
    conv = Conversation(questionnaire, all_answered(questionnaire))
    confirm = only_confirm(conv.send(ev.Submit()))
    assert (confirm.name, confirm.role, confirm.typing) == (NAME, ROLE, None)
    assert confirm.signer == fx.Signer(NAME, ROLE)
    d = conv.send(ev.Confirm())
    assert d.submit and d.signer == fx.Signer(NAME, ROLE)
    assert d.effects == (fx.Submitted((), fx.Signer(NAME, ROLE)),)
    assert d.state.sign_name is None and d.state.signing is None


def test_the_first_time_the_role_is_typed_then_confirmed(questionnaire: Questionnaire) -> None:
    conv = first_time(questionnaire)
    confirm = only_confirm(conv.send(ev.Submit()))
    assert (confirm.name, confirm.role, confirm.typing) == (NAME, None, ev.SignerPart.ROLE)
    assert confirm.signer is None
    typed = only_confirm(conv.send(ev.Text("  Head of   inclusion ")))
    assert (typed.name, typed.role, typed.typing) == (NAME, "Head of inclusion", None)
    assert conv.state.mode is Mode.CONFIRM
    d = conv.send(ev.Confirm())
    assert d.signer == fx.Signer(NAME, "Head of inclusion")
    assert conv.submitted and conv.signed == fx.Signer(NAME, "Head of inclusion")


def test_confirm_without_a_role_submits_nothing_and_asks_for_it(
    questionnaire: Questionnaire,
) -> None:
    conv = first_time(questionnaire)
    conv.send(ev.Submit())
    d = conv.send(ev.Confirm())
    assert d.submit is False and d.signer is None
    assert only_confirm(d).typing is ev.SignerPart.ROLE
    assert not conv.submitted


def test_another_name_is_typed_after_its_button(questionnaire: Questionnaire) -> None:
    conv = Conversation(questionnaire, all_answered(questionnaire))
    conv.send(ev.Submit())
    asking = only_confirm(conv.send(ev.Sign(ev.SignerPart.NAME)))
    assert asking.typing is ev.SignerPart.NAME
    typed = only_confirm(conv.send(ev.Text("Ann Other")))
    assert (typed.name, typed.role, typed.typing) == ("Ann Other", ROLE, None)
    conv.send(ev.Sign(ev.SignerPart.ROLE))
    conv.send(ev.Text("Deputy head"))
    assert conv.send(ev.Confirm()).signer == fx.Signer("Ann Other", "Deputy head")


def test_a_name_and_role_given_with_the_event_sign_at_once(questionnaire: Questionnaire) -> None:
    """An email's "SUBMIT name, role": no further step for the sign-off."""
    conv = first_time(questionnaire)
    confirm = only_confirm(conv.send(ev.Submit("Sam Smith", "SENCo")))
    assert confirm.signer == fx.Signer("Sam Smith", "SENCo")
    assert conv.send(ev.Confirm()).signer == fx.Signer("Sam Smith", "SENCo")


def test_confirm_can_carry_the_sign_off(questionnaire: Questionnaire) -> None:
    conv = first_time(questionnaire)
    conv.send(ev.Submit())
    d = conv.send(ev.Confirm(None, "Chair"))
    assert d.signer == fx.Signer(NAME, "Chair")


def test_a_too_long_name_or_role_is_refused(questionnaire: Questionnaire) -> None:
    conv = first_time(questionnaire)
    conv.send(ev.Submit())
    before = conv.state
    d = conv.send(ev.Text("x" * (MAX_SIGNER + 1)))
    assert d.effects == (fx.Rejected(fx.Reason.SIGNER_TOO_LONG),)
    assert conv.state == before
    d = conv.send(ev.Submit("x" * (MAX_SIGNER + 1), "Chair"))
    assert d.effects == (fx.Rejected(fx.Reason.SIGNER_TOO_LONG),)


def test_cancel_forgets_what_was_typed(questionnaire: Questionnaire) -> None:
    conv = first_time(questionnaire)
    conv.send(ev.Submit())
    conv.send(ev.Text("Chair"))
    conv.send(ev.CancelSubmit())
    assert conv.state.mode is Mode.REVIEW and conv.state.sign_role is None
    assert only_confirm(conv.send(ev.Submit())).role is None


def test_sign_outside_the_confirmation_is_a_stale_button(questionnaire: Questionnaire) -> None:
    conv = Conversation(questionnaire, all_answered(questionnaire))
    conv.send(ev.Review())
    d = conv.send(ev.Sign(ev.SignerPart.NAME))
    assert d.effects == (fx.Rejected(fx.Reason.STALE_BUTTON),)
    conv.send(ev.Submit())
    conv.send(ev.Confirm())
    quiet(conv.send(ev.Confirm()), conv.state)


def test_a_contact_without_a_name_types_it_first(questionnaire: Questionnaire) -> None:
    conv = Conversation(questionnaire, all_answered(questionnaire), signer=(None, None))
    assert only_confirm(conv.send(ev.Submit())).typing is ev.SignerPart.NAME
    assert only_confirm(conv.send(ev.Text("Jo"))).typing is ev.SignerPart.ROLE
    assert only_confirm(conv.send(ev.Text("Chair"))).signer == fx.Signer("Jo", "Chair")


def test_the_sign_off_in_progress_survives_a_restart(questionnaire: Questionnaire) -> None:
    conv = first_time(questionnaire)
    conv.send(ev.Submit())
    conv.send(ev.Sign(ev.SignerPart.NAME))
    restored = FlowState.from_json(conv.state.to_json(), questionnaire)
    assert restored == conv.state
    assert restored.signing is ev.SignerPart.NAME
    assert (
        FlowState.from_json(
            '{"mode": "confirm", "position": 0, "started": true, "then": null, "signing": "bogus"}',
            questionnaire,
        )
        == FlowState()
    )
