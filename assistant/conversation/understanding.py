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

from assistant.conversation.answer_vocabulary import ChoiceWords, Described
from assistant.conversation.answer_vocabulary import vocabulary as answer_vocabulary
from assistant.conversation.answer_words import Term, clauses, find_terms, has_negation
from assistant.conversation.spoken_numbers import decimal_points, spoken_digits

YES = {
    "yes", "y", "yeah", "yea", "yep", "yup", "ya", "yah", "sure", "correct", "right",
    "affirmative", "definitely", "absolutely", "certainly", "ok", "okay", "si", "claro", "yess",
    "yesss", "ye", "yes.", "uh-huh", "uh huh",
    "sip", "claro que si", "por supuesto", "correcto", "asi es", "afirmativo", "si tengo",
    "si senor", "si senora", "de acuerdo", "no problem", "no hay problema", "sin problema",
    "yse", "ys", "yez", "yas", "yeas", "yeap", "yeh",
}
NO = {
    "no", "n", "nope", "nah", "na", "not", "none", "never", "negative", "nothing", "nay",
    "i dont", "i do not", "i havent", "i have not", "ya no", "todavia no", "aun no", "not yet",
    "not anymore", "no longer", "not any more", "no more", "not at all", "nunca", "jamas",
    "nothing like that", "no mas", "not lately", "nothing new", "claro que no",
    "por supuesto que no", "of course not", "no hay", "nobody", "nadie",
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
    "tal vez no", "no que yo sepa", "que yo sepa no", "not that i noticed", "havent noticed",
    "not that ive noticed", "i dont believe so",
}
# "I do" is a yes only as the whole reply: "I am away from my phone" is not a yes.
WHOLE_REPLY_YES = {"i do", "i have", "i am", "i did", "i have it", "yes i do", "yes i have"}
UNSURE = {
    "maybe", "not sure", "im not sure", "i am not sure", "i dont know", "i do not know",
    "not really sure", "no idea", "unsure", "dont know", "perhaps", "tal vez", "quizas",
    "quiza", "no se", "no estoy seguro", "no estoy segura", "puede ser", "idk",
    "cant tell", "hard to say", "havent checked", "didnt check", "dont remember", "no recuerdo",
    "no me acuerdo", "no lo se",
}
# Doubt around a description: "I think it's a bit red" is confirmed before it is stored.
DOUBT = ("i think", "think", "creo", "maybe", "probably", "i guess", "might", "tal vez",
         "quizas", "a lo mejor", "puede que", "not sure", "no se", "supongo", "seems", "parece")
# With a description, degree is not doubt: "a little swollen" is swollen.
DEGREE = ("a little bit", "a little", "a bit", "slightly", "somewhat", "kind of", "kinda",
          "sort of", "un poquito", "un poco", "algo")
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


def interpret_yes_no(text: str, question: str | None = None) -> Interpretation:
    """Yes or no; for a question the vocabulary knows, a description counts too ("it's warm
    and leaking" to the wound question is yes, "shoes fit fine" to swelling is no)."""
    described = answer_vocabulary().describe(question, text) if question else None
    if described is None:
        # A symptom question's unknown negation stays unclear: "can't finish a sentence".
        known = answer_vocabulary()
        return _plain_yes_no(text, negation_is_no=question not in known.described
                             or question in known.negation_is_no)
    if described.value is None:  # described both ways: ask again
        return NOT_UNDERSTOOD
    rest = normalise(described.rest).replace("'", "")
    for phrase in DEGREE:
        rest = re.sub(rf"\b{phrase}\b", " ", rest)
    if len(rest.split()) > 1:  # "limpia y seca": y is "and", not yes
        rest = re.sub(r"\b(?:y|and|e|o|or)\b", " ", rest)
    base = _plain_yes_no(rest, negation_is_no=question in answer_vocabulary().negation_is_no) \
        if rest.strip(" ,") else NOT_UNDERSTOOD
    if not base.understood and not base.hedged and _doubtful(text, described):
        return Interpretation(False, described.value, hedged=True)
    if base.understood:
        # "No, but my ankles are swollen": the words and the description disagree; confirm.
        return base if base.value is described.value else Interpretation(
            False, described.value, hedged=True)
    if base.hedged:
        if base.value is None and not _doubtful(text, described):
            return Interpretation(True, described.value)  # "same as always, maybe once a day"
        leaning = described.value if base.value in (None, described.value) else None
        return Interpretation(False, leaning, hedged=True)
    return Interpretation(True, described.value)


