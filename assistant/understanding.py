"""Turning a patient's reply into a value: forgiving of phrasing, strict about meaning.

A reply is `understood` only when it means one thing; anything ambiguous is left
not understood so the dialogue asks again rather than guessing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

YES = {
    "yes", "y", "yeah", "yea", "yep", "yup", "ya", "yah", "sure", "correct", "right",
    "affirmative", "definitely", "absolutely", "certainly", "ok", "okay", "si", "claro", "yess",
    "yesss", "ye", "yes.", "uh-huh", "uh huh", "i do", "i have", "i am", "i did",
    "sip", "claro que si", "por supuesto", "correcto", "asi es", "afirmativo", "si tengo",
    "si senor", "si senora", "de acuerdo",
}
NO = {
    "no", "n", "nope", "nah", "na", "not", "none", "never", "negative", "nothing", "nay",
    "noo", "nooo", "i don't", "i dont", "i do not", "i haven't", "i havent", "i have not",
    "i am not", "i'm not", "im not", "i didn't", "i didnt", "nada", "ninguno", "ninguna",
    "not really", "no way", "nop", "nel", "para nada", "tampoco", "negativo", "no tengo",
    "en absoluto",
}
SKIP = {"skip", "don't know", "dont know", "do not know", "not sure", "unsure", "no idea",
        "can't check", "cant check", "no thermometer", "no se", "no sé"}

UNIT_WORDS = {
    "lb": "lb", "lbs": "lb", "pound": "lb", "pounds": "lb", "libras": "lb", "libra": "lb",
    "kg": "kg", "kgs": "kg", "kilo": "kg", "kilos": "kg", "kilogram": "kg", "kilograms": "kg",
    "f": "F", "°f": "F", "fahrenheit": "F", "degrees f": "F",
    "c": "C", "°c": "C", "celsius": "C", "centigrade": "C", "degrees c": "C",
    "mg/dl": "mg/dL", "mgdl": "mg/dL", "mg": "mg/dL",
}
MONTHS = {
    name: index + 1
    for index, names in enumerate([
        ("january", "jan", "enero"), ("february", "feb", "febrero"), ("march", "mar", "marzo"),
        ("april", "apr", "abril"), ("may", "mayo"), ("june", "jun", "junio"),
        ("july", "jul", "julio"), ("august", "aug", "agosto"),
        ("september", "sep", "sept", "septiembre"), ("october", "oct", "octubre"),
        ("november", "nov", "noviembre"), ("december", "dec", "diciembre"),
    ])
    for name in names
}


@dataclass(frozen=True)
class Interpretation:
    understood: bool
    value: Any = None
    unit: str | None = None


NOT_UNDERSTOOD = Interpretation(False)


def normalise(text: str) -> str:
    """Lower case, accents off, punctuation to spaces, single spaces."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^\w\s'/.°-]", " ", text)
    return re.sub(r"\s+", " ", text).strip(" .")


def _labels(text: str, vocabulary: dict[str, str], longest: int = 4) -> list[str]:
    """Labels of the phrases in `text`, longest phrase first, so "not good" is not "good"."""
    words = text.replace(".", " ").split()
    labels, position = [], 0
    while position < len(words):
        for size in range(min(longest, len(words) - position), 0, -1):
            phrase = " ".join(words[position:position + size])
            if phrase in vocabulary:
                labels.append(vocabulary[phrase])
                position += size
                break
        else:
            position += 1
    return labels


YES_NO_VOCABULARY = {**dict.fromkeys(YES, "yes"), **dict.fromkeys(NO, "no")}


def interpret_yes_no(text: str) -> Interpretation:
    labels = set(_labels(normalise(text), YES_NO_VOCABULARY))
    if len(labels) != 1:
        return NOT_UNDERSTOOD
    return Interpretation(True, labels.pop() == "yes")


UNIT_NAMES = {"f": "F", "c": "C", "lb": "lb", "lbs": "lb", "kg": "kg", "mg/dl": "mg/dL"}

_NUMBER = re.compile(r"(-?\d+(?:[.,]\d+)?)\s*(°?\s?[a-z/]+(?:\s[fc]\b)?)?")


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


def interpret_number(
    text: str, unit: str | None = None, minimum: float | None = None,
    maximum: float | None = None,
) -> Interpretation:
    matches = _NUMBER.findall(normalise(text))
    if len(matches) != 1:
        return NOT_UNDERSTOOD
    number_text, unit_text = matches[0]
    value = float(number_text.replace(",", "."))
    said_unit = UNIT_WORDS.get(re.sub(r"^degrees?\s*", "degrees ", unit_text.strip())
                               ) or UNIT_WORDS.get(unit_text.replace(" ", "").strip())
    if said_unit is None and unit in ("F", "C"):
        said_unit = _guess_temperature_unit(value)
    if unit and said_unit and said_unit != unit:
        try:
            value = convert(value, said_unit, unit)
        except ValueError:
            return NOT_UNDERSTOOD
    value = round(value, 1)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        return NOT_UNDERSTOOD
    if value == int(value):
        value = int(value)
    return Interpretation(True, value, unit or said_unit)


