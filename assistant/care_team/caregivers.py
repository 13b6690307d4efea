"""Caregivers: the people close to a patient, added from the dashboard, enrolment, the API,
HL7 NK1 and FHIR Patient.contact. One function checks them, so every door refuses the same bad
input with the same words; a caregiver named again is found (`same_caregiver`), not added
twice."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.foundation.text import CONTROL_CHARACTERS
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


def check_caregiver(given: NewCaregiver, default_region: str) -> NewCaregiver:
    """Every field checked (all problems at once); the caregiver as it will be stored: names
    trimmed, the phone in E.164. A proxy answers check-ins about the patient's health, so the
    patient's consent is required for one. Intake checks a discharge's caregivers with this
    before anything is written."""
    problems: list[str] = []
    name, relationship = " ".join(given.name.split()), " ".join(given.relationship.split())
    if not name:
        problems.append("the caregiver's name is empty")
    elif len(name) > MAX_NAME:
        problems.append(f"the name is longer than {MAX_NAME} characters")
    if not relationship:
        problems.append("say how they are related to the patient (daughter, husband, friend...)")
    elif len(relationship) > MAX_RELATIONSHIP:
        problems.append(f"the relationship is longer than {MAX_RELATIONSHIP} characters")
    if CONTROL_CHARACTERS.search(given.name + given.relationship):
        problems.append("the name or relationship has control characters; give plain text")
    phone = ""
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
    if given.is_proxy and not phone:
        problems.append("a proxy needs a phone number to answer check-ins")
    if problems:
        raise CaregiverError(problems)
    return replace(given, name=name, relationship=relationship, phone=phone)


def add_caregiver(session: Session, patient: Patient, given: NewCaregiver, *, source: str,
                  actor: str, default_region: str, now: datetime) -> Caregiver:
    """Check the caregiver (`check_caregiver`), store it and audit the change."""
    problems = [f"unknown source {source!r}"] if source not in CAREGIVER_SOURCES else []
    try:
        given = check_caregiver(given, default_region)
    except CaregiverError as exc:
        problems = exc.problems + problems
    if problems:
        raise CaregiverError(problems)
    caregiver = Caregiver(
        patient_id=patient.id, name=given.name, relationship_to_patient=given.relationship,
        phone=given.phone or None, language=given.language, consent=given.consent,
        is_proxy=given.is_proxy, source=source, active=True, created_at=now)
    session.add(caregiver)
    session.flush()
    record(session, actor=actor, action="created", subject="caregiver",
           subject_id=caregiver.id, now=now,
           detail=f"patient {patient.id}; {given.relationship}; consent {given.consent}; "
                  f"proxy {given.is_proxy}; from {source}")
    return caregiver


def same_caregiver(session: Session, patient_id: int, given: NewCaregiver) -> Caregiver | None:
    """The caregiver already on record (active or not) that `given` (checked) is: the same
    phone, else the same name and relationship (any case)."""
    on_record = caregivers_of(session, patient_id)
    if given.phone:
        for caregiver in on_record:
            if caregiver.phone == given.phone:
                return caregiver
    for caregiver in on_record:
        if (caregiver.name.casefold(), caregiver.relationship_to_patient.casefold()) == \
                (given.name.casefold(), given.relationship.casefold()):
            return caregiver
    return None


def restate_caregiver(session: Session, caregiver: Caregiver, given: NewCaregiver, *,
                      actor: str, now: datetime) -> list[str]:
    """An enrolment naming a caregiver on record again states them as they are now: a new
    phone, language, consent or proxy replaces the old (consent withdrawn is withdrawn). Only
    sources that carry the patient's consent may call this. Returns each change in words."""
    pairs = [("phone", caregiver.phone, given.phone or caregiver.phone),
             ("language", caregiver.language, given.language),
             ("consent", caregiver.consent, given.consent),
             ("proxy", caregiver.is_proxy, given.is_proxy)]
    changes = [f"{what} {_said(old)} → {_said(new)}" for what, old, new in pairs if old != new]
    if not changes:
        return []
    caregiver.phone = given.phone or caregiver.phone
    caregiver.language, caregiver.consent = given.language, given.consent
    caregiver.is_proxy = given.is_proxy
    record(session, actor=actor, action="changed", subject="caregiver",
           subject_id=caregiver.id, now=now,
           detail=f"patient {caregiver.patient_id}; " + "; ".join(changes))
    return changes


def _said(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value or "none")


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
