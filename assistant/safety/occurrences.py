"""Where the parts of signs occur in a sentence: each token's word classes (stems, typos,
sound-alikes, words split in two), phrases of several words, and the figures of speech that
mask them ("weight off my chest")."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

from .spelling import correction
from .vocabulary import (
    context_words,
    read_yaml,
    token_keys,
    vocabulary,
)
from .words import PhraseIndex, Sentence, normalise

PHRASE_GAP = 1  # extra words allowed inside a phrase ("passed right out")


PAIRINGS = 3  # occurrences of each other part tried with each first part


@dataclass(frozen=True)
class Occurrence:
    klass: str
    start: int
    end: int
    corrected: bool


@lru_cache(maxsize=50_000)
def _classes_of(token: str) -> tuple[frozenset[str], bool]:
    """The classes a token belongs to, and whether that took a typo correction."""
    table = vocabulary()
    found: set[str] = set()
    for key in token_keys(token):
        found |= table.single.get(key, frozenset())
    for length in range(3, len(token) + 1):
        found |= table.prefixes.get(token[:length], frozenset())
    if found or token in _context_vocabulary():
        return frozenset(found), False
    fixed = correction(token)
    if fixed is None or fixed == token:
        return frozenset(), False
    classes, _ = _classes_of(fixed)
    return classes, bool(classes)


@cache
def _context_vocabulary() -> frozenset[str]:
    """Words the context lists use: never "corrected" into a sign."""
    return frozenset(context_words("first_person") | context_words("affirmation"))


@lru_cache(maxsize=50_000)
def _split_word_classes(first: str, second: str) -> tuple[frozenset[str], bool]:
    """Classes of two tokens read as one word ("san gre" -> sangre), when neither says as
    much alone: speech recognisers split the words that matter. A joined word that is itself
    a slip ("mata arme" -> matarme) is accepted only when long, and counts as a guess."""
    if len(first) < 2 or len(second) < 2 or len(first + second) < 5:
        return frozenset(), False
    word = first + second
    joined, corrected = _classes_of(word)
    if not joined:
        return frozenset(), False
    if corrected:
        fixed = correction(word) or ""
        if len(word) < 7 or fixed[:2] != word[:2]:
            return frozenset(), False
    alone = _classes_of(first)[0] | _classes_of(second)[0]
    return frozenset(joined - alone), corrected


@lru_cache(maxsize=50_000)
def _keys_with_correction(token: str) -> tuple[tuple[str, str], ...]:
    """A token's keys, and its correction's when it is a typo ("wnat" reads as "want")."""
    fixed = correction(token) if token not in _context_vocabulary() else None
    return token_keys(token) + (token_keys(fixed) if fixed and fixed != token else ())


def _phrase_end(tokens: tuple[str, ...], second: int, words: tuple[frozenset, ...]
                ) -> int | None:
    """Where a phrase whose first two words are matched (the second at `second`) ends."""
    position = second + 1
    for keys in words[2:]:
        for skip in range(PHRASE_GAP + 1):
            at = position + skip
            if at < len(tokens) and not keys.isdisjoint(_keys_with_correction(tokens[at])):
                position = at + 1
                break
        else:
            return None
    return position


def _blocked(start: int, end: int, masked: set[int],
             mask_spans: list[tuple[int, int]]) -> bool:
    """A phrase touching a mask is blocked, unless the mask lies wholly inside a longer
    phrase: "stopped my blood thinner" is not "blood thinner"."""
    touching = [(a, b) for a, b in mask_spans if a < end and start < b]
    if not masked.intersection(range(start, end)):
        return False
    return not all(start <= a and b <= end and (a, b) != (start, end) for a, b in touching)


def find_occurrences(sentence: Sentence, masked: set[int]) -> list[Occurrence]:
    table = vocabulary()
    tokens = sentence.tokens
    mask_spans = _masks().find(tokens) if masked else []
    keys = [_keys_with_correction(token) for token in tokens]
    found: list[Occurrence] = []
    for start in range(len(tokens) - 1):  # a word the recogniser split: "des mayo"
        if start not in masked and start + 1 not in masked:
            joined_classes, guessed = _split_word_classes(tokens[start], tokens[start + 1])
            found.extend(Occurrence(k, start, start + 2, guessed) for k in joined_classes)
    for start, token in enumerate(tokens):
        if start in masked:
            continue
        classes, corrected = _classes_of(token)
        found.extend(Occurrence(k, start, start + 1, corrected) for k in classes)
        seen: set[tuple[str, int]] = set()
        for second in range(start + 1, min(start + 2 + PHRASE_GAP, len(tokens))):
            for first_key in keys[start]:
                for second_key in keys[second]:
                    for phrase in table.phrases.get((first_key, second_key), ()):
                        end = _phrase_end(tokens, second, phrase.words)
                        if end is None or (phrase.klass, end) in seen \
                                or _blocked(start, end, masked, mask_spans):
                            continue
                        seen.add((phrase.klass, end))
                        found.append(Occurrence(phrase.klass, start, end, False))
    return found


@cache
def _masks() -> PhraseIndex:
    data = read_yaml("context.yaml")["masks"]
    return PhraseIndex(tuple(tuple(normalise(p).split()) for lang in data for p in data[lang]))


def masked_positions(tokens: tuple[str, ...]) -> set[int]:
    covered: set[int] = set()
    for start, end in _masks().find(tokens):
        covered.update(range(start, end))
    return covered


@lru_cache(maxsize=4096)
def all_occurrences(sentence: Sentence) -> tuple[Occurrence, ...]:
    """Every class in a sentence, masks ignored: read once for the sentence's signs and once
    for what holds message-wide."""
    return tuple(find_occurrences(sentence, set()))


@cache
def phrase_index(name: str) -> PhraseIndex:
    """One of context.yaml's word lists, as phrases to find in a sentence."""
    return PhraseIndex(tuple(tuple(w.split()) for w in context_words(name)))
