"""The red-flag safety net: every warning sign caught whatever the phrasing, negations not."""

from __future__ import annotations

import pytest

from assistant.redflags import RED_FLAG_IDS, scan

CAUGHT = [
    # English
    ("I have some chest pain", "chest_pain"),
    ("my chest hurts again", "chest_pain"),
    ("chest really hurts today", "chest_pain"),
    ("there's pressure in my chest", "chest_pain"),
    ("I think I'm having a heart attack", "chest_pain"),
    ("No I have chest pain", "chest_pain"),
    ("no fever, but chest pain", "chest_pain"),
    ("not sure if it's chest pain", "chest_pain"),
    ("chest pian since last night", "chest_pain"),
    ("I can't breathe", "breathing"),
    ("I cant breath", "breathing"),
    ("having trouble breathing", "breathing"),
    ("it's hard to breathe when I lie down", "breathing"),
    ("my lips are blue", "breathing"),
    ("I passed out this morning", "fainting"),
    ("fainted in the bathroom", "fainting"),
    ("I feel confused", "confusion"),
    ("mom seems disoriented today", "confusion"),
    ("her face is drooping", "stroke"),
    ("slurred speech and my arm is weak", "stroke"),
    ("I think he had a stroke", "stroke"),
    ("the wound is bleeding a lot", "bleeding"),
    ("I'm vomiting blood", "bleeding"),
    ("I'm coughing up blood", "coughing_blood"),
    ("pink frothy spit", "coughing_blood"),
    ("I fell and hit my head", "head_injury"),
    ("bumped my head on the cabinet", "head_injury"),
    ("I want to kill myself", "self_harm"),
    ("I don't want to live anymore", "self_harm"),
    ("sometimes I think about suicide", "self_harm"),
    # Spanish
    ("me duele el pecho", "chest_pain"),
    ("tengo dolor de pecho", "chest_pain"),
    ("siento presión en el pecho", "chest_pain"),
    ("no puedo respirar", "breathing"),
    ("me falta el aire", "breathing"),
    ("me desmayé ayer", "fainting"),
    ("estoy confundida", "confusion"),
    ("tiene la boca torcida", "stroke"),
    ("estoy sangrando mucho", "bleeding"),
    ("estoy tosiendo sangre", "coughing_blood"),
    ("me caí y me golpeé la cabeza", "head_injury"),
    ("quiero morir", "self_harm"),
    ("no quiero vivir", "self_harm"),
]

NOT_CAUGHT = [
    "no chest pain",
    "No chest pain today",
    "I don't have any trouble breathing",
    "I dont have chest pain or trouble breathing",
    "denies chest pain",
    "chest pain is gone now",
    "no more chest pain",
    "I haven't had any chest pain since I got home",
    "what should I do if I get chest pain?",
    "I had a stroke years ago",
    "I'm confused about my pills",
    "a little bleeding from the incision",
    "the bleeding stopped",
    "I painted the kitchen",
    "fine thanks, no problems",
    "yes", "no", "nope", "better", "si",
    "sin dolor de pecho",
    "no tengo dolor de pecho",
    "ya no me duele el pecho",
    "no me he desmayado",
    "I can't stop coughing",
    "my breathing is fine",
]


@pytest.mark.parametrize(("text", "flag"), CAUGHT)
def test_every_warning_sign_is_caught(text: str, flag: str) -> None:
    assert flag in scan(text)


@pytest.mark.parametrize("text", NOT_CAUGHT)
def test_negated_past_and_hypothetical_signs_are_not_flagged(text: str) -> None:
    assert scan(text) == []


def test_every_red_flag_has_english_and_spanish_cases() -> None:
    assert {flag for _, flag in CAUGHT} == set(RED_FLAG_IDS)


def test_several_signs_in_one_message_are_all_reported() -> None:
    assert scan("I passed out and hit my head, now I'm confused") == [
        "fainting", "confusion", "head_injury"]
