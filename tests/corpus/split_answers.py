"""Split the blind answer corpus once, before any tuning: a seeded random quarter of each kind
is held out (`answers_heldout.yaml`, never read while tuning), the rest is for development.

Run: python tests/corpus/split_answers.py /work/corpus_drafts/answers/cases.yaml
"""

from __future__ import annotations

import random
import sys
from collections import defaultdict
from pathlib import Path

import yaml

SEED = 20261127
HERE = Path(__file__).parent


def split(cases: list[dict]) -> tuple[list[dict], list[dict]]:
    by_kind: dict[str, list[int]] = defaultdict(list)
    for index, case in enumerate(cases):
        by_kind[case["kind"]].append(index)
    rng = random.Random(SEED)
    held = set()
    for kind in sorted(by_kind):
        indexes = by_kind[kind]
        held |= set(rng.sample(indexes, round(len(indexes) / 4)))
    return ([c for i, c in enumerate(cases) if i not in held],
            [c for i, c in enumerate(cases) if i in held])


def main(source: str) -> None:
    cases = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
    development, heldout = split(cases)
    for name, part in (("answers_development.yaml", development),
                       ("answers_heldout.yaml", heldout)):
        (HERE / name).write_text(yaml.safe_dump(part, sort_keys=False, allow_unicode=True,
                                                width=100), encoding="utf-8")
        print(name, len(part))


if __name__ == "__main__":
    main(sys.argv[1])
