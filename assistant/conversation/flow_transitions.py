"""A flow's transitions as a table, so that a turn moves a conversation without a chart.

The StateChart that `chart.py` compiles stays the definition: the editor draws it and the
flow checks walk it. Instantiating one per turn cost a tenth of an SMS turn, so each compiled
chart is read once into this table (cached beside it, by the flow's checksum) and a turn
looks its next state up here, with the same rule as the chart: of an event's transitions
from the current state, in the order they were declared, the first whose condition holds.
tests/test_flow_transitions.py holds table and chart equal on every shipped flow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from statemachine import StateChart
from statemachine.callbacks import CallbackGroup

from assistant.conversation.flows import AnswerView, Condition
from assistant.records.models import Conversation


class NoTransition(RuntimeError):
    """An event the current state does not take: as the chart (which is set not to ignore
    one), a bug in the dialogue, never something to pass over."""


@dataclass(frozen=True)
class Way:
    """One transition out of a state: where it goes, and the condition it needs (if any)."""

    target: str
    when: Condition | None = None


@dataclass(frozen=True)
class TransitionTable:
    initial: str
    ways: Mapping[str, Mapping[str, tuple[Way, ...]]]  # state -> event -> transitions

    @classmethod
    def from_chart(cls, chart: type[StateChart]) -> TransitionTable:
        ways: dict[str, dict[str, list[Way]]] = {}
        for state in chart.states:
            events = ways.setdefault(state.id, {})
            for transition in state.transitions:
                for event in transition.events:
                    events.setdefault(str(event), []).append(
                        Way(transition.target.id, _condition(transition)))
        return cls(initial=chart.initial_state.id,
                   ways={state: {event: tuple(found) for event, found in events.items()}
                         for state, events in ways.items()})

    def next_state(self, state: str, event: str,
                   answers: Mapping[str, AnswerView] | None = None) -> str:
        for way in self.ways.get(state, {}).get(event, ()):
            if way.when is None or way.when.holds(answers or {}):
                return way.target
        raise NoTransition(f"no {event!r} from {state!r}")  # a bug in the dialogue


def _condition(transition: Any) -> Condition | None:
    """The flow's condition on a chart transition (`chart._guard` keeps it on the guard)."""
    guards = [spec.func for spec in transition._specs if spec.group is CallbackGroup.COND]
    if not guards:
        return None
    if len(guards) > 1 or not hasattr(guards[0], "condition"):
        raise ValueError(f"transition {transition} has a guard the table cannot read")
    return guards[0].condition


class ConversationMachine:
    """Moves a conversation's `state` as the chart would (`send("answer", answers=...)`);
    a new conversation starts in the chart's initial state."""

    def __init__(self, table: TransitionTable, conversation: Conversation) -> None:
        self.table = table
        self.conversation = conversation
        if conversation.state is None:
            conversation.state = table.initial

    def send(self, event: str, answers: Mapping[str, AnswerView] | None = None) -> None:
        self.conversation.state = self.table.next_state(self.conversation.state or "", event,
                                                        answers)
