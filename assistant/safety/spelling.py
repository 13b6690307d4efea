"""Typo tolerance: a word no dictionary knows is read as the vocabulary word it is one slip
away from ("cehst" -> "chest", "breth" -> "breath", "bleading" -> "bleeding").

Only words that are not real English or Spanish words are corrected, so "painted" never
becomes "fainted" and "chess" stays a game unless the vocabulary lists it as a sound-alike.
The word lists are `wordfreq`'s small English and Spanish lists (about 58,000 common word
forms, inflections included), read once straight from its msgpack data files.
"""

from __future__ import annotations

import gzip
from functools import cache, lru_cache
from importlib import resources

import msgpack
from rapidfuzz import process
from rapidfuzz.distance import OSA

from .vocabulary import vocabulary
from .words import normalise

MIN_LENGTH = 4
DICTIONARIES = ("en", "es")


@cache
def known_words() -> frozenset[str]:
    """Real words in either language, accents and apostrophes removed as in messages."""
    words: set[str] = set()
    for language in DICTIONARIES:
        path = resources.files("wordfreq").joinpath("data", f"small_{language}.msgpack.gz")
        with path.open("rb") as raw, gzip.open(raw) as unpacked:
            _header, *buckets = msgpack.load(unpacked, raw=False)  # words by frequency band
        words.update(normalise(word) for bucket in buckets for word in bucket)
    return frozenset(words)


def allowed_distance(word: str) -> int:
    """One slip, two only in a long word ("desayune" is not "desmaye")."""
    return 1 if len(word) < 10 else 2


@lru_cache(maxsize=50_000)
def correction(token: str) -> str | None:
    """The vocabulary word `token` is a typo of, or None if it is a word or too far from any."""
    if len(token) < MIN_LENGTH or token.isdigit() or token in known_words():
        return None
    table = vocabulary()
    match = process.extractOne(token, table.spellable, scorer=OSA.distance,
                               score_cutoff=allowed_distance(token))
    if match is not None:
        return table.spelled_as[match[0]]
    for prefix in table.prefixes:  # "sqeezing" is a slip of "squeez*"
        if len(prefix) < 5 or token[:2] != prefix[:2]:
            continue
        for cut in (len(prefix) - 1, len(prefix), len(prefix) + 1):
            if cut <= len(token) and token[cut:] in ENDINGS \
                    and OSA.distance(token[:cut], prefix) <= 1:
                return prefix + token[cut:]
    return None


# What may follow a slipped stem: "sqeez|ing", "desmall|e" (not "desay|une").
ENDINGS = frozenset({"", "s", "e", "es", "ed", "d", "ing", "in", "er", "y", "o", "a", "os", "as",
                     "ado", "ada", "ando", "iendo", "ar", "ir", "aba", "ia", "arme", "arse",
                     "ase", "io"})
