"""Scoring the blind answer corpus: each reply read the way the product reads it, as an answer
to the shipped flows' question with that id (a choice for `meds_picked_up`, yes/no for the
symptom questions), and compared with what its writer meant."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from assistant.conversation.flow_loader import FlowLibrary
from assistant.conversation.flows import Question
from assistant.conversation.prompts import PromptCatalogue
from assistant.conversation.understanding import interpret

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CORPUS = PROJECT_ROOT / "tests" / "corpus"
RANGES = {"lb": (60, 700), "F": (90, 110), "C": (30, 45), "mg/dL": (20, 800)}


def load(name: str) -> list[dict]:
    return yaml.safe_load((CORPUS / name).read_text(encoding="utf-8"))


@cache
def shipped_questions() -> dict[str, Question]:
    """The shipped flows' questions by id, loaded once (every case is read against them)."""
    library = FlowLibrary.load(PROJECT_ROOT / "flows",
                               PromptCatalogue.load(PROJECT_ROOT / "prompts"))
    questions: dict[str, Question] = {}
    for flow in library.flows.values():
        for question in flow.questions.values():
            questions.setdefault(question.id, question)
    return questions


@dataclass(frozen=True)
class Outcome:
    case: dict
    read: str  # what the product made of it, for the failure message

    @property
    def passed(self) -> bool:
        return self.read == expected(self.case)


def expected(case: dict) -> str:
    """"yes", "hedged yes" (confirmed before stored), "unclear", "184.2"..."""
    value = case["value"]
    if value == "unclear":
        return "unclear"
    if case["kind"] == "number":
        return str(round(float(value), 1))
    hedged = case["hedged"] and case["kind"] == "yes_no" and value in ("yes", "no")
    return f"hedged {value}" if hedged else str(value)


def read(case: dict, questions: dict[str, Question]) -> Outcome:
    text, kind = str(case["text"]), case["kind"]
    if kind == "number":
        unit = case["unit"]
        result = interpret("number", text, unit=unit, minimum=RANGES[unit][0],
                           maximum=RANGES[unit][1])
        # A change ("up 3 pounds") is not a reading: the weight question keeps it as a change
        # for the weight rules, and no reading is stored, which is what "unclear" means here.
        shown = str(round(float(result.value), 1)) if result.understood and not result.change \
            else "unclear"
        return Outcome(case, shown)
    question = questions[case["question"]]
    result = interpret(question.kind, text, choices=question.choices, question=question.id)
    value = result.value
    if isinstance(value, bool):
        value = "yes" if value else "no"
    if result.understood:
        return Outcome(case, str(value))
    if result.hedged and value is not None:
        return Outcome(case, f"hedged {value}")
    return Outcome(case, "unclear")


def score(cases: list[dict]) -> tuple[list[Outcome], dict[str, tuple[int, int]]]:
    """Every outcome, and (passed, total) by kind and overall."""
    questions = shipped_questions()
    outcomes = [read(case, questions) for case in cases]
    totals, passed = Counter[str](), Counter[str]()
    for outcome in outcomes:
        for key in (outcome.case["kind"], "all"):
            totals[key] += 1
            passed[key] += outcome.passed
    return outcomes, {key: (passed[key], totals[key]) for key in totals}
