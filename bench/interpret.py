"""Replies interpreted (and scanned for red flags) per second.

Two sets: the short replies of `tests/corpus/replies.yaml` (the historical figure) and the
safety corpus's development part (patients' and caregivers' longer messages). Each is read
once before timing, as a running process would have (word lists loaded, words seen before).
"""

from __future__ import annotations

import time
from typing import Any

import yaml

from assistant.conversation.understanding import interpret
from assistant.foundation.config import PROJECT_ROOT
from assistant.safety import scan

from .common import Options, rate, ratio

CORPUS = PROJECT_ROOT / "tests" / "corpus"


def _timed(replies: list[str], rounds: int) -> dict[str, Any]:
    for text in replies:  # warm-up
        interpret("yes_no", text)
        scan(text)
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


def interpret_speed(options: Options) -> dict[str, Any]:
    """Baseline: lower-casing and splitting the same replies, the least any reader does."""
    corpus = yaml.safe_load((CORPUS / "replies.yaml").read_text())
    replies = [t for texts in corpus["yes_no"].values() for t in texts]
    replies += [t for texts in corpus["red_flags"].values() for t in texts]
    messages = [case["text"] for case in yaml.safe_load(
        (CORPUS / "safety" / "development.yaml").read_text(encoding="utf-8"))]
    short = _timed(replies, 5 if options.quick else 40)
    long = _timed(messages[:800] if options.quick else messages, 1 if options.quick else 3)
    return {**short, "patient_messages": long}
