"""Questions back to us, measured: each corpus reply goes the way the dialogue takes it (the
safety net's emergencies, then the keywords, then the answer read for the question asked)
and, only when it is not an answer, through `recognise`. Accuracy per class on three sets:
the development set (tuned on since round 1), the first held-out set (blind in round 1, the
tuning set of round 2) and the second held-out set (blind in round 2, never tuned on). No
clear answer may be taken for a question."""

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
    assessment = assess(text)
    if assessment.emergencies or keyword(text) or asks_for_person(text):
        return "none", None
    if question.optional and is_skip(text):
        return "none", None
    read = interpret(question.kind, text, unit=question.unit, choices=question.choices,
                     minimum=question.minimum, maximum=question.maximum,
                     today=date(2026, 1, 15), language=case.get("lang", "en"),
                     question=question.id)
    if read.understood and not (read.change and not question.accepts_change):
        return "none", None
    if any(not finding.by_reader for finding in assessment.findings):
        return "none", None  # a sign the rules found is checked, not answered
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


def test_the_tuning_set_round_2() -> None:
    """The first held-out set: blind in round 1 (who 74%, why 54%, medicine 59%, none 100%,
    all 73%), then tuned on in round 2: who 86%, why 86%, medicine 87%, none 100%, all 90%.
    Its remaining misses are read as answers before they reach `recognise`."""
    accuracy, answers_taken = report("questions_back_heldout.yaml")
    assert accuracy["all"] >= 0.87
    assert accuracy["who"] >= 0.83
    assert accuracy["why"] >= 0.83
    assert accuracy["medicine"] >= 0.84
    assert answers_taken == []


def test_the_blind_set_round_2() -> None:
    """The second held-out set, written before round 2 and opened once with the rules frozen
    (commit eb2b667): who 73%, why 69%, medicine 75%, none 98%, all 80%; the one answer taken
    for a question ("why would i have chest pain? ..."; the rules had found the sign) was a
    general bug, fixed after: a reply naming a sign is checked, not answered (none 100%, all
    81%). The floors sit a little below; never tune on this file."""
    accuracy, answers_taken = report("questions_back_heldout2.yaml")
    assert accuracy["all"] >= 0.77
    assert accuracy["who"] >= 0.70
    assert accuracy["why"] >= 0.65
    assert accuracy["medicine"] >= 0.70
    assert answers_taken == []


SETS = ["questions_back_dev.yaml", "questions_back_heldout.yaml", "questions_back_heldout2.yaml"]


@pytest.mark.parametrize("name", SETS)
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
