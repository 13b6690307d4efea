"""The flow's state chart as a Mermaid diagram an admin can read.

python-statemachine draws every transition, and every question has the same three ways out
(escalate to a nurse, opt out, expire): on a twenty-question flow those sixty arrows hide the
branches that matter. They are drawn once, from a single "any question" box, instead; and a
branch says its condition ("if breathing = yes") where the chart only knows a guard "holds"."""

from __future__ import annotations

import re
from collections import defaultdict

from assistant.conversation.chart import compile_chart
from assistant.conversation.flows import Condition, Flow

EDGE = re.compile(r"^\s*(\w+) --> (\w+) : (.+)$")
# Upper case: never a question id (flow_schema.ID_PATTERN is lower case).
ANY = "ANY_QUESTION"
OPERATORS = {"is": "=", "in": "in", "gte": "≥", "gt": "above", "lte": "≤", "lt": "below",
             "unclear": "unclear"}
UNSAFE = re.compile(r"[^\w\s.,/=≥≤+-]")  # nothing Mermaid reads as syntax in a label


def mermaid(flow: Flow) -> str:
    """The chart in Mermaid, top to bottom (it fits a page and a phone), with the exits every
    question shares drawn once. The "active" colouring of a fresh chart's first state is left
    out: the start arrow already shows it."""
    lines = format(compile_chart(flow)(), "mermaid").splitlines()
    questions = set(flow.questions)
    sources: dict[tuple[str, str], set[str]] = defaultdict(set)
    for line in lines:
        if edge := EDGE.match(line):
            sources[(edge[2], edge[3])].add(edge[1])
    shared = sorted(key for key, found in sources.items()
                    if len(questions) > 1 and questions <= found)
    drawn = []
    for line in lines:
        edge = EDGE.match(line)
        if edge and (edge[2], edge[3]) in shared and edge[1] in questions:
            continue
        if not line.strip() or "classDef active" in line or line.endswith(":::active"):
            continue
        if edge and edge[1] in questions and edge[3].startswith("Answer"):
            line = _answer_edge(flow, edge[1], edge[2])
        drawn.append(line.replace("direction LR", "direction TB"))
    if shared:
        first_edge = next(i for i, line in enumerate(drawn) if "-->" in line)
        drawn.insert(first_edge, f'    state "Any question" as {ANY}')
        drawn += [f"    {ANY} --> {target} : {label}" for target, label in shared]
    return "\n".join(drawn) + "\n"


def _answer_edge(flow: Flow, source: str, target: str) -> str:
    conditions = [branch.when for branch in flow.questions[source].branches
                  if branch.target == target and branch.when is not None]
    if not conditions:
        return f"    {source} --> {target}"
    label = UNSAFE.sub("", " or ".join(_describe(c) for c in conditions))
    return f"    {source} --> {target} : if {label}"


def _describe(condition: Condition) -> str:
    if condition.op in ("all", "any"):
        joiner = " and " if condition.op == "all" else " or "
        return joiner.join(_describe(child) for child in condition.children)
    if condition.op == "unclear":
        return f"{condition.question} {'unclear' if condition.operand else 'clear'}"
    items = condition.operand if isinstance(condition.operand, list | tuple) else [
        condition.operand]
    operand = "/".join(_word(item) for item in items)
    return f"{condition.question} {OPERATORS.get(condition.op, condition.op)} {operand}"


def _word(value: object) -> str:
    """A value as the flow's author wrote it: YAML's yes and no are booleans once loaded."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
