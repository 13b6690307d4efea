"""The transition table a turn moves a conversation with is the chart, read once: on every
shipped flow, from every state, every event goes where the chart would send it."""

from __future__ import annotations

import random
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from assistant.conversation.chart import ChartCache, compile_chart
from assistant.conversation.flow_loader import FlowLibrary
from assistant.conversation.flow_transitions import NoTransition
from assistant.conversation.flows import AnswerView, Condition, Flow
from assistant.conversation.prompts import PromptCatalogue
from assistant.foundation.config import PROJECT_ROOT

PROMPTS = PromptCatalogue.load(PROJECT_ROOT / "prompts")
LIBRARY = FlowLibrary.load(PROJECT_ROOT / "flows", PROMPTS)
EVENTS = ("answer", "escalate", "opt_out", "expire")
ANSWER_SETS = 40  # random answers tried from each state (a fixed seed: the same every run)


def _leaves(condition: Condition | None) -> Iterator[Condition]:
    if condition is None:
        return
    if condition.op in ("all", "any"):
        for child in condition.children:
            yield from _leaves(child)
    else:
        yield condition


def _candidates(flow: Flow) -> dict[str, list[AnswerView]]:
    """For each answer or fact a branch tests, values on both sides of every test, and
    answers not understood."""
    values: dict[str, list[Any]] = {}
    for question in flow.questions.values():
        for branch in question.branches:
            for leaf in _leaves(branch.when):
                found = values.setdefault(leaf.question or "", [True, False, None, "yes", "no"])
                operand = leaf.operand
                options = list(operand) if isinstance(operand, list | tuple) else [operand]
                for option in options:
                    found.append(option)
                    if isinstance(option, int | float) and not isinstance(option, bool):
                        found += [option - 1, option + 1, option - 0.5]
                found += [c for choice in question.choices for c in (choice,)]
    return {key: [AnswerView(value) for value in found] + [AnswerView(None, False)]
            for key, found in values.items()}


def _answer_sets(flow: Flow, rng: random.Random) -> Iterator[dict[str, AnswerView]]:
    candidates = _candidates(flow)
    yield {}
    for _ in range(ANSWER_SETS):
        yield {key: rng.choice(options) for key, options in candidates.items()
               if rng.random() < 0.85}


def _chart_goes(chart: Any, state: str, event: str, answers: dict[str, AnswerView]) -> str:
    model = SimpleNamespace(state=state)
    machine = chart(model=model, state_field="state")
    try:
        machine.send(event, answers=answers)
    except Exception as error:  # the chart refuses an event it has no way out for
        return f"refused: {type(error).__name__}"
    return model.state


def _table_goes(cache: ChartCache, flow: Flow, state: str, event: str,
                answers: dict[str, AnswerView]) -> str:
    model = SimpleNamespace(state=state)
    try:
        cache.machine(flow, model).send(event, answers=answers)  # type: ignore[arg-type]
    except NoTransition:
        return "refused: TransitionNotAllowed"
    return model.state


@pytest.mark.parametrize("flow_id", sorted(LIBRARY.flows))
def test_the_table_sends_every_event_where_the_chart_does(flow_id: str) -> None:
    flow = LIBRARY.flows[flow_id]
    chart, cache, rng = compile_chart(flow), ChartCache(), random.Random(flow_id)
    answer_sets = list(_answer_sets(flow, rng))
    compared = set()
    for state in chart.states:
        for event in EVENTS:
            # Only "answer" has conditions; the shared exits are tried once.
            for answers in answer_sets if event == "answer" else answer_sets[:1]:
                expected = _chart_goes(chart, state.id, event, answers)
                assert _table_goes(cache, flow, state.id, event, answers) == expected, (
                    f"{flow_id}: {event} from {state.id} with {answers}")
                compared.add((state.id, expected))
    # Every conditional branch was taken at least once, so the conditions were exercised.
    for question in flow.questions.values():
        for branch in question.branches:
            assert (question.id, branch.target) in compared, (question.id, branch.target)


@pytest.mark.parametrize("flow_id", sorted(LIBRARY.flows))
def test_a_new_conversation_starts_where_the_chart_starts(flow_id: str) -> None:
    flow = LIBRARY.flows[flow_id]
    model = SimpleNamespace(state=None)
    ChartCache().machine(flow, model)  # type: ignore[arg-type]
    assert model.state == compile_chart(flow).initial_state.id == next(iter(flow.questions))


def test_the_table_is_read_once_per_flow_version() -> None:
    flow, cache = LIBRARY.flows["general"], ChartCache()
    assert cache.table_for(flow) is cache.table_for(flow)