def _has_doubt(words: list[str]) -> bool:
    said = f" {' '.join(words)} "
    return any(f" {phrase} " in said for phrase in DOUBT)


def _doubtful(text: str, described: Described) -> bool:
    """Doubt in the reply and no clause that describes the symptom firmly: "I think it's a
    bit red" is doubtful, "same as always, maybe once a day" is not."""
    parts = clauses(text)
    described_in = {match.clause for match in described.matches}
    firm = any(not _has_doubt(parts[i]) for i in described_in)
    return not firm and any(_has_doubt(words) for words in parts)


def _plain_yes_no(text: str, negation_is_no: bool = True) -> Interpretation:
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
    if not labels and negation_is_no and has_negation(text):
        # "haven't gotten it", "I never got it", "ya no lo tomo": a negated verb is a no.
        return Interpretation(True, False)
    return NOT_UNDERSTOOD


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
        matched = {label for _, label in _labels(normalise(text), vocabulary)}
        return Interpretation(True, int(matched.pop())) if len(matched) == 1 else NOT_UNDERSTOOD
    if len(found) != 1:
        return NOT_UNDERSTOOD
    value = float(found[0])
    if value != int(value) or not minimum <= value <= maximum:
        return NOT_UNDERSTOOD
    return Interpretation(True, int(value))


def interpret_choice(text: str, choices: dict[str, tuple[str, ...]]) -> Interpretation:
    """A choice by number, name or synonym, negation read: "not too good" is worse, "no
    better" the same, "got one of them" some, "never got it" no."""
    cleaned = normalise(text)
    keys = list(choices)
    if re.fullmatch(r"\d+", cleaned):
        index = int(cleaned) - 1
        return Interpretation(True, keys[index]) if 0 <= index < len(keys) else NOT_UNDERSTOOD
    extra = answer_vocabulary().choice_words(set(keys))
    terms = [Term.parse(synonym, key) for key, synonyms in choices.items() for synonym in synonyms]
    terms += [Term.parse(key, key) for key in choices]
    terms += extra.terms if extra else ()
    said: dict[str, int] = {}  # choice → the last clause it was said in
    ruled_out, open_negation = set(), False
    for match in find_terms(text, terms):
        meaning = extra.meaning(match) if extra else (None if match.negated else match.term.label)
        if not match.negated and meaning is not None:
            said[meaning] = match.clause
        elif meaning is None:
            open_negation = True
        else:
            ruled_out.add(meaning)
    # What the patient says outweighs what they rule out: "good, not worse" is better.
    matched = set(said) or ruled_out
    if not matched and not open_negation and not has_negation(text):
        matched = _misspelt_choices(cleaned, {synonym: key for key, synonyms in choices.items()
                                              for synonym in (*synonyms, key.lower())})
    if len(matched) > 1 and extra:
        matched = _settle(matched, said, extra, clauses(text))
    if len(matched) != 1:
        return NOT_UNDERSTOOD
    value = matched.pop()
    if value in ("yes", "no") and any(_has_doubt(words) for words in clauses(text)):
        # "I think my son got them": a yes or no choice is confirmed like a yes/no answer.
        return Interpretation(False, value, hedged=True)
    return Interpretation(True, value)


def _settle(matched: set[str], said: dict[str, int], extra: ChoiceWords,
            parts: list[list[str]]) -> set[str]:
    """Several choices in one reply: part of them ("got one of them"), the more specific of
    two ("ok, about the same"), or the last clause ("better yesterday, worse today")."""
    if extra.partial in matched:
        return {extra.partial}
    if frozenset(matched) in extra.together:
        return {extra.together[frozenset(matched)]}
    where = {said.get(choice) for choice in matched}
    if None in where or len(where) != len(matched):
        return matched
    last = max(said[choice] for choice in matched)
    if any(f" {marker} " in f" {' '.join(parts[last])} " for marker in extra.last_said_wins_with):
        return {choice for choice in matched if said[choice] == last}
    return matched


def _misspelt_choices(text: str, vocabulary: dict[str, str]) -> set[str]:
    """Typos of one-word choices ("wrose", "bettr"); short words are too easy to confuse."""
    words = [word for word in vocabulary if " " not in word and len(word) >= 5]
    found = set()
    for token in text.split():
        if len(token) >= 4:
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
    question: str | None = None,
) -> Interpretation:
    """One reply read as the kind of answer a question expects; `question` (its canonical
    id) lets a description answer a yes/no question."""
    if kind == "yes_no":
        return interpret_yes_no(text, question)
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
