"""Turning a patient's reply into a value: forgiving of phrasing, strict about meaning.

A reply is `understood` only when it means one thing; anything ambiguous is left
not understood so the dialogue asks again rather than guessing. This module reads yes/no and
chooses the reader for each kind of answer; numbers, choices and dates have modules of their
own (`reading_numbers`, `reading_choices`, `reading_dates`).
"""

from __future__ import annotations

import re
from datetime import date

from assistant.conversation.answer_vocabulary import Described
from assistant.conversation.answer_vocabulary import vocabulary as answer_vocabulary
from assistant.conversation.answer_words import clauses, has_negation
from assistant.conversation.interpretation import (
    NOT_UNDERSTOOD,
    Interpretation,
    find_labels,
    has_doubt,
    normalise,
    squeeze,
)
from assistant.conversation.reading_choices import interpret_choice
from assistant.conversation.reading_dates import interpret_date
from assistant.conversation.reading_numbers import interpret_number, interpret_scale

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
# With a description, degree is not doubt: "a little swollen" is swollen.
DEGREE = ("a little bit", "a little", "a bit", "slightly", "somewhat", "kind of", "kinda",
          "sort of", "un poquito", "un poco", "algo")


BOTH_WAYS = ("yes and no", "yes or no", "si y no", "si o no")


SKIP = {"skip", "don't know", "dont know", "do not know", "not sure", "unsure", "no idea",
        "can't check", "cant check", "no thermometer", "no se", "no sé"}


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


def _doubtful(text: str, described: Described) -> bool:
    """Doubt in the reply and no clause that describes the symptom firmly: "I think it's a
    bit red" is doubtful, "same as always, maybe once a day" is not."""
    parts = clauses(text)
    described_in = {match.clause for match in described.matches}
    firm = any(not has_doubt(parts[i]) for i in described_in)
    return not firm and any(has_doubt(words) for words in parts)


def _plain_yes_no(text: str, negation_is_no: bool = True) -> Interpretation:
    cleaned = squeeze(normalise(text).replace("'", ""), YES_NO_VOCABULARY)
    if cleaned in WHOLE_REPLY_YES:
        return Interpretation(True, True)
    if any(f" {phrase} " in f" {cleaned} " for phrase in BOTH_WAYS):
        return NOT_UNDERSTOOD
    found = find_labels(cleaned, YES_NO_VOCABULARY)
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
