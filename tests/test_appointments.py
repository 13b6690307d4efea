"""A follow-up visit on record is confirmed in the check-in instead of asked about; a barrier
becomes a task for the team; a visit unknown or past is asked about as before. Flows say it as
data (`only_when`, `{appointment_known: true}`), and validation keeps them honest."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from assistant.conversation.flow_loader import FlowError, load_flow_file
from assistant.conversation.prompts import PromptCatalogue
from assistant.conversation.visit_words import visit_time
from assistant.foundation.config import PROJECT_ROOT
from assistant.intake.enrollment import enroll, validate_discharge
from assistant.outreach.dispatch import dispatch_due
from assistant.records.db import transaction
from assistant.records.models import Alert
from tests.conftest import PATIENT_PHONE
from tests.helpers import DOB, DOB_REPLY, alerts, make_first_checkin_due

VISIT_QUESTION = ("Your visit with Dr. Lee is Friday, November 27 at 10:00 AM at Main Street "
                  "Clinic. Can you get there? Reply YES or NO.")
MOOD_QUESTION = "In the last 2 weeks"


def enrol_with_visit(services, visit: str | None = "2026-11-27T10:00",  # type: ignore[no-untyped-def]
                     clinician: str | None = "Dr. Lee", place: str | None = "Main Street Clinic",
                     language: str = "en") -> int:
    now = services.clock()
    discharge = validate_discharge(
        services.settings, services.flows, now=now, name="Alex Rivera", dob=DOB,
        phone=PATIENT_PHONE, flow="general", lang=language,
        discharged=(now - timedelta(days=2)).isoformat() + "+00:00", appointment=visit,
        appointment_with=clinician if visit else None, appointment_place=place if visit else None)
    with transaction(services.sessions) as session:
        episode_id = enroll(session, services, discharge, now).id
    checkin_id = make_first_checkin_due(services, episode_id)
    assert dispatch_due(services, "test-worker").sent == [checkin_id]
    return episode_id


def up_to_the_visit(phone, language: str = "en") -> list[str]:  # type: ignore[no-untyped-def]
    """Identity, then a patient doing well, up to the follow-up visit question."""
    dob = "14/03/1950" if language == "es" else DOB_REPLY
    yes = "sí" if language == "es" else "yes"
    for reply in (dob, "better" if language == "en" else "mejor", "no", "no", "no", yes):
        phone.text(reply)
    return phone.text("no")  # side effects


def test_a_known_visit_is_confirmed_and_yes_moves_on_without_the_transport_question(
        services, phone) -> None:
    enrol_with_visit(services)
    assert up_to_the_visit(phone) == [VISIT_QUESTION]
    after_yes = phone.text("yes, my son is driving me")
    assert len(after_yes) == 1 and after_yes[0].startswith(MOOD_QUESTION)
    assert alerts(services) == []


def test_a_known_visit_the_patient_cannot_get_to_is_a_task_with_their_words(services,
                                                                          phone) -> None:
    enrol_with_visit(services)
    up_to_the_visit(phone)
    assert phone.text("no") == ["What gets in the way? Reply 1 for transportation, 2 for the "
                                "cost, 3 for the time or another commitment, 4 for something "
                                "else."]
    told = phone.text("my daughter works and I don't have a ride")
    assert told[0] == ("Thank you for telling us. Someone from our team will contact you to "
                       "help with your visit.")
    assert told[1].startswith(MOOD_QUESTION)
    with services.sessions() as session:
        alert = session.scalars(select(Alert).where(Alert.reason != "tcm_contact")).one()
    assert (alert.severity, alert.summary) == ("routine",
                                               "Can't get to the follow-up visit: transport")
    assert alert.evidence[0]["raw"] == "my daughter works and I don't have a ride"


@pytest.mark.parametrize("visit", [None, "2026-11-23T10:00"], ids=["none", "past"])
def test_without_a_visit_still_to_come_the_flow_asks_as_before(services, phone,
                                                              visit: str | None) -> None:
    enrol_with_visit(services, visit)
    assert up_to_the_visit(phone) == ["Do you have a follow-up visit booked with your doctor? "
                                      "Reply YES or NO."]
    assert phone.text("yes") == ["Do you have a way to get to that visit? Reply YES or NO."]


def test_spanish_names_the_visit_in_the_patients_words_and_local_time(services, phone) -> None:
    enrol_with_visit(services, "2026-11-27T14:30", place=None, language="es")
    assert up_to_the_visit(phone, "es") == [
        "Su cita con Dr. Lee es el viernes 27 de noviembre a las 2:30 de la tarde. ¿Puede ir? "
        "Responda SÍ o NO."]


def test_the_day_and_time_are_the_patients_own() -> None:
    monday_evening_utc = datetime(2026, 11, 30, 18, 0)
    assert visit_time(monday_evening_utc, "America/Los_Angeles", "en") == \
        "Monday, November 30 at 10:00 AM"
    assert visit_time(monday_evening_utc, "America/New_York", "en") == \
        "Monday, November 30 at 1:00 PM"
    assert visit_time(datetime(2026, 12, 1, 4, 15), "America/Chicago", "es") == \
        "el lunes 30 de noviembre a las 10:15 de la noche"


def test_without_a_clinician_or_place_the_sentence_leaves_them_out(services, phone) -> None:
    enrol_with_visit(services, clinician=None, place=None)
    assert up_to_the_visit(phone) == ["Your visit is Friday, November 27 at 10:00 AM. Can you "
                                      "get there? Reply YES or NO."]


# -- the flow language ----------------------------------------------------------------------

PROMPTS = PromptCatalogue.load(PROJECT_ROOT / "prompts")


def flow_problems(tmp_path: Path, old: str, new: str) -> str:
    source = (PROJECT_ROOT / "flows" / "general.yaml").read_text(encoding="utf-8")
    assert old in source
    (tmp_path / "general.yaml").write_text(source.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(FlowError) as caught:
        load_flow_file(tmp_path / "general.yaml", PROMPTS)
    return str(caught.value)


def test_a_question_naming_the_visit_must_be_asked_only_when_one_is_known(tmp_path) -> None:
    problems = flow_problems(tmp_path, "    only_when: {appointment_known: true}\n", "")
    assert "question 'visit_confirm': its en prompt names the visit" in problems
    assert "only_when: {appointment_known: true}" in problems


def test_a_fact_is_true_or_false_and_only_when_looks_back(tmp_path) -> None:
    assert "appointment_known must be yes or no" in flow_problems(
        tmp_path, "only_when: {appointment_known: true}", "only_when: {appointment_known: soon}")
    assert "only_when can look only at facts about the stay and earlier answers, not mood" in \
        flow_problems(tmp_path, "only_when: {appointment_known: true}",
                      "only_when: {all: [{appointment_known: true}, {answer: mood, gte: 1}]}")


def test_the_shipped_flows_confirm_a_known_visit_and_every_path_ends() -> None:
    from assistant.conversation.flow_loader import FlowLibrary

    library = FlowLibrary.load(PROJECT_ROOT / "flows", PROMPTS)
    for flow in library.flows.values():
        visit = flow.questions["visit_confirm"]
        assert visit.only_when is not None and visit.only_when.episode_fact
        targets = [branch.target for branch in visit.branches]
        assert targets[:2] == ["appointment", "visit_barrier"], flow.id
        assert any(test.script.get("patient", {}).get("appointment") for test in flow.tests)
