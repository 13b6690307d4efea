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

from rapidfuzz import fuzz, process
from text_to_num import alpha2digit

YES = {
    "yes", "y", "yeah", "yea", "yep", "yup", "ya", "yah", "sure", "correct", "right",
    "affirmative", "definitely", "absolutely", "certainly", "ok", "okay", "si", "claro", "yess",
    "yesss", "ye", "yes.", "uh-huh", "uh huh",
    "sip", "claro que si", "por supuesto", "correcto", "asi es", "afirmativo", "si tengo",
    "si senor", "si senora", "de acuerdo", "yse", "ys", "yez", "yas", "yeas", "yeap", "yeh",
}
NO = {
    "no", "n", "nope", "nah", "na", "not", "none", "never", "negative", "nothing", "nay",
    "i dont", "i do not", "i havent", "i have not",
    "i am not", "im not", "i didnt", "nada", "ninguno", "ninguna",
    "not really", "no way", "nop", "nel", "para nada", "tampoco", "negativo", "no tengo",
    "en absoluto",
}
# Hedged answers are confirmed, never assumed: "I think so" gets "It sounds like YES, right?"
HEDGED_YES = {
    "i think so", "think so", "probably", "i guess", "i guess so", "kind of", "kinda",
    "sort of", "a little", "a bit", "somewhat", "i believe so", "a little bit", "slightly",
    "creo que si", "un poco", "mas o menos", "puede que si", "supongo que si", "algo",
    "un poquito", "tal vez si",
}
HEDGED_NO = {
    "i dont think so", "dont think so", "i do not think so", "probably not", "i guess not",
    "not that i know", "not that i know of", "creo que no", "no creo", "supongo que no",
    "tal vez no",
}
# "I do" is a yes only as the whole reply: "I am away from my phone" is not a yes.
WHOLE_REPLY_YES = {"i do", "i have", "i am", "i did", "i have it", "yes i do", "yes i have"}
UNSURE = {
    "maybe", "not sure", "im not sure", "i am not sure", "i dont know", "i do not know",
    "not really sure", "no idea", "unsure", "dont know", "perhaps", "tal vez", "quizas",
    "quiza", "no se", "no estoy seguro", "no estoy segura", "puede ser", "idk",
}
BOTH_WAYS = ("yes and no", "yes or no", "si y no", "si o no")
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
    """`hedged`: the reply leans one way (value) but must be confirmed. `change`: a number
    said as a difference ("up 2 pounds"), so value is signed and not a reading."""

    understood: bool
    value: Any = None
    unit: str | None = None
    hedged: bool = False
    change: bool = False


NOT_UNDERSTOOD = Interpretation(False)


def normalise(text: str) -> str:
    """Lower case, accents off, punctuation to spaces, single spaces."""
    text = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^\w\s'/.°-]", " ", text)
    return re.sub(r"\s+", " ", text).strip(" .")


def _labels(text: str, vocabulary: dict[str, str], longest: int = 5) -> list[tuple[int, str]]:
    """(word position, label) of the phrases in `text`, longest phrase first, so "not good"
    is not "good"."""
    words = text.replace(".", " ").split()
    labels, position = [], 0
    while position < len(words):
        for size in range(min(longest, len(words) - position), 0, -1):
            phrase = " ".join(words[position:position + size])
            if phrase in vocabulary:
                labels.append((position, vocabulary[phrase]))
                position += size
                break
        else:
            position += 1
    return labels


def _squeeze(text: str, vocabulary: dict[str, str]) -> str:
    """"yesss" → "yes", "nooo" → "no", "sii" → "si": stretched words patients type."""
    words = []
    for word in text.split():
        squeezed = re.sub(r"(.)\1+", r"\1", word)
        words.append(squeezed if word not in vocabulary and squeezed in vocabulary else word)
    return " ".join(words)


YES_NO_VOCABULARY = {
    **dict.fromkeys(YES, "yes"), **dict.fromkeys(NO, "no"),
    **dict.fromkeys(HEDGED_YES, "hedged_yes"), **dict.fromkeys(HEDGED_NO, "hedged_no"),
    **dict.fromkeys(UNSURE, "unsure"),
}


