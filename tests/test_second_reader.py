"""The safety net's second reader: learned only from development text, consulted only at the
edges (a sign no rule found; a certain sign in what reads as a look-alike), never silencing."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import pytest
import yaml

from assistant.safety.detector import Finding, assess, weigh
from assistant.safety.second_reader import Opinion, SecondReader, Thresholds, second_reader

CORPUS = Path(__file__).parent / "corpus" / "safety"
EDGES = Thresholds(add_above=0.95, self_harm_above=0.8)


def test_the_shipped_reader_learned_from_the_development_files_only_as_they_are_now() -> None:
    reader = second_reader()
    assert reader is not None
    development = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                   for p in CORPUS.glob("development*.yaml")}
    assert reader.trained_on == development, (
        "the development corpus changed: retrain with python -m assistant.safety.training")


def test_a_message_no_rule_reads_but_the_reader_is_sure_of_gets_a_possible_sign() -> None:
    findings = weigh((), Opinion(0.99, "chest_pain"), EDGES)
    assert findings == (Finding("chest_pain", "possible", "urgent", "", by_reader=True),)
    assert not findings[0].emergency  # told what to do if it is happening now; a nurse today


def test_self_harm_found_by_the_reader_alone_still_goes_to_988() -> None:
    (finding,) = weigh((), Opinion(0.99, "self_harm"), EDGES)
    assert (finding.flag, finding.severity) == ("self_harm", "emergency")


def test_below_the_bar_the_reader_adds_nothing() -> None:
    assert weigh((), Opinion(0.9, "stroke"), EDGES) == ()


def test_the_reader_never_lowers_a_rule_sign() -> None:
    """A reply that lists denials before its sign reads, to n-grams, like a denial."""
    for sign in (Finding("breathing", "certain", "emergency", "cant breathe"),
                 Finding("self_harm", "certain", "emergency", "want to die")):
        assert weigh((sign,), Opinion(0.0, sign.flag), EDGES) == (sign,)


@pytest.mark.parametrize("text", [
    "No fever no cough no swelling but I can't breathe",
    "Doing well no complaints no pain, only my speech is slurred since lunch",
    "Feeling better no problems at all, I just fainted for a sec earlier",
])
def test_denials_before_a_sign_leave_it_an_emergency(text: str) -> None:
    assert assess(text).emergencies


def test_the_rules_stand_when_the_reader_has_no_strong_view() -> None:
    sign = Finding("fainting", "certain", "emergency", "passed out")
    assert weigh((sign,), Opinion(0.5, "fainting"), EDGES) == (sign,)


def test_scores_are_tf_idf_weighted_l2_normalised_then_logistic() -> None:
    """The arithmetic the training tool's scikit-learn model uses, on a two-word model."""
    model = {"flags": ["chest_pain", "self_harm"], "intercepts": [-1.0, 0.0, 0.0],
             "thresholds": {"add_above": 0.95}, "trained_on": {},
             "features": {"w chest": [2.0, 3.0, 1.0, -1.0], "w hurts": [1.0, 1.0, 0.0, 2.0]}}
    reader = SecondReader(model)
    opinion = reader.read("chest chest hurts")
    chest, hurts = (1 + math.log(2)) * 2.0, 1.0
    norm = math.hypot(chest, hurts)
    expected = 1 / (1 + math.exp(-((3.0 * chest + 1.0 * hurts) / norm - 1.0)))
    assert opinion.chance == pytest.approx(expected)
    assert opinion.likeliest == "chest_pain"  # chest outweighs hurts: 2.39 against -0.39
    assert reader.read("nothing known here") == Opinion(0.0, "chest_pain")


def _everyday_replies() -> list[str]:
    corpus = yaml.safe_load((Path(__file__).parent / "corpus" / "replies.yaml").read_text())
    return [text for kind, groups in corpus.items() if kind not in ("red_flags",)
            and isinstance(groups, dict) for texts in groups.values()
            if isinstance(texts, list) for text in texts if isinstance(text, str)]


def test_everyday_answers_raise_nothing_from_the_reader() -> None:
    """ "y", "I don't think so", "a bit": too short for the reader, left to the rules."""
    replies = _everyday_replies()
    assert len(replies) > 100
    assert [t for t in replies if any(f.by_reader for f in assess(t).findings)] == []


@pytest.mark.parametrize("text", ["I can't breathe", "my chest hurts so bad", "me desmayé"])
def test_a_short_emergency_is_never_doubted(text: str) -> None:
    assert assess(text).emergencies


def test_self_harm_the_rules_missed_is_added_beside_any_other_sign() -> None:
    pills = Finding("bleeding", "certain", "urgent", "blood on the gauze")
    findings = weigh((pills,), Opinion(0.6, "bleeding", self_harm=0.99), EDGES)
    assert findings == (pills, Finding("self_harm", "possible", "emergency", "", by_reader=True))


def test_self_harm_has_a_lower_bar_than_the_other_signs() -> None:
    """Veiled self-harm is where the rules fall shortest: likely is enough for 988."""
    assert weigh((), Opinion(0.5, "fainting", self_harm=0.85), EDGES) == (
        Finding("self_harm", "possible", "emergency", "", by_reader=True),)
    assert weigh((), Opinion(0.5, "fainting", self_harm=0.75), EDGES) == ()


def test_self_harm_the_rules_found_is_not_added_twice() -> None:
    wish = Finding("self_harm", "certain", "emergency", "want to die")
    assert weigh((wish,), Opinion(0.99, "self_harm", self_harm=0.99), EDGES) == (wish,)