def interpret_scale(text: str, minimum: float = 0, maximum: float = 10) -> Interpretation:
    cleaned = re.sub(r"\b(out of|of|/)\s*\d+\b", " ", normalise(text))
    found = re.findall(r"-?\d+(?:\.\d+)?", cleaned)
    if len(found) != 1:
        return NOT_UNDERSTOOD
    value = float(found[0])
    if value != int(value) or not minimum <= value <= maximum:
        return NOT_UNDERSTOOD
    return Interpretation(True, int(value))


def interpret_choice(text: str, choices: dict[str, tuple[str, ...]]) -> Interpretation:
    cleaned = normalise(text)
    keys = list(choices)
    if re.fullmatch(r"\d+", cleaned):
        index = int(cleaned) - 1
        return Interpretation(True, keys[index]) if 0 <= index < len(keys) else NOT_UNDERSTOOD
    vocabulary = {synonym: key for key, synonyms in choices.items() for synonym in synonyms}
    vocabulary.update({key.lower(): key for key in choices})
    matched = set(_labels(cleaned, vocabulary))
    if len(matched) == 1:
        return Interpretation(True, matched.pop())
    return NOT_UNDERSTOOD


def interpret_date(text: str, today: date | None = None, day_first: bool = False) -> Interpretation:
    """Written dates; month first (US) unless `day_first` (Spanish) or impossible otherwise."""
    cleaned = normalise(text).replace(",", " ")
    today = today or date.today()
    parsed = _numeric_date(cleaned, today, day_first) or _worded_date(cleaned, today)
    if parsed is None or parsed > today:
        return NOT_UNDERSTOOD
    return Interpretation(True, parsed.isoformat())


def _full_year(year: int, today: date) -> int:
    if year >= 100:
        return year
    return 2000 + year if 2000 + year <= today.year else 1900 + year


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _numeric_date(text: str, today: date, day_first: bool) -> date | None:
    iso = re.search(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b", text)
    if iso:
        return _safe_date(int(iso[1]), int(iso[2]), int(iso[3]))
    us = re.search(r"\b(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{2}|\d{4})\b", text)
    if us:
        first, second, year = int(us[1]), int(us[2]), _full_year(int(us[3]), today)
        month, day = (second, first) if day_first else (first, second)
        if month > 12 >= day:
            month, day = day, month
        return _safe_date(year, month, day)
    compact = re.fullmatch(r"(\d{2})(\d{2})(\d{4})", text)
    if compact:
        return _safe_date(int(compact[3]), int(compact[1]), int(compact[2]))
    return None


def _worded_date(text: str, today: date) -> date | None:
    words = text.replace("/", " ").replace("-", " ").split()
    month = next((MONTHS[w] for w in words if w in MONTHS), None)
    numbers = [int(re.sub(r"(st|nd|rd|th)$", "", w)) for w in words
               if re.fullmatch(r"\d+(st|nd|rd|th)?", w)]
    if month is None or len(numbers) != 2:
        return None
    day, year = (numbers[0], numbers[1]) if numbers[0] <= 31 else (numbers[1], numbers[0])
    return _safe_date(_full_year(year, today), month, day)


def interpret_text(text: str) -> Interpretation:
    stripped = text.strip()
    return Interpretation(True, stripped) if stripped else NOT_UNDERSTOOD


def is_skip(text: str) -> bool:
    return normalise(text) in SKIP


KINDS = ("yes_no", "number", "scale", "choice", "date", "text")


def interpret(
    kind: str, text: str, *, unit: str | None = None,
    choices: dict[str, tuple[str, ...]] | None = None, minimum: float | None = None,
    maximum: float | None = None, today: date | None = None, language: str = "en",
) -> Interpretation:
    """One reply read as the kind of answer a question expects."""
    if kind == "yes_no":
        return interpret_yes_no(text)
    if kind == "number":
        return interpret_number(text, unit, minimum, maximum)
    if kind == "scale":
        return interpret_scale(text, 0 if minimum is None else minimum,
                               10 if maximum is None else maximum)
    if kind == "choice":
        return interpret_choice(text, choices or {})
    if kind == "date":
        return interpret_date(text, today, day_first=language == "es")
    if kind == "text":
        return interpret_text(text)
    raise ValueError(f"unknown answer kind {kind!r}; use one of {', '.join(KINDS)}")
