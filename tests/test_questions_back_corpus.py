"""Questions back to us, measured: each corpus reply goes the way the dialogue takes it (the
safety net's emergencies, then the keywords, then the answer read for the question asked)
and, only when it is not an answer, through `recognise`. Accuracy per class on the
development set (tuned on) and on the blind held-out set (never tuned on); no clear answer
may be taken for a question."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.conversation.flow_loader import FlowLibrary
from assistant.conversation.flows import Question
from assistant.conversation.keywords import asks_for_person, keyword
from assistant.conversation.prompts import PromptCatalogue
from assistant.conversation.questions_back import recognise
from assistant.conversation.understanding import interpret, is_skip
from assistant.foundation.config import PROJECT_ROOT
from assistant.safety import assess

CORPUS = Path(__file__).parent / "corpus"
CLASSES = ("who", "why", "medicine", "none")
LIBRARY = FlowLibrary.load(PROJECT_ROOT / "flows", PromptCatalogue.load(PROJECT_ROOT / "prompts"))
QUESTIONS: dict[str, Question] = {}
for _flow in LIBRARY.flows.values():
    for _id, _question in _flow.questions.items():
        QUESTIONS.setdefault(_id, _question)


def outcome(case: dict[str, Any]) -> tuple[str, str | None]:
    """What the dialogue does with the reply: (class, medicine asked about)."""
    text, question = str(case["text"]), QUESTIONS[case["asked"]]
    if assess(text).emergencies or keyword(text) or asks_for_person(text):
        return "none", None
    if question.optional and is_skip(text):
        return "none", None
    read = interpret(question.kind, text, unit=question.unit, choices=question.choices,
                     minimum=question.minimum, maximum=question.maximum,
                     today=date(2026, 1, 15), language=case.get("lang", "en"),
                     question=question.id)
    if read.understood and not (read.change and not question.accepts_change):
        return "none", None
    back = recognise(text, case.get("medicine") if case["asked"] == "meds_taking" else None)
    if back is None:
        return "none", None
    return back.kind, back.about if back.kind == "medicine" else None


def measure(name: str) -> tuple[dict[str, float], list[str], list[str]]:
    """Accuracy per class; the mistakes; the clear answers taken for questions."""
    cases = yaml.safe_load((CORPUS / name).read_text(encoding="utf-8"))
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    mistakes, answers_taken = [], []
    for case in cases:
        expect = case["expect"]
        got, about = outcome(case)
        total[expect] += 1
        ok = got == expect and (expect != "medicine" or about == str(case.get("about")).lower())
        right[expect] += ok
        if not ok:
            mistakes.append(f"{case['text']!r} ({case['asked']}): expected {expect}"
                            f"{' ' + str(case.get('about')) if expect == 'medicine' else ''}, "
                            f"got {got}{' ' + str(about) if about else ''}")
        if expect == "none" and got != "none":
            answers_taken.append(case["text"])
    accuracy = {c: right[c] / total[c] for c in CLASSES if total[c]}
    accuracy["all"] = sum(right.values()) / sum(total.values())
    return accuracy, mistakes, answers_taken


def report(name: str) -> tuple[dict[str, float], list[str]]:
    accuracy, mistakes, answers_taken = measure(name)
    print(f"\n{name}: " + ", ".join(f"{c} {a:.0%}" for c, a in accuracy.items()))
    print("\n".join(mistakes))
    return accuracy, answers_taken


def test_the_development_set() -> None:
    accuracy, answers_taken = report("questions_back_dev.yaml")
    assert accuracy["all"] >= 0.95
    assert all(accuracy[c] >= 0.9 for c in CLASSES)
    assert answers_taken == []


def test_the_held_out_set() -> None:
    """Measured once, with the rules frozen (2026-11-28): who 74%, why 54%, medicine 59%,
    none 100%, all 73%. The floors sit a little below; never tune on this file."""
    accuracy, answers_taken = report("questions_back_heldout.yaml")
    assert accuracy["all"] >= 0.70
    assert accuracy["who"] >= 0.70
    assert accuracy["why"] >= 0.50
    assert accuracy["medicine"] >= 0.55
    assert answers_taken == []


@pytest.mark.parametrize("name", ["questions_back_dev.yaml", "questions_back_heldout.yaml"])
def test_a_clear_answer_is_never_taken_for_a_question(name: str) -> None:
    cases = yaml.safe_load((CORPUS / name).read_text(encoding="utf-8"))
    for case in cases:
        question = QUESTIONS[case["asked"]]
        read = interpret(question.kind, str(case["text"]), unit=question.unit,
                         choices=question.choices, minimum=question.minimum,
                         maximum=question.maximum, today=date(2026, 1, 15),
                         language=case.get("lang", "en"), question=question.id)
        if read.understood and case["expect"] == "none":
            assert outcome(case) == ("none", None), case["text"]
