"""The safety net's vocabulary, loaded from YAML and compiled into look-up tables.

`concepts.yaml` holds word classes (a body site, a sensation, a sign that stands alone) and the
red-flag concepts built from them; `context.yaml` holds the ConText triggers. Both are data a
clinical reviewer reads; this module only turns them into tables the detector can use fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

from .words import normalise, stems

HERE = Path(__file__).parent
LANGUAGES = ("en", "es")
SEVERITIES = ("emergency", "urgent")
MIN_STEM = 4


@dataclass(frozen=True)
class Sign:
    """One way a concept shows: every class in `classes` within one stretch of a sentence.

    `milder` / `graver` name a class whose presence in the sentence moves the severity down to
    urgent or up to emergency ("a little short of breath" / "short of breath sitting still")."""

    classes: tuple[str, ...]
    severity: str
    milder: str | None = None
    graver: str | None = None
    window: int = 10  # the widest stretch of words the classes may span
    whole: bool = False  # only when these words are the whole message
    ordered: bool = False  # the classes in this order ("if I don't wake up, it's fine")
    across: bool = False  # the classes may fall in different sentences of the message
    possible: bool = False  # words as often innocent ("thanks for everything, bye"): a nurse asks
    needs: frozenset[str] = frozenset()  # the classes, as a set

    def __post_init__(self) -> None:
        object.__setattr__(self, "needs", frozenset(self.classes))


@dataclass(frozen=True)
class Concept:
    flag: str
    summary: str
    signs: tuple[Sign, ...]
    yields_to: tuple[str, ...] = ()  # a finding overlapping one of these is theirs
    persists_with: str | None = None  # with this class in the sentence, "it stopped" is no end
    passing_counts: bool = False  # a sign that went away still counts ("fine now")


@dataclass(frozen=True)
class Phrase:
    """A class member of several words; each word is a set of keys (surface or stems)."""

    klass: str
    words: tuple[frozenset[tuple[str, str]], ...]


@dataclass(frozen=True)
class Vocabulary:
    single: dict[tuple[str, str], frozenset[str]]  # (kind, key) -> classes
    prefixes: dict[str, frozenset[str]]  # "sangr" -> classes, for members written "sangr*"
    # the first two words' keys -> phrases
    phrases: dict[tuple[tuple[str, str], tuple[str, str]], tuple[Phrase, ...]]
    concepts: tuple[Concept, ...]
    spellable: tuple[str, ...]  # single-word members long enough to correct typos towards
    spelled_as: dict[str, str]  # a spellable member -> a word form the tables know
    symptom_classes: frozenset[str]  # body and symptom words a nurse should see


def keys(word: str, language: str | None) -> frozenset[tuple[str, str]]:
    """How a vocabulary word is recognised: as written, and by its stem in its language."""
    english, spanish = stems(word)
    found = {("s", word)}
    # A short stem cut from a longer word says too little ("herirme" -> "her"): spelling only.
    if language in (None, "en") and _telling(english, word):
        found.add(("en", english))
    if language in (None, "es") and _telling(spanish, word):
        found.add(("es", spanish))
    return frozenset(found)


def _telling(stem: str, word: str) -> bool:
    """A stem says enough when it is long, or only an ending was cut ("runs" -> "run")."""
    return len(stem) >= MIN_STEM or len(word) - len(stem) <= 1


@lru_cache(maxsize=50_000)
def token_keys(token: str) -> tuple[tuple[str, str], ...]:
    english, spanish = stems(token)
    return ("s", token), ("en", english), ("es", spanish)


@cache
def read_yaml(name: str) -> dict[str, Any]:
    """One of the vocabulary files, read once (with libyaml's loader where it is built)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load((HERE / name).read_text(encoding="utf-8"), Loader=loader)
    _only_strings(data, name)
    return data


def _only_strings(node: Any, where: str) -> None:
    """YAML reads a bare no, yes or on as a boolean: every listed word must be quoted text."""
    if isinstance(node, dict):
        for key, value in node.items():
            _only_strings(value, f"{where}: {key}")
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, bool | int | float):
                raise ValueError(f"{where}: quote {item!r}")
            _only_strings(item, where)


