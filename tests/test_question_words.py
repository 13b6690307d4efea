"""A nurse reads questions as they were asked and answers as Yes, No or values with units."""

from __future__ import annotations

from types import SimpleNamespace

from assistant.conversation.question_words import answer_in_words, asked_question


def test_a_medicine_question_names_the_medicine_without_the_reply_instructions(services) -> None:
    flow = services.flows.flows["heart_failure"]
    episode = SimpleNamespace(medications=[SimpleNamespace(id=12, name="Furosemide")])
    asked = asked_question(services.dialogue.wording, flow, "meds_taking:12", episode)
    assert asked is not None
    assert asked.text == "Are you taking Furosemide the way your doctor told you to?"
    assert asked.medicine == "Furosemide"


def test_plain_questions_and_the_identity_check_read_as_words(services) -> None:
    flow = services.flows.flows["heart_failure"]
    wording = services.dialogue.wording
    assert asked_question(wording, flow, "breathing_at_rest", None).text == (  # type: ignore[union-attr]
        "Are you short of breath right now, even while resting?")
    assert asked_question(wording, flow, "weight", None).text == (  # type: ignore[union-attr]
        "What did you weigh this morning, in pounds?")
    assert asked_question(wording, flow, "identity_dob", None).text.startswith("Date of birth")  # type: ignore[union-attr]
    assert asked_question(wording, flow, None, None) is None


def test_answers_read_as_a_person_would_write_them() -> None:
    assert answer_in_words(True) == "Yes"
    assert answer_in_words(False) == "No"
    assert answer_in_words(184.0, "lb") == "184 lb"
    assert answer_in_words(3, "lb", is_change=True) == "up 3 lb"
    assert answer_in_words(-2, "lb", is_change=True) == "down 2 lb"
    assert answer_in_words("worse") == "Worse"
    assert answer_in_words(None) == "Skipped"
    assert answer_in_words("yes", understood=False) == "Unclear"


def test_a_visit_confirmation_reads_as_asked_with_the_visit_on_record(services) -> None:
    from datetime import datetime

    flow = services.flows.flows["general"]
    visit = SimpleNamespace(starts_at=datetime(2026, 12, 1, 15, 0), clinician="Dr. Lee",
                            location="Main Street Clinic")
    episode = SimpleNamespace(medications=[], appointments=[visit],
                              patient=SimpleNamespace(time_zone="America/New_York"))
    asked = asked_question(services.dialogue.wording, flow, "visit_confirm", episode)
    assert asked is not None
    assert asked.text.startswith("Your visit with Dr. Lee is Tuesday, December 1 at 10:00 AM")
    assert asked.text.endswith("Can you get there?")
