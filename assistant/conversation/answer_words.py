"""Words in a short answer and the negation around them: what "not too good", "ya no lo tomo"
and "shoes don't fit" need.

A small NegEx-style reader for answers to the question asked (the red-flag scan has its own):
a reply is cut into clauses at punctuation and at "but"/"pero", and a term is negated when a
negation cue comes shortly before it in the same clause, inside it (between its words), or
just after it ("swelling: none"). Terms are data (`answer_vocabulary.yaml`): a word ending in
`*` is a stem ("swoll*" for swollen, "hinch*" for hinchado); other words match whole, within
one typo in a long word; a lone `*` stands for up to two words ("shoes * fit" is
"shoes still fit" and "shoes don't fit", the negation read).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

CLAUSE_BREAK = re.compile(
    r"[,;:!?()\n]|\.(?!\d)|\s-\s|\b(?:but|pero|though|although|aunque|sino|except|excepto)\b")
NEGATION_CUES = frozenset({
    "not", "no", "never", "dont", "doesnt", "didnt", "havent", "hasnt", "hadnt", "cant",
    "cannot", "couldnt", "wont", "wouldnt", "isnt", "arent", "wasnt", "werent", "aint",
    "without", "neither", "nor", "nothing", "nothings", "none", "nobody", "nunca", "ni", "sin",
    "nadie",
    "tampoco", "jamas", "nada", "dnt", "didn", "don", "doesn", "isn", "wasn", "haven",
})
# A cue after the term: "swelling - none", "hinchazón nada".
AFTER_CUES = frozenset({"none", "nada", "ninguna", "ninguno", "gone", "no"})
# Words that look like negation and are not: "I don't know if it's better" is doubt.
PSEUDO_NEGATIONS = (("dont", "know"), ("no", "se"), ("not", "sure"), ("no", "doubt"),
                    ("not", "only"), ("no", "estoy", "segur"), ("no", "idea"),
                    ("no", "matter"), ("no", "change"), ("no", "problem"))
WINDOW = 4  # tokens before a term that a cue reaches ("no me siento muy bien")
GAP = 2  # words a lone `*` in a phrase stands for ("every * hours": "every 2 hours")
# A bare "no" negates what follows ("no chest pain", "no me siento bien"), unless it is the
# answer and a new sentence follows ("no my feet are fine", "no I feel good").
# Words after which a bare "no" has answered and a new sentence starts.
NO_ANSWER_FOLLOWERS = frozenset({
    "i", "im", "ive", "id", "my", "it", "its", "the", "they", "theyre", "we", "his",
    "she", "her", "their", "thats", "that", "this", "everything", "all", "just", "thanks",
    "thank", "sir", "maam", "and", "but", "yo", "mi", "mis", "el", "ella", "todo", "gracias",
    "y", "pero", "senor", "senora", "nope", "no", "not", "really", "way"})


def tokens(text: str) -> list[str]:
    """Lower case, accents and apostrophes off, words only: "Don't" → "dont"."""
    text = unicodedata.normalize("NFKD", text.lower().replace("’", "'").replace("'", ""))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^\w\s.]|(?<!\d)\.|\.(?!\d)", " ", text).split()


def clauses(text: str) -> list[list[str]]:
    """The reply's clauses, each as tokens: negation does not cross "but" or a comma."""
    text = unicodedata.normalize("NFC", text.replace("’", "'"))
    parts = CLAUSE_BREAK.split(text.lower())
    return [words for part in parts if (words := tokens(part))]


@dataclass(frozen=True)
class Term:
    """A phrase from the vocabulary and the label it gives ("yes", "no", a choice key)."""

    words: tuple[str, ...]
    label: str

    @classmethod
    def parse(cls, phrase: str, label: str) -> Term:
        return cls(tuple(phrase.lower().replace("'", "").split()), label)


@dataclass(frozen=True)
class Match:
    term: Term
    clause: int
    start: int
    end: int  # exclusive
    negated: bool


@lru_cache(maxsize=8192)
def word_matches(token: str, word: str) -> bool:
    """`word` is a whole word or a `stem*`; one typo is forgiven in a long word that starts
    right (not in "cough" for "rough", nor "clear" for "clean")."""
    if word.endswith("*"):
        stem = word[:-1]
        if token.startswith(stem):
            return True
        return len(stem) >= 5 and len(token) >= len(stem) and token[0] == stem[0] and \
            Levenshtein.distance(token[:len(stem)], stem) <= 1
    if token == word:
        return True
    return len(word) >= 6 and token[:1] == word[:1] and abs(len(token) - len(word)) <= 1 and \
        Levenshtein.distance(token, word) <= 1


def _match_at(words: Sequence[str], position: int, term: Term) -> tuple[int, list[int]] | None:
    """(end, the positions a `*` in the phrase skipped) if the term starts here."""
    index, skipped, gap = position, [], 0
    for word in term.words:
        if word == "*":
            gap = GAP
            continue
        for step in range(gap + 1):
            if index + step < len(words) and word_matches(words[index + step], word):
                skipped += range(index, index + step)
                index += step + 1
                break
        else:
            return None
        gap = 0
    return index, skipped


def cue_positions(words: Sequence[str]) -> set[int]:
    """Where the negation cues are, leaving out pseudo-negations ("not sure", "no change")."""
    cues = {i for i, word in enumerate(words) if word in NEGATION_CUES}
    for i in list(cues):
        for pseudo in PSEUDO_NEGATIONS:
            window = words[i:i + len(pseudo)]
            if len(window) == len(pseudo) and all(
                    word_matches(token, part + "*" if len(part) > 3 else part)
                    for token, part in zip(window, pseudo, strict=True)):
                cues.discard(i)
    return cues


def find_terms(text: str, terms: Iterable[Term]) -> list[Match]:
    """The terms found in each clause, longest first and not overlapping, each with whether
    it is negated."""
    ordered = sorted(terms, key=lambda term: -len(term.words))
    found = []
    for number, words in enumerate(clauses(text)):
        cues = cue_positions(words)
        position, consumed = 0, set()
        while position < len(words):
            for term in ordered:
                matched = _match_at(words, position, term)
                if matched is None:
                    continue
                end, skipped = matched
                # A cue already part of a term ("can't breathe") negates nothing after it, and a
                # term that opens with a cue ("not yet", "no swelling") is not negated again.
                before = [i for i in range(max(0, position - WINDOW), position)
                          if i not in consumed and _reaches(words, i, position)]
                negated = (term.words[0] not in NEGATION_CUES and any(
                    i in cues for i in (*before, *skipped))) or (
                    end < len(words) and words[end] in AFTER_CUES and end == len(words) - 1)
                found.append(Match(term, number, position, end, negated))
                if len(term.words) > 1:
                    consumed |= set(range(position, end)) - set(skipped)
                position = end
                break
            else:
                position += 1
    return found


def _reaches(words: Sequence[str], cue: int, target: int) -> bool:
    return words[cue] != "no" or words[cue + 1] not in NO_ANSWER_FOLLOWERS


def without(text: str, matches: Sequence[Match]) -> str:
    """The reply with the matched terms taken out, clauses kept apart by commas: what is left
    to read as a plain yes or no ("nope, shoes fit fine" → "nope")."""
    taken = {(m.clause, i) for m in matches for i in range(m.start, m.end)}
    return ", ".join(" ".join(w for i, w in enumerate(words) if (n, i) not in taken)
                     for n, words in enumerate(clauses(text)))


def has_negation(text: str) -> bool:
    """Whether any clause of the reply holds a negation cue (pseudo-negations aside)."""
    return any(cue_positions(words) for words in clauses(text))
