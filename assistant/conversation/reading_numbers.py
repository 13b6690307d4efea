"""Numbers in replies: weights, temperatures and sugars with their units, spoken or typed,
readings or changes ("up 2 pounds"), and 0-10 scales."""

from __future__ import annotations

import re

from text_to_num import alpha2digit

from assistant.conversation.interpretation import (
    NOT_UNDERSTOOD,
    Interpretation,
    find_labels,
    normalise,
)
from assistant.conversation.spoken_numbers import decimal_points, spoken_digits

UNIT_WORDS = {
    "lb": "lb", "lbs": "lb", "pound": "lb", "pounds": "lb", "libras": "lb", "libra": "lb",
    "kg": "kg", "kgs": "kg", "kilo": "kg", "kilos": "kg", "kilogram": "kg", "kilograms": "kg",
    "f": "F", "°f": "F", "fahrenheit": "F", "degrees f": "F",
    "c": "C", "°c": "C", "celsius": "C", "centigrade": "C", "degrees c": "C",
    "mg/dl": "mg/dL", "mgdl": "mg/dL", "mg": "mg/dL",
}


UNIT_NAMES = {"f": "F", "c": "C", "lb": "lb", "lbs": "lb", "kg": "kg", "mg/dl": "mg/dL"}


_NUMBER = re.compile(r"(-?\d+(?:[.,]\d+)?)\s*(°?\s?[a-z/]+(?:\s[fc]\b)?)?")


# "A hundred something" spans a hundred numbers; "99 y algo" (99 and a bit) is 99.
_VAGUE = re.compile(r"\d\s+(?:and\s+)?(?:something|odd)\b")


# "181, up from 178 yesterday": the earlier reading is context, not the answer.
_EARLIER = re.compile(r"\b(?:up|down|from|subi|baje|bajo|subio)\s+(?:from|de|desde)\s+"
                      r"\d+(?:\.\d+)?(?:\s*(?:lbs?|pounds?|libras?|kg|kilos?))?")


_THEN = re.compile(r"^.*\d.*\b(?:then|now|later|luego|despues|ahora)\b(?=.*\d)")


def _latest_reading(text: str) -> str:
    """Two readings in order ("99.1 then 100.2"): the latest is the answer."""
    return _THEN.sub(" ", _EARLIER.sub(" ", text))


def convert(value: float, unit: str, target: str) -> float:
    if unit == target:
        return value
    conversions = {
        ("kg", "lb"): lambda v: v * 2.20462262,
        ("lb", "kg"): lambda v: v / 2.20462262,
        ("C", "F"): lambda v: v * 9 / 5 + 32,
        ("F", "C"): lambda v: (v - 32) * 5 / 9,
    }
    try:
        return conversions[(unit, target)](value)
    except KeyError:
        raise ValueError(f"cannot convert {unit} to {target}") from None


def _guess_temperature_unit(value: float) -> str:
    # A body temperature between 30 and 45 can only be Celsius; between 86 and 113 Fahrenheit.
    return "C" if value < 50 else "F"


INCREASE = ("up", "more", "gained", "gain", "heavier", "increase", "increased", "higher",
            "subi", "aumente", "mas", "arriba")


DECREASE = ("down", "less", "lost", "lighter", "decrease", "decreased", "lower", "baje",
            "menos", "perdi", "abajo")


def numbers_as_digits(text: str) -> str:
    """Number words to digits in English and Spanish ("ninety nine point five" → 99.5)."""
    text = spoken_digits(text)
    for language in ("en", "es"):
        text = alpha2digit(text, language, threshold=0)
    text = decimal_points(text)
    return re.sub(r"\b(\d+)\s+(?:and a half|y medio|y media)\b", r"\1.5", text)


def interpret_number(
    text: str, unit: str | None = None, minimum: float | None = None,
    maximum: float | None = None,
) -> Interpretation:
    # "37,5" is how Spanish writes 37.5.
    cleaned = numbers_as_digits(normalise(re.sub(r"(\d),(\d{1,2})\b", r"\1.\2", text)))
    if _VAGUE.search(cleaned):  # "100 something" is not a reading
        return NOT_UNDERSTOOD
    cleaned = _latest_reading(cleaned)
    matches = _NUMBER.findall(cleaned)
    if len(matches) != 1:
        return NOT_UNDERSTOOD
    number_text, unit_text = matches[0]
    value = float(number_text.replace(",", "."))
    said_unit = UNIT_WORDS.get(re.sub(r"^degrees?\s*", "degrees ", unit_text.strip())
                               ) or UNIT_WORDS.get(unit_text.replace(" ", "").strip())
    words = set(cleaned.split())
    change = -1 if words & set(DECREASE) else 1 if words & set(INCREASE) else 0
    if said_unit is None and unit in ("F", "C") and not change:
        said_unit = _guess_temperature_unit(value)
    if unit and said_unit and said_unit != unit:
        try:
            value = convert(value, said_unit, unit) if not change or unit not in ("F", "C") \
                else value
        except ValueError:
            return NOT_UNDERSTOOD
    value = round(value, 1)
    if value == int(value):
        value = int(value)
    if change:
        # A difference ("2 lbs more than yesterday") is not a reading: no range applies.
        return Interpretation(True, change * value, unit or said_unit, change=True)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        return NOT_UNDERSTOOD
    return Interpretation(True, value, unit or said_unit)


def interpret_scale(text: str, minimum: float = 0, maximum: float = 10,
                    labels: dict[str, tuple[str, ...]] | None = None) -> Interpretation:
    """A whole number in range ("7", "7/10", "seven"), or a labelled point ("nearly every
    day" on the PHQ-2's 0–3 scale) when the question names its points."""
    cleaned = re.sub(r"\b(out of|of|de|/)\s*\d+\b", " ", numbers_as_digits(normalise(text)))
    found = re.findall(r"-?\d+(?:\.\d+)?", cleaned)
    if not found and labels:
        vocabulary = {synonym: key for key, synonyms in labels.items() for synonym in synonyms}
        matched = {label for _, label in find_labels(normalise(text), vocabulary)}
        return Interpretation(True, int(matched.pop())) if len(matched) == 1 else NOT_UNDERSTOOD
    if len(found) != 1:
        return NOT_UNDERSTOOD
    value = float(found[0])
    if value != int(value) or not minimum <= value <= maximum:
        return NOT_UNDERSTOOD
    return Interpretation(True, int(value))
