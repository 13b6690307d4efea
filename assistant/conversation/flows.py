"""Flows as data: the typed, immutable form of a validated flow file.

Conditions are small data structures evaluated here; nothing a person typed is ever
`eval`'d. Loading and validating the YAML is `flow_loader`'s job.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from assistant.conversation.prompts import Prompt


@dataclass(frozen=True)
class ItemAnswer:
    """One medicine's answer to a question asked once per medicine."""

    value: Any
    understood: bool
    high_risk: bool


@dataclass(frozen=True)
class AnswerView:
    """What conditions see of an answer: its value and whether it was understood; for a
    question asked once per medicine, each medicine's answer."""

    value: Any
    understood: bool = True
    items: tuple[ItemAnswer, ...] = ()


@dataclass(frozen=True)
class Condition:
    """A test over answers (or derived values): a leaf on one of them, or `all`/`any`."""

    question: str | None = None
    op: str = ""
    operand: Any = None
    children: tuple[Condition, ...] = ()
    high_risk: bool | None = None
    # The questions a derived value is computed from; empty for a plain answer.
    sources: tuple[str, ...] = ()
    # A fact about the stay rather than an answer ("appointment_known"): no question changes it.
    episode_fact: bool = False

    def holds(self, answers: Mapping[str, AnswerView]) -> bool:
        if self.op == "all":
            return all(child.holds(answers) for child in self.children)
        if self.op == "any":
            return any(child.holds(answers) for child in self.children)
        answer = answers.get(self.question or "")
        if answer is None:
            return False
        if answer.items:
            return any(self._test(item.value, item.understood) for item in answer.items
                       if self.high_risk is None or item.high_risk == self.high_risk)
        return self._test(answer.value, answer.understood)

    def _test(self, value: Any, understood: bool) -> bool:
        if self.op == "unclear":
            # Not known either way: never understood, or skipped ("SKIP" to an optional
            # reading: a fever with no thermometer is still a fever to follow up).
            return (not understood or value is None) == bool(self.operand)
        if not understood or value is None:
            return False
        if self.op == "is":
            return value == self.operand
        if self.op == "in":
            return value in self.operand
        if not isinstance(value, int | float) or isinstance(value, bool):
            return False
        return {
            "gte": value >= self.operand,
            "gt": value > self.operand,
            "lte": value <= self.operand,
            "lt": value < self.operand,
        }[self.op]

    def questions(self) -> set[str]:
        """The questions whose answers can change this condition's outcome."""
        if self.episode_fact:
            return set()
        found = set(self.sources) if self.sources else {self.question} if self.question else set()
        for child in self.children:
            found |= child.questions()
        return found


@dataclass(frozen=True)
class Branch:
    target: str
    when: Condition | None = None


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    prompt: str
    branches: tuple[Branch, ...]
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unit: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    identity: bool = False
    optional: bool = False
    # Asked once per medicine with one of these tags (the medicine is {medicine} in prompts).
    for_each_medication: tuple[str, ...] = ()
    # Asked only when the episode has a medicine with one of these tags.
    only_with_medications: tuple[str, ...] = ()
    # A number that may be said as a difference ("up 2 pounds").
    accepts_change: bool = False
    # An answer still unclear after the re-asks goes to a nurse for review: set for questions
    # that can hide a warning sign (see flow_schema.SYMPTOM_QUESTIONS).
    unclear_review: bool = False
    # Asked only when this holds (e.g. {appointment_known: true}); otherwise passed by, its
    # branches followed as for a question left unanswered.
    only_when: Condition | None = None

    def applies_to(self, medication_tags: set[str],
                   facts: Mapping[str, AnswerView] | None = None) -> bool:
        wanted = set(self.for_each_medication or self.only_with_medications)
        if wanted and not wanted & medication_tags:
            return False
        return self.only_when is None or self.only_when.holds(facts or {})


@dataclass(frozen=True)
class Rule:
    id: str
    when: Condition
    severity: str
    say: str
    summary: str
    # "routine": an urgent rule that becomes routine when no nurse can call the same day (a
    # patient's own request for a call should not page a nurse at night); the patient is
    # told the day the call will really come.
    off_duty: str | None = None


@dataclass(frozen=True)
class PlannedContact:
    """A check-in `day` days (or business days) after discharge, at a local time."""

    label: str
    day: int
    at: str
    channel: str
    business_days: bool = False
    fallback: str | None = None


@dataclass(frozen=True)
class FlowTest:
    """A scripted conversation the flow must pass: replies in, expectations out."""

    name: str
    script: dict[str, Any]  # patient, replies (and identity), as for `carecall converse`
    language: str
    end_state: str | None
    alerts: dict[str, str] | None  # reason → severity, exactly; None: not checked
    answers: dict[str, Any]
    says: tuple[str, ...]


@dataclass(frozen=True)
class Flow:
    id: str
    title: str
    languages: tuple[str, ...]
    questions: dict[str, Question]
    rules: tuple[Rule, ...]
    schedule: tuple[PlannedContact, ...]
    source: dict[str, Any]
    tests: tuple[FlowTest, ...] = ()
    warnings: tuple[str, ...] = field(default=(), compare=False)
    # The flow's own wording, language → prompt id → Prompt, over the shared prompt files.
    prompts: dict[str, dict[str, Prompt]] = field(default_factory=dict, compare=False)

    @property
    def first_question(self) -> str:
        return next(iter(self.questions))

    @cached_property
    def checksum(self) -> str:
        canonical = json.dumps(self.source, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def rules_for(self, question_id: str) -> list[Rule]:
        return [rule for rule in self.rules if question_id in rule.when.questions()]
