"""Replies interpreted (and scanned for red flags) per second."""

from __future__ import annotations

import time
from typing import Any

import yaml

from assistant.config import PROJECT_ROOT
from assistant.safety import scan
from assistant.understanding import interpret

from .common import Options, rate, ratio


def interpret_speed(options: Options) -> dict[str, Any]:
    """Baseline: lower-casing and splitting the same replies, the least any reader does."""
    corpus = yaml.safe_load((PROJECT_ROOT / "tests" / "corpus" / "replies.yaml").read_text())
    replies = [t for texts in corpus["yes_no"].values() for t in texts]
    replies += [t for texts in corpus["red_flags"].values() for t in texts]
    rounds = 5 if options.quick else 40
    started = time.perf_counter()
    for _ in range(rounds):
        for text in replies:
            interpret("yes_no", text)
            scan(text)
    spent = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(rounds):
        for text in replies:
            text.lower().split()
    baseline = time.perf_counter() - started
    return {"replies_per_second": rate(rounds * len(replies), spent),
            "ratio_to_splitting": ratio(spent, baseline), "replies": rounds * len(replies)}
