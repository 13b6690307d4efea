"""The answer vocabulary (`answer_vocabulary.yaml`): what a described symptom or a negated
choice means, as data a clinical reviewer can read, loaded once.

A patient describes instead of answering ("feet swollen like balloons", "shoes fit fine"); the
question asked says what is being described, so descriptions are kept per canonical question
id, and choice words per set of choice keys (better/same/worse, yes/some/no).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from assistant.conversation.answer_words import Match, Term, find_terms, without, word_matches

VOCABULARY_FILE = Path(__file__).with_name("answer_vocabulary.yaml")


@dataclass(frozen=True)
class ChoiceWords:
    """Extra words for a set of choice keys, and what each means when negated."""

    terms: tuple[Term, ...]
    negated: Mapping[str, str]
    negated_words: Mapping[tuple[str, ...], str]
    partial: str | None = None
    together: Mapping[frozenset[str], str] = field(default_factory=dict)
    # Words that make the last clause the answer: "better yesterday, worse today".
    last_said_wins_with: tuple[str, ...] = ()

    def meaning(self, match: Match) -> str | None:
        """The choice a found term gives: negated, a comparative ("no better") or a plain
        word ("not good"); None when a negation leaves it open ("not the same")."""
        if not match.negated:
            return match.term.label
        for words, choice in self.negated_words.items():
            if len(words) == len(match.term.words) and all(
                    word_matches(said, word) for said, word in zip(match.term.words, words,
                                                                   strict=True)):
                return choice
        return self.negated.get(match.term.label)


@dataclass(frozen=True)
class Described:
    """What the descriptions in a reply say (True yes, False no, None both ways), and the
    rest of the reply to read as a plain yes or no."""

    value: bool | None
    rest: str
    matches: tuple[Match, ...] = field(default=())


@dataclass(frozen=True)
class Vocabulary:
    choices: dict[frozenset[str], ChoiceWords]
    described: dict[str, tuple[Term, ...]]
    # Questions where a negated statement the vocabulary does not know is a no ("don't have
    # one"); elsewhere it stays unclear ("can't finish a sentence" to the breathing question).
    negation_is_no: frozenset[str] = frozenset()

    def choice_words(self, keys: set[str]) -> ChoiceWords | None:
        return self.choices.get(frozenset(keys))

    def describe(self, question_id: str, text: str) -> Described | None:
        """None when the reply describes nothing this question asks about."""
        terms = self.described.get(question_id)
        if not terms:
            return None
        matches = find_terms(text, terms)
        if not matches:
            return None
        values = {(m.term.label == "yes") != m.negated for m in matches}
        value = values.pop() if len(values) == 1 else None
        return Described(value, without(text, matches), tuple(matches))


def _terms(words: Mapping[str, list[str]]) -> tuple[Term, ...]:
    return tuple(Term.parse(str(phrase), str(label))
                 for label, phrases in words.items() for phrase in phrases)


def parse(data: dict) -> Vocabulary:
    choices = {}
    for entry in data.get("choices", []):
        keys = frozenset(str(key) for key in entry["keys"])
        negated_words = {Term.parse(str(word), "").words: str(key)
                         for word, key in entry.get("negated_words", {}).items()}
        together = {frozenset(str(pair).split()): str(key)
                    for pair, key in entry.get("together", {}).items()}
        choices[keys] = ChoiceWords(_terms(entry["words"]),
                                    {str(k): str(v) for k, v in entry.get("negated", {}).items()},
                                    negated_words, entry.get("partial"), together,
                                    tuple(entry.get("last_said_wins_with", ())))
    described = {
        question_id: _terms({label: entry[label] for label in ("yes", "no") if label in entry})
        for question_id, entry in data.get("described", {}).items()
    }
    negation_is_no = frozenset(question_id for question_id, entry in data.get("described",
                                                                             {}).items()
                               if entry.get("negation_means") == "no")
    return Vocabulary(choices, described, negation_is_no)


@cache
def vocabulary() -> Vocabulary:
    return parse(yaml.safe_load(VOCABULARY_FILE.read_text(encoding="utf-8")))
