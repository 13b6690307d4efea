"""Answers as patients word them: negation and degree in choices and yes/no, descriptions of a
symptom as the answer to its question, and readings said aloud."""

from __future__ import annotations

import pytest

from assistant.conversation.understanding import (
    interpret_choice,
    interpret_number,
    interpret_yes_no,
)
from tests.helpers import DOB_REPLY, alerts, start_checkin

FEELING = {"better": ("good", "great", "fine", "ok", "well", "mejor", "bien"),
           "same": ("no change", "igual"), "worse": ("bad", "not good", "peor", "mal")}
PICKED_UP = {"yes": ("all", "got them", "picked up"), "some": ("some", "not all"),
             "no": ("none", "not yet", "haven't")}


@pytest.mark.parametrize(("text", "value"), [
    ("not too good", "worse"), ("no me siento bien", "worse"), ("not great", "worse"),
    ("I don't feel good", "worse"), ("no better at all", "same"), ("no better", "same"),
    ("no estoy mejor", "same"), ("not any worse", "same"), ("not worse", "same"),
    ("good, not worse", "better"), ("not bad", "better"), ("never felt better", "better"),
    ("better yesterday, worse today", "worse"),
])
def test_a_negated_feeling_is_read_with_its_negation(text: str, value: str) -> None:
    assert interpret_choice(text, FEELING).value == value


@pytest.mark.parametrize("text", ["not the same", "good and bad",
                                  "my breathing is better but my legs are worse"])
def test_a_feeling_both_ways_is_asked_again(text: str) -> None:
    assert not interpret_choice(text, FEELING).understood


@pytest.mark.parametrize(("text", "value"), [
    ("I never got it", "no"), ("haven't gotten it", "no"), ("not yet", "no"),
    ("todavía no", "no"), ("got one of them", "some"), ("only some", "some"),
    ("I didn't get all of them", "some"),
])
def test_prescriptions_picked_up_read_negation_and_part(text: str, value: str) -> None:
    assert interpret_choice(text, PICKED_UP).value == value


@pytest.mark.parametrize(("text", "question", "value"), [
    ("ya no", None, False), ("ya no lo tomo", "meds_taking", False),
    ("ya no lo tomo", "meds_stopped", True), ("haven't gotten it", None, False),
    ("it's warm and leaking", "wound", True), ("every hour or two", "rescue_inhaler", True),
    ("feet swollen like balloons", "swelling", True), ("shoes fit fine", "swelling", False),
    ("shoes don't fit anymore", "swelling", True), ("I sleep in the recliner now",
                                                    "orthopnea", True),
    ("green and thick now", "sputum", True), ("winded walking to the kitchen", "breathing", True),
    ("looks clean and dry", "wound", False), ("no chest pain", "chest_pain", False),
    ("está limpia y seca", "wound", False), ("me falta el aire", "breathing", True),
])
def test_a_description_answers_the_question_it_describes(text: str, question: str | None,
                                                          value: bool) -> None:
    result = interpret_yes_no(text, question)
    assert result.understood and result.value is value


@pytest.mark.parametrize(("text", "question", "leaning"), [
    ("I think so", None, True), ("creo que sí", None, True), ("I don't think so", None, False),
    ("I think it's a bit red", "wound", True), ("no, but my ankles are swollen", "swelling", True),
])
def test_a_hedge_is_confirmed_before_it_is_stored(text: str, question: str | None,
                                                  leaning: bool) -> None:
    result = interpret_yes_no(text, question)
    assert result.hedged and not result.understood and result.value is leaning


def test_an_unknown_negation_to_a_symptom_question_is_asked_again_not_a_no() -> None:
    assert interpret_yes_no("can't finish a sentence", "breathing").value is True
    assert not interpret_yes_no("can't stop coughing", "breathing").understood
    assert not interpret_yes_no("I can't see it, it's on my back", "wound").understood


@pytest.mark.parametrize(("text", "unit", "value"), [
    ("one eighty four point two", "lb", 184.2), ("ninety eight point six", "F", 98.6),
    ("one oh one", "F", 101), ("98 point 6", "F", 98.6), ("one five eight", "lb", 158),
    ("ciento ochenta y cuatro punto dos", "lb", 184.2), ("treinta y ocho coma cinco", "F", 101.3),
    ("took it twice, 99.1 then 100.2", "F", 100.2), ("it was 181, up from 178", "lb", 181),
])
def test_readings_said_aloud_are_understood(text: str, unit: str, value: float) -> None:
    limits = {"lb": (60, 700), "F": (90, 110)}[unit]
    result = interpret_number(text, unit, *limits)
    assert result.understood and result.value == value and not result.change


def test_not_too_good_is_worse_and_a_nurse_will_call(services, phone) -> None:
    start_checkin(services)
    phone.text(DOB_REPLY)
    told = phone.text("not too good honestly")
    assert told[0].startswith("Thank you for telling us. A nurse")
    assert ("urgent", "feeling_worse") in alerts(services)


def test_a_described_symptom_counts_as_yes_in_conversation(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from click.testing import CliRunner

    from carecall.cli import main

    script = tmp_path / "s.yaml"
    script.write_text('replies: {"*": "no", feeling: same, pain: "3", '
                      'wound: "it\'s warm and leaking a bit", appointment: "yes", '
                      'transport: "yes", keep_down: "yes", urination: "yes"}\n')
    result = CliRunner().invoke(main, ["converse", "--flow", "post_surgery", "--script",
                                       str(script), "--json"])
    report = json.loads(result.output)
    assert {"severity": "urgent", "reason": "wound", "question": "wound"} in report["alerts"]
    assert report["answers"]["wound"]["value"] is True
