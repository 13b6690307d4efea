"""The red-flag safety net: emergency phrases in any message, English and Spanish.

Every inbound message is scanned, whatever question it answers. A phrase counts unless it is
negated ("no chest pain", "I don't have any trouble breathing", "sin dolor de pecho"), said
of the past, or hypothetical ("what if I get chest pain?"). The method is NegEx's: trigger
words within a few words before (or after) the phrase, inside one clause; clauses end at
punctuation and at words such as "but". When in doubt the phrase counts: a missed warning
sign is the worst failure this product can have.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from rapidfuzz import fuzz, process

# Phrases are written in normalised form: lower case, no accents, no apostrophes.
# "~" stands for up to two words of any kind ("chest ~ hurts": "chest really hurts").
LEXICON: dict[str, dict[str, tuple[str, ...]]] = {
    "chest_pain": {
        "en": (
            "chest pain", "chest pains", "chestpain", "chest pian", "pain in ~ chest",
            "chest ~ hurts", "chest ~ hurting", "chest hurt", "chest pressure",
            "pressure in ~ chest", "chest tightness", "tightness in ~ chest", "chest ~ tight",
            "chest discomfort", "heart attack", "crushing pain", "chest ache", "chest aches",
            "hurts in ~ chest", "pain on ~ chest",
        ),
        "es": (
            "dolor de pecho", "dolor en el pecho", "dolor del pecho", "duele el pecho",
            "presion en el pecho", "opresion en el pecho", "pecho apretado",
            "ataque al corazon", "ataque cardiaco", "infarto", "dolor toracico",
            "duele mucho el pecho",
        ),
    },
    "breathing": {
        "en": (
            "cant breathe", "cannot breathe", "can not breathe", "cant breath",
            "cannot breath", "unable to breathe", "trouble breathing", "difficulty breathing",
            "hard to breathe", "hard to breath", "struggling to breathe", "gasping",
            "cant catch ~ breath", "cannot catch ~ breath", "cant get ~ breath",
            "blue lips", "lips ~ blue", "choking", "breathing is very bad",
            "hard time breathing", "trouble breathing", "problems breathing",
            "problem breathing",
        ),
        "es": (
            "no puedo respirar", "dificultad para respirar", "me cuesta respirar",
            "me falta el aire", "me ahogo", "ahogando", "labios azules", "labios morados",
            "no puede respirar", "problemas para respirar",
        ),
    },
    "fainting": {
        "en": (
            "fainted", "fainting", "passed out", "pass out", "passing out", "blacked out",
            "black out", "lost consciousness", "feel faint", "felt faint", "collapsed",
            "unconscious",
        ),
        "es": (
            "me desmaye", "desmayo", "desmayos", "desmayado", "desmayada",
            "perdi el conocimiento", "perdi el sentido", "se desmayo", "inconsciente",
        ),
    },
    "confusion": {
        "en": (
            "confused", "confusion", "disoriented", "dont know where i am",
            "cant think straight", "cant think clearly", "not making sense",
            "very sleepy and confused",
        ),
        "es": (
            "confundido", "confundida", "confusion", "desorientado", "desorientada",
            "no se donde estoy",
        ),
    },
    "stroke": {
        "en": (
            "stroke", "face ~ drooping", "face ~ droopy", "drooping face", "droopy face",
            "slurred speech", "slurring", "speech ~ slurred", "cant move ~ arm",
            "cant move ~ leg", "arm ~ weak", "weak on one side", "numb on one side",
            "one side ~ numb", "sudden numbness", "lost ~ vision", "cant see",
            "cant talk", "cant speak", "trouble speaking", "trouble talking",
            "face ~ numb", "lost my balance",
        ),
        "es": (
            "derrame", "embolia", "ictus", "cara caida", "boca torcida", "cara torcida",
            "no puedo hablar", "no puedo mover el brazo", "no puedo mover la pierna",
            "habla arrastrada", "adormecido de un lado", "no puedo ver",
        ),
    },
    "bleeding": {
        "en": (
            "bleeding", "bleading", "bleeds", "lots of blood", "lot of blood",
            "blood everywhere", "vomiting blood", "throwing up blood", "blood in ~ vomit",
            "blood in ~ stool", "black stool", "black stools", "bloody stool",
            "blood in ~ urine", "hemorrhage", "hemorrhaging",
        ),
        "es": (
            "sangrando", "sangrado", "sangrar", "sangre por todos lados", "mucha sangre",
            "vomitando sangre", "vomito sangre", "sangre en ~ heces", "heces negras",
            "hemorragia",
        ),
    },
    "coughing_blood": {
        "en": (
            "coughing up blood", "coughing blood", "cough up blood", "coughed up blood",
            "blood when i cough", "bloody sputum", "blood in ~ mucus", "blood in ~ phlegm",
            "blood in ~ sputum", "pink frothy", "pink foamy", "bloody mucus",
        ),
        "es": (
            "tosiendo sangre", "toser sangre", "tos con sangre", "flema con sangre",
            "escupiendo sangre", "espuma rosada",
        ),
    },
    "head_injury": {
        "en": (
            "hit ~ head", "bumped ~ head", "banged ~ head", "struck ~ head", "head injury",
            "hurt ~ head", "fell on ~ head", "knocked ~ head", "head wound",
        ),
        "es": (
            "golpe en la cabeza", "me golpee la cabeza", "me pegue en la cabeza",
            "golpeo la cabeza", "me cai y me golpee", "herida en la cabeza",
        ),
    },
    "self_harm": {
        "en": (
            "kill myself", "killing myself", "suicide", "suicidal", "end my life",
            "want to die", "wanna die", "hurt myself", "harm myself", "hurting myself",
            "dont want to live", "better off dead", "take my own life", "end it all",
            "no reason to live",
        ),
        "es": (
            "matarme", "suicidarme", "suicidio", "quitarme la vida", "quiero morir",
            "quiero morirme", "hacerme dano", "no quiero vivir", "acabar con mi vida",
        ),
    },
}

# Phrases that look like a red flag but are not one; removed before matching.
NOT_RED_FLAGS = {
    "en": (
        "confused about", "confused by", "confusing", "confused with", "confused on",
        "confused as to", "a little bleeding", "little bit of bleeding", "bit of bleeding",
        "spotting", "heat stroke", "stroke of luck", "if i pass out", "pass out the",
        "pass out from", "history of", "nosebleed",
    ),
    "es": (
        "confundido con", "confundida con", "confundido sobre", "confundida sobre",
        "un poco de sangrado", "poquito sangrado", "historia de",
    ),
}
NEGATION_BEFORE = {
    "en": ("no", "not", "never", "without", "denies", "deny", "denied", "dont", "doesnt",
           "didnt", "havent", "hasnt", "hadnt", "isnt", "arent", "wasnt", "werent", "aint",
           "none", "nor", "free of", "no more", "no longer", "negative for", "nothing like",
           "zero"),
    "es": ("no", "sin", "nunca", "ni", "tampoco", "ningun", "ninguna", "ninguno", "niego",
           "ya no", "nada de"),
}
NEGATION_AFTER = {
    "en": ("gone", "went away", "is gone", "resolved", "stopped", "has stopped", "is over",
           "all gone", "has gone"),
    "es": ("se fue", "se quito", "ya paso", "desaparecio", "paro", "se detuvo"),
}
# Words that mark something as not happening now: hypothetical or in the past.
NOT_NOW_BEFORE = {
    "en": ("if", "in case", "what if", "should i", "in the past", "years ago", "last year",
           "used to"),
    "es": ("en caso de", "si llego a", "hace anos", "el ano pasado"),
}
NOT_NOW_AFTER = {
    "en": ("years ago", "last year", "in the past", "long ago", "months ago"),
    "es": ("hace anos", "el ano pasado", "hace mucho"),
}
# Doubt is not negation: "not sure if it's chest pain" still counts.
PSEUDO_NEGATIONS = ("not sure", "not sure if", "not certain", "not certain if", "no doubt",
                    "not only", "no idea", "no idea if", "no se si", "no estoy seguro",
                    "no estoy segura")
# An affirmation after a negation word breaks it: "no I have chest pain".
AFFIRMATIONS = ("i have", "i do", "ive", "i got", "yes", "im", "i am", "si tengo")
CLAUSE_BREAKS = {"but", "however", "although", "though", "except", "yet", "and", "pero",
                 "aunque", "sino", "y", "also", "tambien", "plus"}
WINDOW_BEFORE = 5
WINDOW_AFTER = 3
FUZZY_SCORE = 90
FUZZY_MIN_LENGTH = 6
RED_FLAG_IDS = tuple(LEXICON)
LANGUAGES = ("en", "es")


@dataclass(frozen=True)
class Pattern:
    """A phrase as words; None is a gap of zero to two words."""

    words: tuple[str | None, ...]

    @classmethod
    def parse(cls, phrase: str) -> Pattern:
        return cls(tuple(None if word == "~" else word for word in phrase.split()))

    def matches(self, tokens: list[str], start: int) -> int | None:
        """The end of a match beginning at `start`, or None."""
        return self._match(tokens, start, 0)

    def _match(self, tokens: list[str], position: int, index: int) -> int | None:
        if index == len(self.words):
            return position
        word = self.words[index]
        if word is None:
            for skip in range(3):
                end = self._match(tokens, position + skip, index + 1)
                if end is not None:
                    return end
            return None
        if position < len(tokens) and tokens[position] == word:
            return self._match(tokens, position + 1, index + 1)
        return None


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"['’`´]", "", text)
    return text


def _clauses(text: str) -> list[list[str]]:
    clauses: list[list[str]] = [[]]
    for piece in re.findall(r"[a-z0-9]+|[.,;:!?()\n]", text):
        if piece in ".,;:!?()\n" or piece in CLAUSE_BREAKS:
            clauses.append([])
        else:
            clauses[-1].append(piece)
    return [clause for clause in clauses if clause]


@cache
def _patterns(language: str) -> dict[str, tuple[Pattern, ...]]:
    return {flag: tuple(Pattern.parse(p) for p in phrases[language])
            for flag, phrases in LEXICON.items()}


@cache
def _vocabulary() -> tuple[str, ...]:
    words = {word for phrases in LEXICON.values() for language in LANGUAGES
             for phrase in phrases[language] for word in phrase.split() if word != "~"}
    return tuple(sorted(word for word in words if len(word) >= FUZZY_MIN_LENGTH))


def _correct_typos(tokens: list[str]) -> list[str]:
    vocabulary = _vocabulary()
    known = set(vocabulary)
    corrected = []
    for token in tokens:
        if len(token) >= FUZZY_MIN_LENGTH and token not in known:
            match = process.extractOne(token, vocabulary, scorer=fuzz.ratio,
                                       score_cutoff=FUZZY_SCORE)
            corrected.append(match[0] if match else token)
        else:
            corrected.append(token)
    return corrected


def _phrase_from(tokens: list[str], phrases: tuple[str, ...], start: int,
                 limit: int | None = None) -> bool:
    """Whether one of `phrases` starts at `start` (and ends by `limit`)."""
    limit = len(tokens) if limit is None else limit
    return any(start + len(words) <= limit and tokens[start:start + len(words)] == words
               for words in (phrase.split() for phrase in phrases))


def _covered(tokens: list[str], phrases: tuple[str, ...]) -> set[int]:
    covered: set[int] = set()
    for words in (phrase.split() for phrase in phrases):
        for start in range(len(tokens) - len(words) + 1):
            if tokens[start:start + len(words)] == words:
                covered.update(range(start, start + len(words)))
    return covered


def _negated_or_not_now(tokens: list[str], start: int, end: int, language: str) -> bool:
    doubt = _covered(tokens, PSEUDO_NEGATIONS)
    triggers = NEGATION_BEFORE[language] + NOT_NOW_BEFORE[language]
    for position in range(start - 1, max(0, start - WINDOW_BEFORE) - 1, -1):
        if _phrase_from(tokens, AFFIRMATIONS, position, start):
            return False
        if position not in doubt and _phrase_from(tokens, triggers, position, start):
            return True
    after = NEGATION_AFTER[language] + NOT_NOW_AFTER[language]
    return any(_phrase_from(tokens, after, position)
               for position in range(end, min(len(tokens), end + WINDOW_AFTER)))


def _without_look_alikes(tokens: list[str], language: str) -> list[str]:
    kept = list(tokens)
    for phrase in NOT_RED_FLAGS[language]:
        words = phrase.split()
        for start in range(len(kept) - len(words) + 1):
            if kept[start:start + len(words)] == words:
                kept[start:start + len(words)] = ["_"] * len(words)
    return kept


def scan(text: str, languages: tuple[str, ...] = LANGUAGES) -> list[str]:
    """Red-flag ids said (and not negated) in `text`, in the lexicon's order.

    Both languages are scanned by default: patients mix them, and a missed sign costs more
    than a second look.
    """
    found: set[str] = set()
    for clause in _clauses(normalise(text)):
        tokens = _correct_typos(clause)
        for language in languages:
            visible = _without_look_alikes(tokens, language)
            by_first_word = _patterns_by_first_word(language)
            for start, token in enumerate(visible):
                for flag, patterns in by_first_word.get(token, ()):
                    if flag in found:
                        continue
                    hit = next((end for p in patterns
                                if (end := p.matches(visible, start)) is not None), None)
                    if hit is not None and not _negated_or_not_now(visible, start, hit,
                                                                    language):
                        found.add(flag)
    return [flag for flag in RED_FLAG_IDS if flag in found]


@cache
def _patterns_by_first_word(language: str) -> dict[str, tuple[tuple[str, tuple[Pattern, ...]],
                                                            ...]]:
    """For each word, the flags with a phrase starting with it (and those phrases, in the
    lexicon's order): a word no phrase starts with costs one look-up, not a try of each."""
    index: dict[str, dict[str, list[Pattern]]] = {}
    for flag, patterns in _patterns(language).items():
        for pattern in patterns:
            # A leading gap adds nothing when every start is tried: "~ x" is found as "x".
            words = pattern.words
            while words and words[0] is None:
                words = words[1:]
            if words:
                index.setdefault(str(words[0]), {}).setdefault(flag, []).append(Pattern(words))
    return {word: tuple((flag, tuple(found)) for flag, found in flags.items())
            for word, flags in index.items()}


SUMMARIES = {
    "chest_pain": "Reports chest pain or pressure",
    "breathing": "Reports severe trouble breathing",
    "fainting": "Reports fainting or passing out",
    "confusion": "Reports new confusion",
    "stroke": "Reports possible signs of a stroke",
    "bleeding": "Reports bleeding",
    "coughing_blood": "Reports coughing up blood",
    "head_injury": "Reports a blow to the head",
    "self_harm": "Mentions thoughts of self-harm",
}
