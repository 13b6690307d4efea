"""A statistical second reader beside the concept rules: how likely a message is a warning sign.

The rules know the words of each sign and the grammar around them; they miss what no rule
names yet. A logistic regression over character and word n-grams, trained on the development
corpus (thousands of replies from many writers), reads the whole message the way a person
skims it. It does not replace the rules and never lowers what they found; it only adds
(`detector.weigh`):

- the rules found nothing and the reader is nearly sure it is a warning sign: a *possible*
  sign, named by the reader's per-sign models, so the patient is told what to do if it is
  happening now and a nurse checks today;
- the rules found no self-harm and the reader's self-harm model thinks it more likely than
  not, by a clear margin: a possible self-harm sign, with its 988 wording and a nurse today.
  Veiled self-harm is where the rules fall shortest, and a missed one costs far more than
  988's number sent to a look-alike, so its bar is lower than the one for other signs.

Inference is plain Python over a small JSON model (`second_reader.json.gz`), fast enough for
every reply; `training.py` fits it with scikit-learn (a development tool, not a dependency of
the running service) and records which corpus files it learned from, so a test can prove that
no held-out file was among them.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import pairwise
from pathlib import Path

from .words import normalise

MODEL = Path(__file__).with_name("second_reader.json.gz")
_WORD = re.compile(r"[a-z0-9]+")
CHARS = (2, 5)  # character n-gram lengths, inside word boundaries


def features(text: str) -> list[str]:
    """The n-grams a message is read by: its words, word pairs, and the letter sequences of
    each word (which carry stems, typos and Spanish endings without a dictionary)."""
    words = _WORD.findall(normalise(text))
    found = [f"w {w}" for w in words]
    found += [f"b {a} {b}" for a, b in pairwise(words)]
    for word in words:
        found += _letter_grams(word)
    return found


@lru_cache(maxsize=50_000)
def _letter_grams(word: str) -> tuple[str, ...]:
    padded = f" {word} "
    low, high = CHARS
    return tuple(f"c{padded[i:i + n]}" for n in range(low, high + 1)
                 for i in range(len(padded) - n + 1))


@dataclass(frozen=True)
class Opinion:
    """The reader's view of one message: the chance it shows a warning sign, and the sign it
    most resembles."""

    chance: float
    likeliest: str
    self_harm: float = 0.0  # the chance it speaks of self-harm, from a model of its own


@dataclass(frozen=True)
class Thresholds:
    add_above: float  # no rule's sign, but more chance than this: a possible sign
    self_harm_above: float = 0.8  # no rule's self-harm, but more chance than this: 988


class SecondReader:
    """Scores a message with the weights of a trained model (sublinear tf-idf, l2-normalised,
    then one logistic regression for "any sign", one per sign among messages that show one,
    and one for self-harm against every other message)."""

    def __init__(self, model: dict) -> None:
        self.flags: list[str] = model["flags"]
        self.intercepts: list[float] = model["intercepts"]
        self.weights: dict[str, list[float]] = model["features"]  # [idf, any, *per flag]
        self.thresholds = Thresholds(**model["thresholds"])
        self.trained_on: dict[str, str] = model["trained_on"]

    def read(self, text: str) -> Opinion:
        counts = Counter(f for f in features(text) if f in self.weights)
        if not counts:
            return Opinion(0.0, self.flags[0], 0.0)
        scores = [0.0] * len(self.intercepts)
        norm = 0.0
        for feature, count in counts.items():
            row = self.weights[feature]
            value = (1.0 + math.log(count)) * row[0]
            norm += value * value
            for i in range(len(scores)):
                scores[i] += value * row[i + 1]
        scale = 1.0 / math.sqrt(norm)
        logits = [s * scale + b for s, b in zip(scores, self.intercepts, strict=True)]
        per_flag = logits[1:1 + len(self.flags)]
        likeliest = self.flags[max(range(len(per_flag)), key=per_flag.__getitem__)]
        return Opinion(_sigmoid(logits[0]), likeliest, _sigmoid(logits[-1]))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


@cache
def second_reader() -> SecondReader | None:
    """The trained reader, or None when no model ships (the rules then stand alone)."""
    if not MODEL.exists():
        return None
    with gzip.open(MODEL, "rt", encoding="utf-8") as handle:
        return SecondReader(json.load(handle))
