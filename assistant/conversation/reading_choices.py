"""A reply read as one of a question's choices ("better", "same", "worse"), with
negation, degree and misspellings."""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from assistant.conversation.answer_vocabulary import ChoiceWords
from assistant.conversation.answer_vocabulary import vocabulary as answer_vocabulary
from assistant.conversation.answer_words import Term, clauses, find_terms, has_negation
from assistant.conversation.interpretation import (
    NOT_UNDERSTOOD,
    Interpretation,
    has_doubt,
    normalise,
)


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
    if value in ("yes", "no") and any(has_doubt(words) for words in clauses(text)):
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
