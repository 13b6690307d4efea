"""The diagram an admin sees reads as the flow: every question and ending, each branch with its
condition, and the exits every question shares (escalate, opt out, expire) drawn once."""

from __future__ import annotations

import re

from assistant.authoring.flow_diagram import ANY, mermaid
from assistant.conversation.chart import END_STATES


def test_every_shipped_flow_draws_its_questions_branches_and_shared_exits_once(services
                                                                            ) -> None:
    for flow in services.flows.flows.values():
        text = mermaid(flow)
        assert text.startswith("stateDiagram-v2\n    direction TB\n")
        for state in (*flow.questions, *END_STATES):
            assert f" as {state}\n" in text, (flow.id, state)
        edges = re.findall(r"^\s*(\S+) --> (\S+)(?: : (.+))?$", text, re.MULTILINE)
        assert {(target, label) for source, target, label in edges if source == ANY} == {
            ("handed_over", "Escalate"), ("opted_out", "Opt out"), ("expired", "Expire")}
        assert not [edge for edge in edges if edge[0] in flow.questions
                    and edge[1] in ("handed_over", "opted_out", "expired")], flow.id
        assert "holds" not in text and ":::active" not in text


def test_a_branch_says_its_condition(services) -> None:
    text = mermaid(services.flows.get("general"))
    assert "breathing --> breathing_at_rest : if breathing = yes\n" in text
    assert "breathing --> fever\n" in text  # the plain way on needs no label
    assert "meds_picked_up --> meds_barrier : if meds_picked_up in no/some\n" in text
