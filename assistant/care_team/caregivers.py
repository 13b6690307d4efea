"""Caregivers: the people close to a patient, added from the dashboard now and from enrolment,
the API and HL7 NK1 later. One function checks and adds them, so every door refuses the same
bad input with the same words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.records.audit import record
from assistant.records.care_records import CAREGIVER_SOURCES, Caregiver
from assistant.records.models import Patient
from assistant.records.phones import InvalidPhone, to_e164

LANGUAGES = ("en", "es")
MAX_NAME = 200
MAX_RELATIONSHIP = 64


class CaregiverError(ValueError):
    """What is wrong with a caregiver as given, in words for the person who typed it."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class NewCaregiver:
    name: str
    relationship: str
    phone: str = ""
    language: str = "en"
    consent: bool = False
    is_proxy: bool = False


def add_caregiver(session: Session, patient: Patient, given: NewCaregiver, *, source: str,
                  actor: str, default_region: str, now: datetime) -> Caregiver:
    """Check every field (all problems at once), store the caregiver with an E.164 phone and
    audit the change. A proxy answers check-ins about the patient's health, so the patient's
    consent is required for one."""
    problems: list[str] = []
    name, relationship = given.name.strip(), given.relationship.strip()
    if not name:
        problems.append("the caregiver's name is empty")
    elif len(name) > MAX_NAME:
        problems.append(f"the name is longer than {MAX_NAME} characters")
    if not relationship:
        problems.append("say how they are related to the patient (daughter, husband, friend...)")
    elif len(relationship) > MAX_RELATIONSHIP:
        problems.append(f"the relationship is longer than {MAX_RELATIONSHIP} characters")
    phone = None
    if given.phone.strip():
        try:
            phone = to_e164(given.phone.strip(), default_region)
        except InvalidPhone as exc:
            problems.append(str(exc))
    if given.language not in LANGUAGES:
        problems.append(f"language {given.language!r} is not one of {', '.join(LANGUAGES)}")
    if given.is_proxy and not given.consent:
        problems.append("a proxy answers about the patient's health: record the patient's "
                        "consent first")
    if given.is_proxy and phone is None:
        problems.append("a proxy needs a phone number to answer check-ins")
    if source not in CAREGIVER_SOURCES:
        problems.append(f"unknown source {source!r}")
    if problems:
        raise CaregiverError(problems)
    caregiver = Caregiver(
        patient_id=patient.id, name=name, relationship_to_patient=relationship, phone=phone,
        language=given.language, consent=given.consent, is_proxy=given.is_proxy,
        source=source, active=True, created_at=now)
    session.add(caregiver)
    session.flush()
    record(session, actor=actor, action="created", subject="caregiver",
           subject_id=caregiver.id, now=now,
           detail=f"patient {patient.id}; {relationship}; consent {given.consent}; "
                  f"proxy {given.is_proxy}")
    return caregiver


def deactivate_caregiver(session: Session, caregiver: Caregiver, *, actor: str,
                         now: datetime) -> None:
    """No longer someone to call or to answer for the patient; the row stays for the record."""
    if not caregiver.active:
        return
    caregiver.active = False
    record(session, actor=actor, action="changed", subject="caregiver",
           subject_id=caregiver.id, now=now, detail=f"patient {caregiver.patient_id}; inactive")


def caregivers_of(session: Session, patient_id: int) -> list[Caregiver]:
    """Active ones first, then by name."""
    return list(session.scalars(
        select(Caregiver).where(Caregiver.patient_id == patient_id)
        .order_by(Caregiver.active.desc(), Caregiver.name, Caregiver.id)))


def proxy_for(session: Session, patient_id: int) -> Caregiver | None:
    """The caregiver who answers check-ins for the patient: active, a proxy with the
    patient's consent, and a phone to reach. The first added wins when there are several."""
    return session.scalar(
        select(Caregiver).where(Caregiver.patient_id == patient_id, Caregiver.active.is_(True),
                                Caregiver.is_proxy.is_(True), Caregiver.consent.is_(True),
                                Caregiver.phone.is_not(None))
        .order_by(Caregiver.id).limit(1))
