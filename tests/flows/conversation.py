"""A conversation with the pure audit engine, applied the way AuditService applies it."""

from __future__ import annotations

from collections.abc import Mapping

from bot.flows import effects as fx
from bot.flows import events as ev
from bot.flows.audit import decide
from bot.flows.state import Context, Decision, FlowState
from bot.questionnaire import Questionnaire
from bot.texts import texts
from storage.records import Answer

TOTAL = 44
SIGNER = ("Jo Bloggs", "Head of inclusion")
"""Who the contact is and the role they signed off with before (`AuditService` passes the
contact's name and their last role)."""


class Conversation:
    """Applies decisions the way AuditService does: changes merged, submit remembered."""

    def __init__(
        self,
        questionnaire: Questionnaire,
        answers: Mapping[str, Answer] | None = None,
        state: FlowState | None = None,
        submitted: bool = False,
        round_open: bool = True,
        signer: tuple[str | None, str | None] = SIGNER,
        carried: Mapping[str, fx.Carried] | None = None,
        queries: Mapping[str, str] | None = None,
    ) -> None:
        self.q = questionnaire
        self.answers: dict[str, Answer] = dict(answers or {})
        self.state = state or FlowState()
        self.submitted = submitted
        self.round_open = round_open
        self.signer = signer
        self.signed: fx.Signer | None = None
        self.carried = dict(carried or {})
        self.queries = dict(queries or {})
        """Open LA queries; as in AuditService, a change to the answer or note closes one."""

    @property
    def ctx(self) -> Context:
        return Context(
            self.q,
            dict(self.answers),
            self.submitted,
            self.round_open,
            vocabulary=texts().vocabulary,
            signer_name=self.signer[0],
            signer_role=self.signer[1],
            carried=self.carried,
            queries=self.queries,
        )

    def send(self, event: ev.Event) -> Decision:
        decision = decide(self.ctx, self.state, event)
        for change in decision.changes:
            self.answers[change.question_id] = Answer(change.value, change.note)
            self.queries.pop(change.question_id, None)
        if decision.submit:
            self.submitted = True
            self.signed = decision.signer
        self.state = decision.state
        return decision

    def pos(self, question_id: str) -> int:
        position = self.q.position(question_id)
        assert position is not None
        return position

    def at(self, question_id: str) -> FlowState:
        """The state of someone answering in order who has reached this question."""
        return FlowState(position=self.pos(question_id), started=True)


def all_answered(q: Questionnaire) -> dict[str, Answer]:
    return {item.id: Answer(item.kind.choices[0] if item.kind.choices else "") for item in q.items}


def quiet(decision: Decision, before: FlowState) -> None:
    """Nothing happened: no effect, no change, the same state."""
    assert decision.effects == ()
    assert decision.changes == ()
    assert decision.submit is False
    assert decision.state == before


def only_review(decision: Decision) -> fx.ShowReview:
    """The one review a decision shows (after whatever it recorded)."""
    reviews = [e for e in decision.effects if isinstance(e, fx.ShowReview)]
    assert len(reviews) == 1, decision.effects
    assert decision.effects[-1] is reviews[0], decision.effects
    return reviews[0]
