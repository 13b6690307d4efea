"""A corpus of realistic replies, English and Spanish, with what each must mean."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from assistant.conversation.understanding import (
    interpret_choice,
    interpret_date,
    interpret_number,
    interpret_scale,
    interpret_yes_no,
)
from assistant.safety import scan

CORPUS = yaml.safe_load((Path(__file__).parent / "corpus" / "replies.yaml").read_text())
TODAY = date(2026, 11, 24)
FEELING = {"better": ("good", "fine", "ok", "okay", "improving", "mejor", "bien"),
           "same": ("no change", "about the same", "igual", "lo mismo"),
           "worse": ("bad", "not good", "not well", "terrible", "awful", "peor", "mal")}
PHQ2 = {"0": ("not at all", "never", "nunca"),
        "1": ("several days", "some days", "sometimes", "varios dias"),
        "2": ("more than half the days", "more than half", "most days", "mas de la mitad"),
        "3": ("nearly every day", "every day", "casi todos los dias")}
RANGES = {"F": (90, 110), "lb": (50, 700), "mg/dL": (20, 800)}


def cases(section: dict) -> list[tuple[str, str]]:
    return [(label, text) for label, texts in section.items() for text in texts]


def test_the_corpus_holds_at_least_300_replies() -> None:
    def count(node) -> int:  # type: ignore[no-untyped-def]
        if isinstance(node, dict):
            return sum(count(value) for value in node.values())
        if isinstance(node, list) and node and isinstance(node[0], list):
            return len(node)
        return len(node) if isinstance(node, list) else 0

    assert count(CORPUS) >= 300


@pytest.mark.parametrize(("label", "text"), cases(CORPUS["yes_no"]))
def test_yes_no(label: str, text: str) -> None:
    result = interpret_yes_no(text)
    if label == "unclear":
        assert not result.understood
    else:
        assert result.understood and result.value is (label == "yes")


@pytest.mark.parametrize(("label", "text"), cases(CORPUS["hedged"]))
def test_hedges_lean_but_are_confirmed(label: str, text: str) -> None:
    result = interpret_yes_no(text)
    assert result.hedged and not result.understood
    assert result.value is {"yes": True, "no": False, "unsure": None}[label]


@pytest.mark.parametrize(("unit", "text", "value"), [
    (unit, text, value) for unit, rows in CORPUS["number"].items() if not unit.startswith("unclear")
    for text, value in rows])
def test_numbers_with_units(unit: str, text: str, value: float) -> None:
    result = interpret_number(text, unit, *RANGES[unit])
    assert result.understood and result.value == value and not result.change


@pytest.mark.parametrize("text", CORPUS["number"]["unclear_F"])
def test_numbers_that_are_not_a_temperature(text: str) -> None:
    assert not interpret_number(text, "F", *RANGES["F"]).understood


@pytest.mark.parametrize(("text", "value"), CORPUS["change_lb"])
def test_weight_changes(text: str, value: float) -> None:
    result = interpret_number(text, "lb", *RANGES["lb"])
    assert result.understood and result.change and result.value == value


@pytest.mark.parametrize(("text", "value"), CORPUS["scale"])
def test_pain_scale(text: str, value: int) -> None:
    result = interpret_scale(text, 0, 10)
    assert result.understood and result.value == value


@pytest.mark.parametrize("text", CORPUS["unclear_scale"])
def test_unclear_pain_scale(text: str) -> None:
    assert not interpret_scale(text, 0, 10).understood


@pytest.mark.parametrize(("text", "value"), CORPUS["phq2"])
def test_phq2_points_by_number_or_words(text: str, value: int) -> None:
    result = interpret_scale(text, 0, 3, PHQ2)
    assert result.understood and result.value == value


@pytest.mark.parametrize(("label", "text"), cases(CORPUS["choice_feeling"]))
def test_feeling_choice(label: str, text: str) -> None:
    result = interpret_choice(text, FEELING)
    if label == "unclear":
        assert not result.understood
    else:
        assert result.understood and result.value == label


@pytest.mark.parametrize(("text", "value"), CORPUS["date"])
def test_dates(text: str, value: str) -> None:
    result = interpret_date(text, TODAY)
    assert result.understood and result.value == value


@pytest.mark.parametrize("text", CORPUS["unclear_date"])
def test_unclear_dates(text: str) -> None:
    assert not interpret_date(text, TODAY).understood


@pytest.mark.parametrize(("flag", "text"), cases(CORPUS["red_flags"]))
def test_red_flags_are_caught(flag: str, text: str) -> None:
    assert flag in scan(text)


@pytest.mark.parametrize("text", CORPUS["not_red_flags"])
def test_negated_or_harmless_replies_raise_no_red_flag(text: str) -> None:
    assert scan(text) == []
