"""Properties of the audit flow engine over arbitrary event sequences (hypothesis)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cache

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.flows import effects as fx
from bot.flows import events as ev
from bot.flows.audit import decide
from bot.flows.state import (
    MAX_TEXT,
    RETURN_TO_REVIEW,
    Context,
    Decision,
    FlowState,
    Mode,
    unanswered,
)
from bot.questionnaire import Item, Kind, Questionnaire, load_questionnaire
from bot.texts import texts as _strings
from storage.records import Answer

Q: Questionnaire = load_questionnaire()[0]
TOTAL = len(Q.items)
IDS = [item.id for item in Q.items]
SECTIONS = len(Q.sections)
T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
STEP = timedelta(seconds=7)
"""How far the model's clock moves with each event."""

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -- strategies --------------------------------------------------------------------------

question_ids = st.one_of(
    st.sampled_from(IDS),
    st.sampled_from(["", "s9.nope", "S1.ADDRESS", "s1", "s1.address "]),
)
values = st.sampled_from(["yes", "no", "true", "differs", "nothing", "", " yes", "maybe"])
texts = st.one_of(
    st.sampled_from(
        [
            "",
            "   ",
            "\n",
            "a note",
            "  padded  ",
            "x" * MAX_TEXT,
            "x" * (MAX_TEXT + 1),
            "y",
            "no - only pupils on roll",
            "differs: ten years",
            "true",
            "none",
        ]
    ),
    st.text(max_size=20),
)
optional_ids = st.one_of(st.none(), question_ids)
batch_entries = st.builds(
    ev.BatchEntry,
    question_id=question_ids,
    value=st.one_of(st.none(), values, texts),
    note=st.one_of(st.none(), texts),
)
events: st.SearchStrategy[ev.Event] = st.one_of(
    st.just(ev.Start()),
    st.builds(ev.Choose, question_ids, values),
    st.builds(ev.Text, texts),
    st.builds(ev.Next, optional_ids),
    st.builds(ev.Skip, optional_ids),
    st.builds(ev.Back, optional_ids),
    st.builds(ev.Jump, question_ids),
    st.builds(ev.Note, question_ids),
    st.builds(ev.Keep, question_ids),
    st.builds(ev.Review, st.one_of(st.none(), st.integers(-1, len(Q.sections)))),
    st.just(ev.Submit()),
    st.just(ev.Confirm()),
    st.just(ev.CancelSubmit()),
    st.just(ev.Pause()),
    st.just(ev.Status()),
    st.builds(ev.Batch, st.lists(batch_entries, max_size=5).map(tuple)),
)
flow_states = st.builds(
    FlowState,
    mode=st.sampled_from(list(Mode)),
    position=st.integers(0, TOTAL - 1),
    started=st.booleans(),
    then=st.one_of(st.none(), st.integers(RETURN_TO_REVIEW, TOTAL - 1)),
    asked_at=st.one_of(st.none(), st.just(T0 - STEP)),
    previous=st.one_of(st.none(), st.sampled_from(IDS)),
    noted=st.booleans(),
    held=st.one_of(st.none(), st.sampled_from(["kept", "more kept text"])),
)
lags = st.one_of(st.none(), st.integers(-3, 120))
"""How long before it arrived a typed message was sent (None: the channel does not say)."""


def _valid_answer(item: Item) -> st.SearchStrategy[Answer]:
    if item.kind.is_free_text:
        value: st.SearchStrategy[str | None] = st.sampled_from(["", "Some text", None])
    else:
        value = st.sampled_from([*item.kind.choices, None])
    return st.builds(Answer, value, st.sampled_from([None, "a note"]))


@cache
def _aimed_at(item: Item) -> st.SearchStrategy[ev.Event]:
    """Buttons and answers for one question, valid most of the time."""
    answer = (
        st.sampled_from(["nothing", "yes"])
        if item.kind.is_free_text
        else st.sampled_from(item.kind.choices)
    )
    return st.one_of(
        st.builds(ev.Choose, st.just(item.id), answer),
        st.builds(ev.Next, st.just(item.id)),
        st.builds(ev.Skip, st.just(item.id)),
        st.builds(ev.Back, st.just(item.id)),
        st.builds(ev.Jump, st.just(item.id)),
        st.builds(ev.Note, st.just(item.id)),
    )


def next_event(state: FlowState) -> st.SearchStrategy[ev.Event]:
    return _next_event(state.position)