def interpret_yes_no(text: str) -> Interpretation:
    cleaned = _squeeze(normalise(text).replace("'", ""), YES_NO_VOCABULARY)
    if cleaned in WHOLE_REPLY_YES:
        return Interpretation(True, True)
    if any(f" {phrase} " in f" {cleaned} " for phrase in BOTH_WAYS):
        return NOT_UNDERSTOOD
    found = _labels(cleaned, YES_NO_VOCABULARY)
    labels = {label for _, label in found}
    if found and found[0] in ((0, "yes"), (0, "no")):
        # A reply that opens with its answer and adds something after it.
        return Interpretation(True, found[0][1] == "yes")
    if labels & {"hedged_yes", "hedged_no", "unsure"}:
        leaning = {"hedged_yes": True, "hedged_no": False}
        leanings = {leaning[label] for label in labels if label in leaning}
        value = leanings.pop() if len(leanings) == 1 and "unsure" not in labels else None
        return Interpretation(False, value, hedged=True)
    if len(labels) == 1:
        return Interpretation(True, labels.pop() == "yes")
    return NOT_UNDERSTOOD


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


INCREASE = ("up", "more", "gained", "gain", "heavier", "increase", "increased", "higher",
            "subi", "aumente", "mas", "arriba")
DECREASE = ("down", "less", "lost", "lighter", "decrease", "decreased", "lower", "baje",
            "menos", "perdi", "abajo")


def numbers_as_digits(text: str) -> str:
    """Number words to digits in English and Spanish ("ninety nine point five" → 99.5)."""
    for language in ("en", "es"):
        text = alpha2digit(text, language, threshold=0)
    return re.sub(r"\b(\d+)\s+(?:and a half|y medio|y media)\b", r"\1.5", text)


def interpret_number(
    text: str, unit: str | None = None, minimum: float | None = None,
    maximum: float | None = None,
) -> Interpretation:
    # "37,5" is how Spanish writes 37.5.
    cleaned = numbers_as_digits(normalise(re.sub(r"(\d),(\d{1,2})\b", r"\1.\2", text)))
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
        matched = {label for _, label in _labels(normalise(text), vocabulary)}
        return Interpretation(True, int(matched.pop())) if len(matched) == 1 else NOT_UNDERSTOOD
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
    matched = {label for _, label in _labels(cleaned, vocabulary)}
    if not matched:
        matched = _misspelt_choices(cleaned, vocabulary)
    if len(matched) == 1:
        return Interpretation(True, matched.pop())
    return NOT_UNDERSTOOD


def _misspelt_choices(text: str, vocabulary: dict[str, str]) -> set[str]:
    """Typos of one-word choices ("wrose", "bettr"); short words are too easy to confuse."""
    words = [word for word in vocabulary if " " not in word and len(word) >= 5]
    found = set()
    for token in text.split():
        if len(token) >= 5:
            match = process.extractOne(token, words, scorer=fuzz.ratio, score_cutoff=80)
            if match:
                found.add(vocabulary[match[0]])
    return found


def interpret_date(text: str, today: date | None = None, day_first: bool = False) -> Interpretation:
    """Written dates; month first (US) unless `day_first` (Spanish) or impossible otherwise."""
    cleaned = normalise(text).replace(",", " ")
    today = today or date.today()
    parsed = _numeric_date(cleaned, today, day_first) or _worded_date(
        _spoken_years(numbers_as_digits(cleaned)), today)
    if parsed is None or parsed > today:
        return NOT_UNDERSTOOD
    return Interpretation(True, parsed.isoformat())


def _spoken_years(text: str) -> str:
    """"19 50" (from "nineteen fifty") → "1950"; "19 oh 5" → "1905"."""
    text = re.sub(r"\b(1[89]|20) (?:oh|o) (\d)\b", r"\g<1>0\2", text)
    return re.sub(r"\b(1[89]|20) (\d{2})\b", r"\1\2", text)


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
                               10 if maximum is None else maximum, choices)
    if kind == "choice":
        return interpret_choice(text, choices or {})
    if kind == "date":
        return interpret_date(text, today, day_first=language == "es")
    if kind == "text":
        return interpret_text(text)
    raise ValueError(f"unknown answer kind {kind!r}; use one of {', '.join(KINDS)}")
