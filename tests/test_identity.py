"""Identity before health: whoever holds the phone learns nothing of a hospital stay or an
illness until the date of birth matches, and cannot get past the question by sending junk."""

from __future__ import annotations

import re
from datetime import date

import pytest
import yaml
from sqlalchemy import select

from assistant.foundation.config import PROJECT_ROOT
from assistant.records.models import Answer, Patient
from carecall.simulator import SimulatedNetwork
from tests.conftest import PATIENT_PHONE
from tests.helpers import DOB_REPLY, alerts, checkin_status, start_checkin

# Everything that can be said before the date of birth matches, on either channel.
BEFORE_IDENTITY = ("greeting", "identity_dob", "identity_retry", "identity_unreadable",
                   "identity_failed", "help", "reminder", "voicemail", "hello_again", "expired",
                   "opted_out", "handed_over", "transfer", "after_hours")
# A hospital stay or a discharge named: the provider's own name is filled in from settings.
STAY_WORDS = re.compile(r"hospital|\bstay\b(?! on the line)|discharg|(?<!voz )\balta\b|"
                        r"estancia|internad|ingres", re.IGNORECASE)
HEALTH_QUESTION_WORDS = ("feel", "chest", "breath", "medicine", "fever")


def test_three_unreadable_replies_never_reach_a_health_question(services, phone) -> None:
    checkin_id = start_checkin(services)
    first = phone.text("x")
    assert "could not read that as a date" in first[0]
    second = phone.text("x")
    assert "could not confirm who you are" in second[-1]
    third = phone.text("x")
    said = " ".join(first + second + third).lower()
    assert not any(word in said for word in HEALTH_QUESTION_WORDS)
    assert checkin_status(services, checkin_id) == "handed_over"
    assert alerts(services) == [("urgent", "identity_not_confirmed")]
    with services.sessions() as session:
        assert session.scalars(select(Answer.question_id)).all() == []


def test_a_wrong_date_then_junk_is_two_failures(services, phone) -> None:
    checkin_id = start_checkin(services)
    assert "doesn't match" in phone.text("01/01/1960")[0]
    assert "could not confirm" in phone.text("idk")[-1]
    assert checkin_status(services, checkin_id) == "handed_over"


def test_junk_then_the_right_date_goes_on_to_the_questions(services, phone) -> None:
    start_checkin(services)
    phone.text("what is this?")
    assert "feel BETTER" in phone.text(DOB_REPLY)[0]


def test_a_date_written_the_other_way_round_is_accepted_when_it_matches(
        services, phone) -> None:
    """An English-speaking patient who writes day first (03/04/1950 for 3 April 1950)."""
    start_checkin(services)
    with services.sessions.begin() as session:
        session.scalars(select(Patient)).one().dob = date(1950, 4, 3)
    assert "feel BETTER" in phone.text("03/04/1950")[0]


def test_the_first_messages_say_nothing_of_a_hospital_stay(
        services, network: SimulatedNetwork) -> None:
    start_checkin(services)
    greeting, identity = network.to(PATIENT_PHONE)
    for text in (greeting, identity):
        assert not STAY_WORDS.search(text.replace("Riverside Hospital", "")), text
    assert "care team" in greeting


@pytest.mark.parametrize("language", ["en", "es"])
def test_no_prompt_said_before_identity_names_a_stay_in_either_channel(language: str) -> None:
    prompts = yaml.safe_load((PROJECT_ROOT / "prompts" / f"{language}.yaml").read_text())
    for prompt_id in BEFORE_IDENTITY:
        prompt = prompts[prompt_id]
        for channel, text in (prompt.items() if isinstance(prompt, dict) else [("sms", prompt)]):
            assert not STAY_WORDS.search(text), f"{language} {prompt_id} ({channel}): {text}"
