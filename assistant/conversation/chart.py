"""Compile a flow into a python-statemachine StateChart: one state per question plus the ends.

The chart decides where a conversation goes next; the dialogue decides what the reply meant.
Charts are built once per published flow version and cached, because building one costs
milliseconds while a turn must stay well under that; a turn does not even instantiate one
(a tenth of a turn's time): it looks the next state up in the table read from the chart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from statemachine import StateChart
from statemachine.io import create_machine_class_from_definition

from assistant.conversation.flow_transitions import ConversationMachine, TransitionTable
from assistant.conversation.flows import AnswerView, Condition, Flow
from assistant.records.models import Conversation

END_STATES = ("completed", "handed_over", "opted_out", "expired")


def _guard(condition: Condition) -> Callable[..., bool]:
    def holds(answers: Mapping[str, AnswerView], **_: Any) -> bool:
        return condition.holds(answers)

    holds.condition = condition  # type: ignore[attr-defined]  # read by flow_transitions
    return holds


def compile_chart(flow: Flow) -> type[StateChart]:
    states: dict[str, Any] = {}
    for index, question in enumerate(flow.questions.values()):
        answer_transitions = []
        for branch in question.branches:
            transition: dict[str, Any] = {"target": branch.target}
            if branch.when is not None:
                transition["cond"] = _guard(branch.when)
            answer_transitions.append(transition)
        states[question.id] = {
            "initial": index == 0,
            "on": {
                "answer": answer_transitions,
                "escalate": [{"target": "handed_over"}],
                "opt_out": [{"target": "opted_out"}],
                "expire": [{"target": "expired"}],
            },
        }
    for end in END_STATES:
        states[end] = {"final": True}
    chart = create_machine_class_from_definition(f"Flow_{flow.id}", states=states)
    # An event that a state does not accept is a bug in the dialogue, not something to ignore.
    chart.allow_event_without_transition = False
    return chart


class ChartCache:
    """Compiled charts, and the transition tables read from them, keyed by the flow's checksum
    (a published version never changes)."""

    def __init__(self) -> None:
        self._charts: dict[str, type[StateChart]] = {}
        self._tables: dict[str, TransitionTable] = {}

    def chart_for(self, flow: Flow) -> type[StateChart]:
        key = flow.checksum
        if key not in self._charts:
            self._charts[key] = compile_chart(flow)
        return self._charts[key]

    def table_for(self, flow: Flow) -> TransitionTable:
        key = flow.checksum
        if key not in self._tables:
            self._tables[key] = TransitionTable.from_chart(self.chart_for(flow))
        return self._tables[key]

    def machine(self, flow: Flow, conversation: Conversation) -> ConversationMachine:
        """What a turn moves the conversation with: the chart's transitions, looked up."""
        return ConversationMachine(self.table_for(flow), conversation)