@cache
def _next_event(position: int) -> st.SearchStrategy[ev.Event]:
    """Any event, but mostly one aimed at the question in play or its neighbours."""
    here = Q.items[position]
    near = [Q.items[n] for n in range(max(0, position - 1), min(TOTAL, position + 2))]
    return st.one_of(
        events,
        _aimed_at(here),
        st.sampled_from(near).flatmap(_aimed_at),
        st.just(ev.Pause()),
    )


initial_answers = st.lists(st.sampled_from(Q.items), max_size=10, unique=True).flatmap(
    lambda items: st.fixed_dictionaries({item.id: _valid_answer(item) for item in items})
)

# -- the model ---------------------------------------------------------------------------


def _valid_value(item: Item, value: str | None) -> bool:
    if value is None:
        return True
    if item.kind.is_free_text:
        return len(value) <= MAX_TEXT and value == value.strip()
    return value in item.kind.choices


def _valid_note(note: str | None) -> bool:
    return note is None or (len(note) <= MAX_TEXT and note == note.strip())


def _assert_state_valid(state: FlowState) -> None:
    assert 0 <= state.position < TOTAL
    assert isinstance(state.mode, Mode)
    assert state.then is None or RETURN_TO_REVIEW <= state.then < TOTAL
    assert FlowState.from_json(state.to_json(), Q) == state


def _one_tap(state: FlowState, event: ev.Event) -> bool:
    """A valid tap on the question in view that asks nothing more (all but "differs")."""
    if not isinstance(event, ev.Choose) or state.mode is not Mode.ASKING or state.held:
        return False
    if Q.position(event.question_id) != state.position:
        return False
    item = Q.items[state.position]
    if item.kind.is_free_text:
        return event.value == "nothing"
    return event.value in item.kind.choices and event.value != "differs"


def _check_effects(
    model: Model, before: FlowState, submitted: bool, event: ev.Event, decision: Decision
) -> None:
    """What the effects say agrees with the answers and the state they leave."""
    effects, state = decision.effects, decision.state
    answered = TOTAL - len(unanswered(Q, model.answers))
    for index, effect in enumerate(effects):
        last = index == len(effects) - 1
        match effect:
            case fx.Ask():
                assert last, effects
                assert Q.items[effect.position].id == effect.question_id
                assert effect.answered == answered, (event, effect)
                assert effect.answer == model.answers.get(effect.question_id)
                assert (state.mode, state.position) == (Mode.ASKING, effect.position)
                assert effect.in_review == (state.then == RETURN_TO_REVIEW), (event, effect)
            case fx.ShowReview():
                assert last, effects
                assert state.mode is Mode.REVIEW
                assert effect.unanswered == unanswered(Q, model.answers)
                assert 0 <= effect.section < SECTIONS, effect.section
                if isinstance(event, ev.Review) and event.section in range(SECTIONS):
                    assert effect.section == event.section
                if effect.at_end and effect.unanswered:
                    first = Q.position(effect.unanswered[0])
                    assert first is not None
                    assert effect.section == Q.section_number(first) - 1
            case fx.Skipped():
                # only a skip says "skipped", of the question in view, then goes on
                assert isinstance(event, ev.Skip), (event, effects)
                assert index == 0 and len(effects) == 2, effects
                assert isinstance(effects[1], fx.Ask | fx.ShowReview)
                assert effect.question_id == Q.items[before.position].id
                assert decision.changes == ()
            case fx.OfferNote():
                assert last, effects
                assert (state.mode, state.position) == (Mode.NOTE, Q.position(effect.question_id))
                item = Q.item(effect.question_id)
                if not isinstance(event, ev.Note):
                    # a tap asks for a note only on "our practice differs" (or repeats it)
                    assert isinstance(event, ev.Choose | ev.Text), (event, effects)
                    assert (item.kind is Kind.STATEMENT and effect.answer.value == "differs") or (
                        decision.changes == () and before.mode is Mode.NOTE
                    ), (event, effects)
            case fx.Rejected(reason=fx.Reason.AFTER_SUBMIT):
                assert submitted and isinstance(event, ev.Text), (event, effects)
            case fx.Rejected(reason=fx.Reason.NOT_EXPECTED):
                assert not submitted, (event, effects)
    if model.round_open and _one_tap(before, event):
        # one tap per tick: recorded, and straight on to the next question or the review
        assert len(effects) == 2, (event, effects)
        assert isinstance(effects[0], fx.Recorded)
        assert isinstance(effects[1], fx.Ask | fx.ShowReview)


