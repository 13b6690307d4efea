"""A hospital stay, recognised by the hospital's own identifiers (MRN within its assigning
authority, and the visit number), so every intake path is idempotent: the same discharge sent
twice changes nothing and says so; a corrected one (new phone, another discharge time) updates
the stay and re-plans only what has not happened yet; a new visit is a new stay (and ends the
follow-up of the earlier one, as a readmission)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from assistant.foundation.business_days import BusinessCalendar
from assistant.intake.care_contacts import contact_changes, stored_contacts
from assistant.intake.caregiver_intake import ENROLMENT, Origin, record_caregivers
from assistant.intake.enrollment import enroll, replaced_and_shared, replaced_episodes, schedule
from assistant.intake.readmissions import recount_days_after
from assistant.intake.validation import Discharge
from assistant.outreach.scheduling import tcm_deadline
from assistant.records.models import Appointment, CheckIn, Episode, Patient

if TYPE_CHECKING:
    from assistant.services import Services


@dataclass
class Recorded:
    outcome: str  # created | unchanged | updated
    episode: Episode
    changes: list[str] = field(default_factory=list)  # what an update changed, in words
    notes: list[str] = field(default_factory=list)  # what the sender should know


def record_stay(session: Session, services: Services, discharge: Discharge, now: datetime,
                origin: Origin = ENROLMENT) -> Recorded:
    """Create, leave alone or update the stay, in the caller's transaction, with the
    caregivers it names (`origin`: the door they came through). A stay otherwise unchanged
    whose caregivers changed is `updated`, with those changes."""
    recorded = _stay(session, services, discharge, now)
    if not discharge.caregivers:
        return recorded
    changes, notes = record_caregivers(session, recorded.episode.patient, discharge.caregivers,
                                       origin, services.settings.default_region, now)
    recorded.notes += notes
    if recorded.outcome == "created":
        recorded.notes += [change for change in changes if not change.endswith(" added")]
    elif changes:
        recorded.outcome = "updated"
        recorded.changes += changes
    return recorded


def _stay(session: Session, services: Services, discharge: Discharge,
          now: datetime) -> Recorded:
    if discharge.mrn is None:
        notes = [*discharge.warnings, *replaced_and_shared(session, discharge)]
        return Recorded("created", enroll(session, services, discharge, now), notes=notes)
    patient = _patient(session, discharge)
    episode = None
    if patient is not None and discharge.visit_number:
        episode = session.scalar(select(Episode).where(
            Episode.patient_id == patient.id, Episode.visit_number == discharge.visit_number))
    if patient is None or episode is None:
        notes = [*discharge.warnings, *replaced_episodes(session, patient)]
        return Recorded("created", enroll(session, services, discharge, now, patient),
                        notes=notes)
    changes = _differences(patient, episode, discharge)
    if not changes:
        return Recorded("unchanged", episode)
    _update(session, services, patient, episode, discharge, now)
    return Recorded("updated", episode, changes, list(discharge.warnings))


def _patient(session: Session, discharge: Discharge) -> Patient | None:
    """By the MRN; or the same person enrolled before the hospital's ids were known."""
    found = session.scalar(select(Patient).where(
        Patient.mrn_authority == discharge.mrn_authority, Patient.mrn == discharge.mrn))
    if found is None:
        found = session.scalar(select(Patient).where(
            Patient.mrn.is_(None), Patient.name == discharge.name,
            Patient.dob == discharge.dob, Patient.phone == discharge.phone))
    return found


def _differences(patient: Patient, episode: Episode, discharge: Discharge) -> list[str]:
    visit = episode.appointments[0] if episode.appointments else None
    pairs = [
        ("name", patient.name, discharge.name),
        ("date of birth", patient.dob, discharge.dob),
        ("phone", patient.phone, discharge.phone),
        ("language", patient.language, discharge.language),
        ("time zone", patient.time_zone, discharge.time_zone),
        ("discharge time", episode.discharged_at, discharge.discharged_at),
        ("flow", episode.flow_id, discharge.flow_id),
        ("appointment", visit.starts_at if visit else None, discharge.appointment_at),
        ("appointment with", visit.clinician if visit else None, discharge.appointment_with),
        ("appointment place", visit.location if visit else None, discharge.appointment_place),
    ]
    changes = [f"{what}: {old} → {new}" for what, old, new in pairs if old != new]
    if discharge.diagnoses and list(discharge.diagnoses) != list(episode.diagnoses or []):
        changes.append(f"diagnoses: {', '.join(episode.diagnoses or []) or 'none'} → "
                       f"{', '.join(discharge.diagnoses)}")
    return changes + contact_changes(episode.care_contacts, discharge.care_contacts)


def _update(session: Session, services: Services, patient: Patient, episode: Episode,
            discharge: Discharge, now: datetime) -> None:
    replan = (episode.discharged_at != discharge.discharged_at
              or episode.flow_id != discharge.flow_id
              or patient.time_zone != discharge.time_zone)
    patient.name, patient.dob, patient.phone = discharge.name, discharge.dob, discharge.phone
    patient.language, patient.time_zone = discharge.language, discharge.time_zone
    episode.discharged_at, episode.flow_id = discharge.discharged_at, discharge.flow_id
    if replan:
        recount_days_after(session, episode)
    if discharge.diagnoses:  # left out: those on record are kept
        episode.diagnoses = list(discharge.diagnoses)
    episode.care_contacts = stored_contacts(episode.care_contacts, discharge.care_contacts)
    calendar = BusinessCalendar(services.settings.holiday_calendar)
    episode.tcm_deadline = tcm_deadline(episode.discharged_at, patient.time_zone, calendar)
    if discharge.appointment_at is None:
        for appointment in list(episode.appointments):
            session.delete(appointment)
    elif episode.appointments:
        visit = episode.appointments[0]
        if visit.starts_at != discharge.appointment_at:
            visit.reminded_at = None  # a visit moved to another day is reminded of again
        visit.starts_at = discharge.appointment_at
        visit.clinician, visit.location = discharge.appointment_with, discharge.appointment_place
    else:
        session.add(Appointment(episode=episode, starts_at=discharge.appointment_at,
                                description="Follow-up visit",
                                clinician=discharge.appointment_with,
                                location=discharge.appointment_place))
    if not replan:
        return
    # Only what has not happened yet is planned again; a check-in under way carries on.
    session.execute(update(CheckIn).where(CheckIn.episode_id == episode.id,
                                          CheckIn.status == "scheduled")
                    .values(status="cancelled", cancel_reason="replanned", ended_at=now))
    done = frozenset(session.scalars(select(CheckIn.label).where(
        CheckIn.episode_id == episode.id, CheckIn.status != "cancelled")))
    version = services.versions.current(session, services.flows.get(episode.flow_id), now)
    schedule(session, services, episode, version, discharge.voice_only, now, done)
    session.flush()
