"""Fit the second reader on the development corpus: `python -m assistant.safety.training`.

A development tool: it needs scikit-learn (`pip install -e '.[train]'`), which the running
service does not. It learns only from `tests/corpus/safety/development*.yaml` and records each
file's SHA-256 in the model, so a test can prove no held-out file was learned from. It prints
leave-one-file-out counts (each development file read by a model trained on the others, beside
the rules' own answers) for the thresholds it stores, so they are chosen on development data
alone.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

from .detector import assess_by_rules, long_enough_for_the_reader, weigh
from .measure import CORPUS, load
from .second_reader import MODEL, Opinion, Thresholds, features
from .vocabulary import RED_FLAG_IDS

ADD_ABOVE = 0.95
# Chosen on the leave-one-file-out counts (docs/SAFETY.md): at 0.95 the reader missed 25 of the
# development files' self-harm messages that the rules missed too, at 0.8 nine, for 0.6 more
# false flags per 100 look-alikes.
SELF_HARM_ABOVE = 0.8
STRENGTH = 10.0  # inverse regularisation, chosen with the thresholds (docs/SAFETY.md)
MIN_FILES = 2  # an n-gram must occur in this many messages to be a feature
DIGITS = 4


def _fit(matrix: Any, labels: list[int]) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=STRENGTH, max_iter=5000, class_weight="balanced").fit(
        matrix, labels)


def _vectoriser() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer=features, min_df=MIN_FILES, sublinear_tf=True)


def leave_one_file_out(files: list[Path]) -> dict[str, int]:
    """What the reader would add to each development file, predicted by a model
    trained on the other files (each file is a different round of writers, so this is how
    it reads writers it has not seen). The thresholds are chosen on these counts."""
    thresholds = Thresholds(ADD_ABOVE, SELF_HARM_ABOVE)
    tally = dict.fromkeys(("added_red_flags", "added_look_alikes", "added_self_harm",
                           "added_self_harm_wrongly", "red_flags", "look_alikes"), 0)
    for held in files:
        vectoriser = _vectoriser()
        others = [case for path in files if path != held for case in load(path)]
        matrix = vectoriser.fit_transform([case["text"] for case in others])
        model = _fit(matrix, [int(case["severity"] != "none") for case in others])
        self_harm = _fit(matrix, [int("self_harm" in case["flags"]) for case in others])
        cases = load(held)
        read = vectoriser.transform([c["text"] for c in cases])
        chances = model.predict_proba(read)[:, 1]
        self_harm_chances = self_harm.predict_proba(read)[:, 1]
        for case, chance, harm in zip(cases, chances, self_harm_chances, strict=True):
            red = case["severity"] != "none"
            tally["red_flags" if red else "look_alikes"] += 1
            rules = assess_by_rules(case["text"])
            weighed = weigh(rules, Opinion(float(chance), "unknown", float(harm)), thresholds) \
                if long_enough_for_the_reader(case["text"]) else rules
            if any(f.by_reader and f.flag == "self_harm" for f in weighed):
                key = "added_self_harm" if "self_harm" in case["flags"] else \
                    "added_self_harm_wrongly"
                tally[key] += 1
            if not rules and weighed:
                tally["added_red_flags" if red else "added_look_alikes"] += 1
    return tally


def train(files: list[Path]) -> dict[str, Any]:
    cases = [case for path in files for case in load(path)]
    texts = [case["text"] for case in cases]
    vectoriser = _vectoriser()
    matrix = vectoriser.fit_transform(texts)
    models = [_fit(matrix, [int(case["severity"] != "none") for case in cases])]
    reds = [i for i, case in enumerate(cases) if case["severity"] != "none"]
    for flag in RED_FLAG_IDS:  # which sign, among the messages that show one
        models.append(_fit(matrix[reds], [int(flag in cases[i]["flags"]) for i in reds]))
    models.append(_fit(matrix, [int("self_harm" in case["flags"]) for case in cases]))
    names = vectoriser.get_feature_names_out()
    weights = {
        name: [round(float(vectoriser.idf_[j]), DIGITS),
               *(round(float(m.coef_[0][j]), DIGITS) for m in models)]
        for j, name in enumerate(names)}
    return {
        "about": "Second reader of the safety net (assistant/safety/second_reader.py); "
                 "made by assistant/safety/training.py. features: [idf, any sign, "
                 "*one weight per flag in 'flags', self-harm against every other message]",
        "trained_on": {path.name: hashlib.sha256(path.read_bytes()).hexdigest()
                       for path in files},
        "messages": len(cases),
        "flags": list(RED_FLAG_IDS),
        "thresholds": {"add_above": ADD_ABOVE, "self_harm_above": SELF_HARM_ABOVE},
        "intercepts": [float(m.intercept_[0]) for m in models],
        "features": weights,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-check", action="store_true",
                        help="skip the leave-one-file-out figures (several minutes)")
    args = parser.parse_args(argv)
    files = sorted(CORPUS.glob("development*.yaml"))
    model = train(files)
    text = json.dumps(model, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    # No time stamp in the header: the same corpus gives the same file, byte for byte.
    MODEL.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    print(f"{MODEL.name}: {len(model['features'])} features from {model['messages']} messages "
          f"({MODEL.stat().st_size // 1024} KiB)")
    if not args.no_check:
        print("leave one file out:", json.dumps(leave_one_file_out(files)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
