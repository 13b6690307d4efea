"""Recording a discharge: write patient, episode and plan (validated first, in
`validation`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from assistant.services import Services

from assistant.foundation.business_days import BusinessCalendar
from assistant.intake.cancellation import cancel_episodes
from assistant.intake.care_contacts import stored_contacts
from assistant.intake.readmissions import record_new_stay
from assistant.intake.validation import (
    Discharge,
    EnrollmentError,
    MedicationEntry,
    validate_discharge,
)
from assistant.outreach.scheduling import PlannedCheckIn, plan_checkins, tcm_deadline
from assistant.records.models import (
    Appointment,
    CheckIn,
    Episode,
    FlowVersion,
    Medication,
    Patient,
)

__all__ = ["Discharge", "EnrollmentError", "MedicationEntry", "enroll", "replaced_and_shared",
           "validate_discharge"]


def _still_useful(planned: list[PlannedCheckIn], now: datetime) -> list[PlannedCheckIn]:
    """A late enrolment moves every past check-in to now; only the latest of them is still
    worth asking (the patient would otherwise get the day-2 and day-7 questions at once)."""
    due_now = [p for p in planned if p.due_at <= now]
    return [p for p in planned if p.due_at > now or p is (due_now[-1] if due_now else None)]


def replaced_episodes(session: Session, patient: Patient | None) -> list[str]:
    """A line for each of the patient's stays still being followed up, which a new stay ends."""
    if patient is None:
        return []
    notes = []
    for episode in session.scalars(select(Episode).where(Episode.patient_id == patient.id)
                                   .order_by(Episode.id)):
        pending = [c for c in episode.checkins if c.status in ("scheduled", "in_progress")]
        if pending:
            visit = f", visit {episode.visit_number}" if episode.visit_number else ""
            notes.append(f"replaces episode {episode.id} (discharged "
                         f"{episode.discharged_at:%Y-%m-%d}{visit}): its {len(pending)} "
                         "pending check-in(s) are cancelled")
    return notes


def replaced_and_shared(session: Session, discharge: Discharge) -> list[str]:
    """What the person enrolling should be told about records already here: the episode a
    new discharge replaces, and the same phone under another name."""
    notes = replaced_episodes(session, session.scalar(select(Patient).where(
        Patient.phone == discharge.phone, Patient.dob == discharge.dob,
        Patient.name == " ".join(discharge.name.split()))))
    others = session.scalars(select(Patient).where(
        Patient.phone == discharge.phone,
        (Patient.name != " ".join(discharge.name.split())) | (Patient.dob != discharge.dob)))
    for other in others:
        notes.append(f"phone {discharge.phone} also belongs to {other.name} (patient "
                     f"{other.id}); both will get check-ins on it. If this is the same person, "
                     "enrol with the same name and date of birth")
    return notes


def enroll(session: Session, services: Services, discharge: Discharge, now: datetime,
           patient: Patient | None = None) -> Episode:
    """Write the discharge and schedule its check-ins, in the caller's transaction. A new
    discharge of the same patient (a readmission) ends the follow-up of the earlier one and
    is recorded as a readmission (unless its admission is on record already, from an A01).
    `patient`: already found (by the hospital's MRN); else matched by name, birth and phone."""
    settings, flows, versions = services.settings, services.flows, services.versions
    patient = patient or session.scalar(
        select(Patient).where(Patient.phone == discharge.phone, Patient.dob == discharge.dob,
                              Patient.name == discharge.name)
    )
    if patient is None:
        start, end = settings.contact_window
        patient = Patient(name=discharge.name, dob=discharge.dob, phone=discharge.phone,
                          created_at=now, contact_start_hour=start, contact_end_hour=end,
                          preferred_channel="sms")
        session.add(patient)
    patient.language = discharge.language
    patient.time_zone = discharge.time_zone
    if discharge.mrn:
        patient.mrn, patient.mrn_authority = discharge.mrn, discharge.mrn_authority
    readmitted = False
    if patient.id is not None:
        earlier = list(session.scalars(select(Episode.id).where(Episode.patient_id == patient.id)))
        cancel_episodes(session, services.dialogue, earlier, "readmitted", now)
        readmitted = bool(earlier)
    version = versions.current(session, flows.get(discharge.flow_id), now)
    flow = versions.flow(version)
    calendar = BusinessCalendar(settings.holiday_calendar)
    episode = Episode(
        patient=patient, discharged_at=discharge.discharged_at, flow_id=flow.id,
        visit_number=discharge.visit_number,
        baseline=dict(discharge.baseline), diagnoses=list(discharge.diagnoses),
        care_contacts=stored_contacts(None, discharge.care_contacts), created_at=now,
        tcm_deadline=tcm_deadline(discharge.discharged_at, patient.time_zone, calendar),
    )
    session.add(episode)
    for entry in discharge.medications:
        session.add(Medication(episode=episode, name=entry.name, change=entry.change,
                               dose=entry.dose, instructions=entry.instructions,
                               high_risk=entry.high_risk))
    if discharge.appointment_at:
        session.add(Appointment(episode=episode, starts_at=discharge.appointment_at,
                                description="Follow-up visit",
                                clinician=discharge.appointment_with,
                                location=discharge.appointment_place))
    if discharge.voice_only:
        patient.preferred_channel = "voice"
    schedule(session, services, episode, version, discharge.voice_only, now)
    session.flush()
    if readmitted:  # every door that creates a stay comes through here, once
        record_new_stay(session, episode, discharge.admitted_at, now)
    return episode


def schedule(session: Session, services: Services, episode: Episode, version: FlowVersion,
             voice_only: bool, now: datetime, skip_labels: frozenset[str] = frozenset()) -> None:
    """Plan the episode's check-ins from its discharge time (those in `skip_labels` have
    already taken place)."""
    patient, flow = episode.patient, services.versions.flow(version)
    calendar = BusinessCalendar(services.settings.holiday_calendar)
    for planned in _still_useful(plan_checkins(
            flow, episode.discharged_at, patient.time_zone, calendar,
            patient.contact_start_hour, patient.contact_end_hour, not_before=now), now):
        if planned.label in skip_labels:
            continue
        channel, fallback = planned.channel, planned.fallback
        if voice_only:
            channel, fallback = "voice", None
        session.add(CheckIn(episode=episode, flow_version=version, label=planned.label,
                            due_at=planned.due_at, channel=channel,
                            fallback_channel=fallback, status="scheduled", attempt=0))
