"""A heart-failure patient followed through several check-ins, each sent by the dispatcher
and answered by text through the real webhook and dialogue: what the patient page and the
active-patients list are tested on (by the test client and in the browser)."""

from __future__ import annotations

from datetime import timedelta

from assistant.intake.enrollment import enroll, validate_discharge
from assistant.outreach.dispatch import dispatch_due
from assistant.records.db import transaction
from assistant.records.models import Appointment, Episode
from assistant.services import Services
from carecall.simulator import SimulatedPhone
from tests.helpers import DOB, DOB_REPLY, checkin_status

HF_PHONE = "+12015550124"
HF_NAME = "Maria Lopez"


def heart_failure_stay(services: Services, phone: str = HF_PHONE, name: str = HF_NAME,
                       days_ago: float = 1) -> int:
    """Discharged with heart failure at 180 lb, a new diuretic, a PCP, a pharmacy and a visit
    booked; returns the episode id."""
    now = services.clock()
    discharge = validate_discharge(
        services.settings, services.flows, now=now, name=name, dob=DOB, phone=phone,
        flow="heart_failure", discharged=(now - timedelta(days=days_ago)).isoformat() + "+00:00",
        baseline={"weight": 180},
        medication_rows=[{"name": "Furosemide", "dose": "40 mg", "change": "new"}])
    with transaction(services.sessions) as session:
        episode = enroll(session, services, discharge, now)
        episode.diagnoses = ["I50.22"]
        episode.facility = "Riverside Hospital"
        episode.disposition = "home_health"
        episode.care_contacts = {"pcp": {"name": "Dr. Ana Lee", "phone": "+12015550150"},
                                 "pharmacy": {"name": "Main St Pharmacy",
                                              "phone": "+12015550160"}}
        session.add(Appointment(episode=episode, starts_at=now + timedelta(days=6),
                                description="Heart clinic follow-up", clinician="Dr. Lee",
                                location="Riverside Heart Clinic, 2nd floor"))
        return episode.id


def _reply_to(question: str, weight: str) -> str:
    asked = question.lower()
    if "date of birth" in asked:
        return DOB_REPLY
    if "compared with when you left" in asked:
        return "same"
    if "weigh" in asked:
        return weight
    if any(word in asked for word in ("pick up", "taking", "follow-up", "way to get")):
        return "yes"
    return "no"


def weigh_in(services: Services, phone: SimulatedPhone, episode_id: int, weight: str) -> int:
    """Make the stay's next planned check-in due now, send it, and answer every question
    ("no" to symptoms, `weight` to the weight); returns the check-in's id. At most three
    check-ins a week reach a patient (the contact policy): move the clock on between them."""
    with transaction(services.sessions) as session:
        checkin = next(c for c in session.get_one(Episode, episode_id).checkins
                       if c.status == "scheduled")
        checkin.due_at = services.clock()
        checkin_id = checkin.id
    assert checkin_id in dispatch_due(services, "test-worker").sent
    question = "date of birth"
    for _ in range(30):
        replies = phone.text(_reply_to(question, weight))
        if checkin_status(services, checkin_id) in ("completed", "handed_over"):
            return checkin_id
        question = replies[-1]
    raise AssertionError(f"check-in {checkin_id} did not end; last question: {question}")
