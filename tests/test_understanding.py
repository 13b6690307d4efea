"""Replies as patients type them: forgiving of phrasing, never guessing when unsure."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.conversation.understanding import (
    interpret_choice,
    interpret_date,
    interpret_number,
    interpret_scale,
    interpret_yes_no,
)

FEELING = {"better": ("good", "fine"), "same": ("no change",), "worse": ("bad", "not good")}


@pytest.mark.parametrize(("text", "value"), [
    ("yes", True), ("Yeah", True), ("yep!", True), ("Y", True), ("sí", True), ("si", True),
    ("I have", True), ("no", False), ("Nope", False), ("nah", False), ("not really", False),
    ("No I don't", False), ("NO.", False), ("i do not", False),
])
def test_yes_and_no_in_many_forms(text: str, value: bool) -> None:
    assert interpret_yes_no(text).understood
    assert interpret_yes_no(text).value is value


@pytest.mark.parametrize("text", ["maybe", "yes and no", "purple", "", "??"])
def test_unclear_yes_no_is_not_guessed(text: str) -> None:
    assert not interpret_yes_no(text).understood


@pytest.mark.parametrize(("text", "value"), [
    ("101.5", 101.5), ("38.5 C", 101.3), ("38.5", 101.3), ("99 F", 99), ("100 degrees", 100),
    ("it was 100.4", 100.4),
])
def test_temperatures_convert_to_the_questions_unit(text: str, value: float) -> None:
    result = interpret_number(text, "F", 90, 110)
    assert result.understood and result.value == value and result.unit == "F"


def test_numbers_outside_the_range_or_doubled_are_not_understood() -> None:
    assert not interpret_number("250", "F", 90, 110).understood
    assert not interpret_number("99 or 100", "F", 90, 110).understood
    assert interpret_number("180 lbs", "kg").value == 81.6


def test_choices_by_word_synonym_number_and_longest_phrase() -> None:
    assert interpret_choice("Worse", FEELING).value == "worse"
    assert interpret_choice("2", FEELING).value == "same"
    assert interpret_choice("not good at all", FEELING).value == "worse"
    assert interpret_choice("pretty good", FEELING).value == "better"
    assert not interpret_choice("good and bad", FEELING).understood
    assert not interpret_choice("7", FEELING).understood


def test_scale_accepts_out_of_ten() -> None:
    assert interpret_scale("7/10").value == 7
    assert interpret_scale("about 4 out of 10").value == 4
    assert not interpret_scale("11").understood


@pytest.mark.parametrize("text", ["3/14/1950", "03-14-1950", "1950-03-14", "March 14, 1950",
                                  "14 March 1950", "mar 14th 1950", "03141950", "3/14/50",
                                  "14 marzo 1950"])
def test_dates_written_many_ways(text: str) -> None:
    result = interpret_date(text, today=date(2026, 11, 24))
    assert result.understood and result.value == "1950-03-14"


def test_impossible_or_future_dates_are_not_understood() -> None:
    today = date(2026, 11, 24)
    assert not interpret_date("2/30/1950", today).understood
    assert not interpret_date("1/1/2030", today).understood
    assert not interpret_date("my birthday", today).understood


@pytest.mark.parametrize(("text", "value"), [
    ("I think so", True), ("probably", True), ("a little", True), ("creo que sí", True),
    ("I don't think so", False), ("probably not", False), ("creo que no", False),
    ("maybe", None), ("no sé", None),
])
def test_hedges_are_not_taken_as_answers_but_lean_one_way(text: str, value: bool | None) -> None:
    result = interpret_yes_no(text)
    assert not result.understood and result.hedged and result.value is value


@pytest.mark.parametrize(("text", "value"), [
    ("yesss", True), ("nooo", False), ("sii", True), ("No, I have been fine", False),
    ("yes, and my legs are a bit swollen", True), ("nop", False), ("claro que sí", True),
])
def test_stretched_words_and_answers_that_add_something(text: str, value: bool) -> None:
    result = interpret_yes_no(text)
    assert result.understood and result.value is value


@pytest.mark.parametrize(("text", "value"), [
    ("ninety nine point five", 99.5), ("a hundred and one", 101), ("treinta y ocho y medio", 101.3),
    ("cien", 100), ("38 y medio", 101.3),
])
def test_numbers_in_words_in_both_languages(text: str, value: float) -> None:
    assert interpret_number(text, "F", 90, 110).value == value


def test_a_change_is_read_as_a_signed_difference_not_a_reading() -> None:
    up = interpret_number("2 lbs more than yesterday", "lb", 50, 700)
    down = interpret_number("lost one kilo", "lb", 50, 700)
    assert (up.value, up.change) == (2, True)
    assert (down.value, down.unit, down.change) == (-2.2, "lb", True)
    assert interpret_number("182 pounds", "lb", 50, 700).change is False
