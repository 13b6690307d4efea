"""What reading a reply gives (`Interpretation`), and the text clean-up every reader of
answers shares."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Interpretation:
    """`hedged`: the reply leans one way (value) but must be confirmed. `change`: a number
    said as a difference ("up 2 pounds"), so value is signed and not a reading."""

    understood: bool
    value: Any = None
    unit: str | None = None
    hedged: bool = False
    change: bool = False


NOT_UNDERSTOOD = Interpretation(False)


def normalise(text: str) -> str:
    """Lower case, accents off, punctuation to spaces, single spaces."""
    text = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^\w\s'/.°-]", " ", text)
    return re.sub(r"\s+", " ", text).strip(" .")


def find_labels(text: str, vocabulary: dict[str, str], longest: int = 5) -> list[tuple[int, str]]:
    """(word position, label) of the phrases in `text`, longest phrase first, so "not good"
    is not "good"."""
    words = text.replace(".", " ").split()
    labels, position = [], 0
    while position < len(words):
        for size in range(min(longest, len(words) - position), 0, -1):
            phrase = " ".join(words[position:position + size])
            if phrase in vocabulary:
                labels.append((position, vocabulary[phrase]))
                position += size
                break
        else:
            position += 1
    return labels


def squeeze(text: str, vocabulary: dict[str, str]) -> str:
    """"yesss" → "yes", "nooo" → "no", "sii" → "si": stretched words patients type."""
    words = []
    for word in text.split():
        squeezed = re.sub(r"(.)\1+", r"\1", word)
        words.append(squeezed if word not in vocabulary and squeezed in vocabulary else word)
    return " ".join(words)


DOUBT = ("i think", "think", "creo", "maybe", "probably", "i guess", "might", "tal vez",
         "quizas", "a lo mejor", "puede que", "not sure", "no se", "supongo", "seems", "parece")


def has_doubt(words: list[str]) -> bool:
    said = f" {' '.join(words)} "
    return any(f" {phrase} " in said for phrase in DOUBT)