@cache
def vocabulary() -> Vocabulary:
    data = read_yaml("concepts.yaml")
    single: dict[tuple[str, str], set[str]] = {}
    prefixes: dict[str, set[str]] = {}
    phrases: dict[tuple[tuple[str, str], tuple[str, str]], list[Phrase]] = {}
    spellable: dict[str, str] = {}
    for klass, entry in data["classes"].items():
        exact = entry.get("exact", False)  # no stems: "lleve" must not match "lleva"
        for language in LANGUAGES:
            spelling_only = exact is True or (isinstance(exact, list) and language in exact)
            for member in entry.get(language, ()):
                if not isinstance(member, str):  # YAML reads a bare no/yes/on as a boolean
                    raise ValueError(f"concepts.yaml: {klass}: quote {member!r}")
                word = normalise(member).strip()
                parts = word.split()
                if len(parts) > 1:
                    phrase = Phrase(klass, tuple(
                        frozenset({("s", p)}) if spelling_only else keys(p, language)
                        for p in parts))
                    for first in phrase.words[0]:
                        for second in phrase.words[1]:
                            phrases.setdefault((first, second), []).append(phrase)
                elif word.endswith("*"):
                    prefixes.setdefault(word[:-1], set()).add(klass)
                    if len(word) > 5:
                        spellable.setdefault(word[:-1], word[:-1])
                else:
                    for key in ({("s", word)} if spelling_only else keys(word, language)):
                        single.setdefault(key, set()).add(klass)
                    if len(word) >= 4 and not entry.get("exact"):
                        spellable.setdefault(word, word)
    concepts = tuple(
        Concept(flag, entry["summary"], tuple(
            Sign(tuple(sign["all"]), sign.get("severity", "emergency"), sign.get("milder"),
                 sign.get("graver"), sign.get("window", 10), bool(sign.get("whole")),
                 bool(sign.get("ordered")), bool(sign.get("across")),
                 bool(sign.get("possible")))
            for sign in entry["signs"]), tuple(entry.get("yields_to", ())),
            entry.get("persists_with"), bool(entry.get("passing_counts")))
        for flag, entry in data["concepts"].items())
    return Vocabulary(
        {key: frozenset(v) for key, v in single.items()},
        {key: frozenset(v) for key, v in prefixes.items()},
        {key: tuple(v) for key, v in phrases.items()},
        concepts, tuple(sorted(spellable)), spellable,
        frozenset(data.get("symptom_classes", ())))


@cache
def context_triggers() -> dict[str, dict[str, tuple[tuple[str, ...], ...]]]:
    """ConText triggers by category and direction, each a tuple of normalised words."""
    data = read_yaml("context.yaml")
    table: dict[str, dict[str, tuple[tuple[str, ...], ...]]] = {}
    for category, entry in data["triggers"].items():
        table[category] = {}
        for direction in ("before", "after", "adjacent_after", "anywhere"):
            phrases = {tuple(normalise(str(p)).split()) for language in LANGUAGES
                       for p in (entry.get(direction) or {}).get(language, ())}
            table[category][direction] = tuple(sorted(phrases, key=len, reverse=True))
    return table


@cache
def context_words(name: str) -> frozenset[str]:
    data = read_yaml("context.yaml")["words"][name]
    return frozenset(normalise(str(w)) for language in LANGUAGES for w in data.get(language, ()))


def _concepts_data() -> dict[str, Any]:
    return read_yaml("concepts.yaml")["concepts"]


RED_FLAG_IDS: tuple[str, ...] = tuple(_concepts_data())
SUMMARIES: dict[str, str] = {flag: entry["summary"] for flag, entry in _concepts_data().items()}


@cache
def gather_hints(language: str) -> tuple[str, ...]:
    """Words a speech recogniser should expect on any question: the warning signs' own words,
    so "chest" is not heard as "just" (`hints` on Twilio's `<Gather>`)."""
    data = read_yaml("concepts.yaml")
    return tuple(data.get("hints", {}).get(language, ()))
