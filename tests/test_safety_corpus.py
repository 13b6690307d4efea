"""The safety net measured on patients' own words (tests/corpus/safety, docs/SAFETY.md).

The development files are what the vocabulary was tuned on: every red flag in them must be
caught, except the few listed with their reason in known_misses.json. The held-out files
were written blind and are never tuned on: their figures must not fall below the ones last
published.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.safety import assess
from assistant.safety.measure import load, measure

CORPUS = Path(__file__).parent / "corpus" / "safety"
DEVELOPMENT = sorted(CORPUS.glob("development*.yaml"))
PUBLISHED = json.loads((CORPUS / "published.json").read_text())
KNOWN_MISSES = {m["text"] for m in json.loads((CORPUS / "known_misses.json").read_text())["misses"]}
CASES = [case for path in DEVELOPMENT for case in load(path)]
RED_FLAGS = [case for case in CASES if case["severity"] != "none"]


def test_every_red_flag_in_the_development_set_is_caught_but_the_listed_few() -> None:
    missed = []
    for case in RED_FLAGS:
        found = assess(case["text"])
        if not found.findings or ("self_harm" in case["flags"]
                                  and "self_harm" not in found.flags):  # 988, not only 911
            missed.append(case["text"])
    assert [text for text in missed if text not in KNOWN_MISSES] == []
    assert KNOWN_MISSES - set(missed) == set(), "caught now: take these off known_misses.json"


def test_the_known_misses_are_few() -> None:
    assert len(KNOWN_MISSES) <= len(RED_FLAGS) // 100


def test_the_development_set_raises_few_false_flags() -> None:
    report = measure([case for case in CASES if case["severity"] == "none"])
    assert report.overall.figures()["false_flags_per_100"] <= 2.0, report.false_flags


HELD_OUT = sorted(name for name in PUBLISHED if name.endswith(".yaml"))


def test_every_corpus_file_is_development_or_held_out() -> None:
    names = {path.name for path in CORPUS.glob("*.yaml")}
    assert names == {path.name for path in DEVELOPMENT} | set(HELD_OUT)


@pytest.mark.parametrize("name", HELD_OUT)
def test_held_out_figures_do_not_fall_below_the_published_ones(name: str) -> None:
    figures = measure(load(CORPUS / name)).overall.figures()
    published = PUBLISHED[name]
    assert figures["recall"] >= published["recall"]
    assert figures["self_harm_988"] >= published["self_harm_988"]
    assert figures["emergency_instruction"] >= published["emergency_instruction"]
    assert figures["false_flags_per_100"] <= published["false_flags_per_100"]


def test_the_corpus_is_the_size_the_issue_asks_for() -> None:
    cases = [case for path in CORPUS.glob("*.yaml") for case in load(path)]
    red = [case for case in cases if case["severity"] != "none"]
    assert len(red) >= 1000 and len(cases) - len(red) >= 400