@dataclass
class Model:
    """Applies decisions the way storage does and checks every step."""

    answers: dict[str, Answer]
    state: FlowState = field(default_factory=FlowState)
    submitted: bool = False
    round_open: bool = True
    now: datetime = T0

    def context(self) -> Context:
        return Context(
            Q,
            dict(self.answers),
            self.submitted,
            self.round_open,
            now=self.now,
            vocabulary=_strings().vocabulary,
            signer_name="Jo Bloggs",
            signer_role="Head of inclusion",
        )

    def send(self, event: ev.Event, after: timedelta = STEP) -> Decision:
        before = dict(self.answers)
        before_state, submitted = self.state, self.submitted
        self.now += after
        decision = decide(self.context(), self.state, event)
        _assert_state_valid(decision.state)
        if not self.round_open:
            assert decision.changes == ()
            assert decision.submit is False
        if decision.submit:
            assert not self.submitted
            assert isinstance(event, ev.Confirm)
        for change in decision.changes:
            item = Q.item(change.question_id)  # KeyError: a change for an unknown question
            old = self.answers.get(change.question_id)
            old_value = old.value if old else None
            if change.value != old_value:
                # a change carries a new valid value, or the existing one: never a blank
                assert change.value is not None, (event, change, old)
                assert _valid_value(item, change.value), (event, change)
            if old is None or change.note != old.note:
                assert _valid_note(change.note), (event, change)
            self.answers[change.question_id] = Answer(change.value, change.note)
        for qid, old in before.items():
            if old.value is not None:
                assert self.answers[qid].value is not None, (event, qid)
        _check_effects(self, before_state, submitted, event, decision)
        if decision.submit:
            self.submitted = True
        self.state = decision.state
        return decision

    def draw(self, data: st.DataObject) -> ev.Event:
        """An event for the state the model is in; typed text sent a little before now."""
        event = data.draw(next_event(self.state))
        if isinstance(event, ev.Text):
            lag = data.draw(lags)
            if lag is not None:
                event = replace(event, sent_at=self.now + STEP - timedelta(seconds=lag))
        return event


def _run(model: Model, data: st.DataObject, steps: int) -> None:
    for _ in range(steps):
        model.send(model.draw(data))


@given(
    answers=initial_answers,
    state=flow_states,
    submitted=st.booleans(),
    round_open=st.booleans(),
    steps=st.integers(0, 40),
    data=st.data(),
)
@SETTINGS
def test_any_event_sequence_keeps_the_flow_valid(
    answers: dict[str, Answer],
    state: FlowState,
    submitted: bool,
    round_open: bool,
    steps: int,
    data: st.DataObject,
) -> None:
    _assert_state_valid(state)
    _run(Model(answers, state, submitted, round_open), data, steps)


@given(answers=initial_answers, state=flow_states, steps=st.integers(0, 40), data=st.data())
@SETTINGS
def test_answering_everything_then_confirming_submits(
    answers: dict[str, Answer], state: FlowState, steps: int, data: st.DataObject
) -> None:
    model = Model(answers, state)
    _run(model, data, steps)
    for item in Q.items:
        if item.id in unanswered(Q, model.answers):
            model.send(ev.Jump(item.id))
            if item.kind.is_free_text:
                model.send(ev.Text(f"answer to {item.id}"))
            else:
                model.send(ev.Choose(item.id, item.kind.choices[-1]))
    assert unanswered(Q, model.answers) == ()
    already = model.submitted
    model.send(ev.Submit())
    decision = model.send(ev.Confirm())
    assert model.submitted
    if not already:
        assert decision.submit is True
        assert decision.effects == (fx.Submitted((), fx.Signer("Jo Bloggs", "Head of inclusion")),)


@given(answers=initial_answers, state=flow_states, steps=st.integers(0, 20), data=st.data())
@SETTINGS
def test_submit_then_confirm_always_submits_an_open_round(
    answers: dict[str, Answer], state: FlowState, steps: int, data: st.DataObject
) -> None:
    model = Model(answers, state)
    _run(model, data, steps)
    model.send(ev.Submit())
    model.send(ev.Confirm())
    assert model.submitted


def _is_button(event: ev.Event) -> bool:
    return isinstance(event, ev.Choose | ev.Note) or (
        isinstance(event, ev.Next | ev.Skip | ev.Back) and event.question_id is not None
    )


