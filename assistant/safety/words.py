"""Text into sentences of tokens, each token with its English and Spanish stems.

Patients write without accents, apostrophes or capitals, and mix languages inside one message,
so every token carries both stems and the vocabulary is looked up in both.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

_ENGLISH = snowballstemmer.stemmer("english")
_SPANISH = snowballstemmer.stemmer("spanish")
_TOKEN = re.compile(r"[a-z0-9]+|[.!?;\n]|[,:()/-]")
SENTENCE_ENDS = frozenset(".!?;\n")
SOFT_BREAKS = frozenset(",:()/-")
# Letters that people stretch ("sooo", "helppp") are squeezed to two, as spelling allows.
_STRETCHED = re.compile(r"([a-z])\1{2,}")


_TICKS = re.compile("[\u2714\u2705\u274c\u2716\u2611\u274e]")  # ticks and crosses


def normalise(text: str) -> str:
    """Lower case, accents and apostrophes gone: "Can’t BREATHE" -> "cant breathe"."""
    text = unicodedata.normalize("NFKD", text.lower()).replace("’", "").replace("=", " equals ")
    text = text.replace("\N{DROP OF BLOOD}", " blood ")  # 🩸: an emoji that says a sign
    text = _TICKS.sub(". ", text)  # "meds ✔️ appt ✔️ short of breath ✖️": a list of items
    # Accents become their letters' marks, which ASCII drops (as do emoji: never a word).
    text = text.encode("ascii", "ignore").decode("ascii")
    text = text.replace("'", "").replace("`", "")
    return _STRETCHED.sub(r"\1\1", text)


@lru_cache(maxsize=50_000)
def stems(word: str) -> tuple[str, str]:
    """The word's English and Spanish stems (Snowball), cached: replies reuse few words."""
    return _ENGLISH.stemWord(word), _SPANISH.stemWord(word)


@dataclass(frozen=True)
class Sentence:
    """One sentence's tokens, where its commas fall, and whether it asks a question."""

    tokens: tuple[str, ...]
    commas: frozenset[int]  # token positions a comma (or colon, dash) comes before
    question: bool


ELLIPSIS = re.compile(r"\.{2,}|…")


def sentences(text: str) -> list[Sentence]:
    """Split normalised text into sentences; a question mark marks its sentence. An ellipsis
    is a pause, not an end: "chest pain no... well kind of"."""
    text = ELLIPSIS.sub(",", text)
    found: list[Sentence] = []
    tokens: list[str] = []
    commas: set[int] = set()
    for piece in _TOKEN.findall(text):
        if piece in SENTENCE_ENDS:
            if tokens:
                found.append(Sentence(tuple(tokens), frozenset(commas), piece == "?"))
            tokens, commas = [], set()
        elif piece in SOFT_BREAKS:
            commas.add(len(tokens))
        else:
            tokens.append(piece)
    if tokens:
        found.append(Sentence(tuple(tokens), frozenset(commas), False))
    return _with_one_word_sentences_joined(found)


def _with_one_word_sentences_joined(found: list[Sentence]) -> list[Sentence]:
    """ "I haven't hurt myself. Yet.", "Got the bill. Nearly fainted.": a sentence of one or
    two words belongs to the one before, unless
    it answers a question ("blood in my stool? no.")."""
    joined: list[Sentence] = []
    if len(found) > 1 and len(found[0].tokens) == 1 and not found[0].question:
        first, second = found[0], found[1]  # "Goodbye. Thanks for the calls."
        found = [Sentence(first.tokens + second.tokens,
                          frozenset({1}) | {c + 1 for c in second.commas}, second.question),
                 *found[2:]]
    for sentence in found:
        if joined and len(sentence.tokens) <= 2 and not joined[-1].question \
                and not sentence.question:
            last = joined[-1]
            joined[-1] = Sentence(last.tokens + sentence.tokens,
                                  last.commas | {len(last.tokens)}, last.question)
        else:
            joined.append(sentence)
    return joined


class PhraseIndex:
    """Phrases of exact words, looked up by their first word: one dictionary look-up a token,
    however many phrases there are."""

    def __init__(self, phrases: tuple[tuple[str, ...], ...]) -> None:
        self.by_first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in sorted(set(phrases), key=len, reverse=True):
            self.by_first.setdefault(phrase[0], []).append(phrase)

    def find(self, tokens: tuple[str, ...], covered: set[int] | frozenset[int] = frozenset()
             ) -> list[tuple[int, int]]:
        """(start, end) of the longest phrase at each start not in `covered`."""
        found = []
        for start, token in enumerate(tokens):
            if start in covered:
                continue
            for phrase in self.by_first.get(token, ()):
                if tokens[start:start + len(phrase)] == phrase:
                    found.append((start, start + len(phrase)))
                    break
        return found


class LabelledPhrases:
    """Several phrase lists in one index: one pass over a sentence finds, for each list, the
    longest phrase at each start."""

    def __init__(self, lists: dict[tuple[str, str], tuple[tuple[str, ...], ...]]) -> None:
        self.by_first: dict[str, list[tuple[tuple[str, ...], tuple[str, str]]]] = {}
        entries = {(phrase, label) for label, phrases in lists.items() for phrase in phrases}
        for phrase, label in sorted(entries, key=lambda e: len(e[0]), reverse=True):
            self.by_first.setdefault(phrase[0], []).append((phrase, label))

    def find_all(self, tokens: tuple[str, ...]) -> dict[tuple[str, str], list[tuple[int, int]]]:
        found: dict[tuple[str, str], list[tuple[int, int]]] = {}
        for start, token in enumerate(tokens):
            done: set[tuple[str, str]] = set()
            for phrase, label in self.by_first.get(token, ()):
                if label not in done and tokens[start:start + len(phrase)] == phrase:
                    done.add(label)
                    found.setdefault(label, []).append((start, start + len(phrase)))
        return found