@given(
    answers=initial_answers,
    state=flow_states,
    submitted=st.booleans(),
    steps=st.integers(1, 30),
    data=st.data(),
)
@SETTINGS
def test_a_second_tap_of_a_button_is_a_no_op(
    answers: dict[str, Answer],
    state: FlowState,
    submitted: bool,
    steps: int,
    data: st.DataObject,
) -> None:
    """A repeated button (a double tap, or a redelivered press) never changes or asks again
    (a tap repeated after a wait may show the reply again: see the next test)."""
    model = Model(answers, state, submitted)
    for _ in range(steps):
        event = model.draw(data)
        model.send(event)
        if _is_button(event) and data.draw(st.booleans()):
            second = model.send(event, after=timedelta(seconds=1))
            assert second.changes == (), (event, second)
            # nothing new: at most a refusal, or the same note offer again (a lost reply)
            assert all(
                isinstance(e, fx.Rejected)
                or (isinstance(e, fx.OfferNote) and isinstance(event, ev.Choose | ev.Note))
                for e in second.effects
            ), (event, second)
            assert not any(isinstance(e, fx.Ask) for e in second.effects), (event, second)


@given(
    answers=initial_answers,
    state=flow_states,
    submitted=st.booleans(),
    steps=st.integers(1, 30),
    data=st.data(),
)
@SETTINGS
def test_a_tap_repeated_after_a_wait_changes_nothing_and_shows_where_the_person_is(
    answers: dict[str, Answer],
    state: FlowState,
    submitted: bool,
    steps: int,
    data: st.DataObject,
) -> None:
    """The reply to a tap may be lost: tapping again later changes nothing, and at most
    shows again the question in view (or the review), never another one."""
    model = Model(answers, state, submitted)
    for _ in range(steps):
        event = model.draw(data)
        first = model.send(event)
        if isinstance(event, ev.Choose) and data.draw(st.booleans()):
            state = model.state
            second = model.send(event, after=timedelta(seconds=30))
            asked = [e for e in second.effects if isinstance(e, fx.Ask)]
            if any(isinstance(e, fx.Recorded) for e in first.effects) and (
                second.changes == () and asked
            ):
                assert [a.position for a in asked] == [state.position], (event, second)


@given(state=flow_states, steps=st.integers(1, 30), data=st.data())
@SETTINGS
def test_next_never_asks_the_question_it_was_pressed_on(
    state: FlowState, steps: int, data: st.DataObject
) -> None:
    model = Model({}, state)
    for _ in range(steps):
        event = model.draw(data)
        decision = model.send(event)
        if isinstance(event, ev.Next | ev.Skip) and event.question_id is not None:
            asked = [e.question_id for e in decision.effects if isinstance(e, fx.Ask)]
            assert event.question_id not in asked, (event, decision)


@given(
    answers=initial_answers,
    state=flow_states,
    mode=st.sampled_from([Mode.ASKING, Mode.REVIEW, Mode.CONFIRM]),
    question=st.sampled_from(IDS),
    leave=st.sampled_from(["next", "note", "skip"]),
)
@SETTINGS
def test_a_note_opened_on_another_question_returns_where_the_person_was(
    answers: dict[str, Answer], state: FlowState, mode: Mode, question: str, leave: str
) -> None:
    """From a question (or the review), "Note" on another question and then Next, a typed
    note, or Skip there: back at the same question, going on to the same place, or back in
    the review."""
    assume(mode is not Mode.ASKING or Q.position(question) != state.position)
    before = replace(state, mode=mode, started=True, held=None)
    model = Model(answers, before)
    opened = model.send(ev.Note(question))
    assert opened.effects == (fx.OfferNote(question, answers.get(question, Answer(None))),)
    if leave == "next":
        decision = model.send(ev.Next(question))
    elif leave == "note":
        decision = model.send(ev.Text("a note"))
    else:
        decision = model.send(ev.Skip(question))
    back = decision.effects[-1]
    if mode is Mode.ASKING:
        assert isinstance(back, fx.Ask), decision.effects
        assert back.position == before.position
        assert _going_on_to(model.state) == _going_on_to(before), (before, model.state)
    else:
        assert isinstance(back, fx.ShowReview), decision.effects


def _going_on_to(state: FlowState) -> int | None:
    """Where a person goes after the question in view (None: the next one)."""
    return None if state.then == state.position else state.then


@given(raw=st.one_of(st.none(), st.text(max_size=80), st.binary(max_size=40).map(repr)))
@SETTINGS
def test_from_json_never_fails(raw: str | None) -> None:
    _assert_state_valid(FlowState.from_json(raw, Q))


@given(state=flow_states)
@SETTINGS
def test_to_json_round_trips(state: FlowState) -> None:
    assert FlowState.from_json(state.to_json(), Q) == state


def test_the_model_knows_every_kind() -> None:
    assert {item.kind for item in Q.items} == set(Kind)
