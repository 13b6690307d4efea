"""A discharge as FHIR R4 resources (validated with `fhir.resources`, its R4B models): a
transaction, message or collection Bundle with a Patient, a finished Encounter, Conditions,
MedicationRequests and Appointments. It becomes the same fields an ADT A03 gives (with the
medication list ADT does not carry), and goes the same way. The diagnoses are the Conditions'
ICD-10 codes (else their words; with no Condition, the Encounter's reasonCode); the PCP is
Patient.generalPractitioner."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from assistant.care_team.caregivers import NewCaregiver
from assistant.intake.care_contacts import CareContact
from assistant.intake.hl7_fields import NOT_CAREGIVERS, RELATIONSHIPS, AdtFields

BUNDLE_TYPES = ("transaction", "message", "collection", "batch")
# http://terminology.hl7.org/CodeSystem/discharge-disposition → our words.
DISPOSITIONS = {"home": "home", "alt-home": "home", "exp": "expired", "snf": "snf",
                "hosp": "other_hospital", "long": "long_term_care", "rehab": "rehabilitation",
                "aadvice": "left_ama", "psy": "other_hospital", "other-hcf": "other",
                "oth": "other"}
ICD10 = ("http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10")
# Patient.contact.relationship: v2 table 0131 and the v3 RoleCodes most senders use, beside
# the v2 table 0063 codes ADT uses.
CONTACT_ROLES = {**RELATIONSHIPS, "C": "emergency contact", "N": "next of kin",
                 "SPS": "spouse", "WIFE": "wife", "HUSB": "husband", "DAUC": "daughter",
                 "SONC": "son", "CHILD": "child", "FRND": "friend", "GRPRN": "grandparent",
                 "GRNDCHILD": "grandchild", "NBOR": "neighbour"}
# Employers, agencies and insurers (v2 0131) and the patient themself are no caregivers.
NOT_CONTACTS = (*NOT_CAREGIVERS, "E", "F", "I", "S", "ONESELF")
GENERIC_ROLES = ("next of kin", "emergency contact", "other")

class FhirProblem(ValueError):
    """The Bundle is not valid FHIR R4, or lacks what a discharge needs: each problem in
    `problems`, for an OperationOutcome."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def read_bundle(document: Any) -> AdtFields:
    """The discharge's fields (with the first booked appointment)."""
    try:
        bundle = Bundle.model_validate(document)
    except ValidationError as exc:
        raise FhirProblem([f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
                           for error in exc.errors()[:20]]) from None
    if bundle.type not in BUNDLE_TYPES:
        raise FhirProblem([f"Bundle.type {bundle.type!r}: send a transaction or a message"])
    resources: dict[str, list[Any]] = {}
    for entry in bundle.entry or []:
        if entry.resource is not None:
            resources.setdefault(entry.resource.get_resource_type(), []).append(entry.resource)
    problems = [f"the Bundle has no {kind}" for kind in ("Patient", "Encounter")
                if kind not in resources]
    if problems:
        raise FhirProblem(problems)
    patient, encounter = resources["Patient"][0], resources["Encounter"][0]
    if encounter.status != "finished":
        raise FhirProblem([f"Encounter.status is {encounter.status!r}: a discharge is "
                           "'finished'"])
    fields = AdtFields(event="Encounter")
    fields.mrn, fields.mrn_authority = _mrn(patient)
    fields.name = _name(patient)
    fields.dob = patient.birthDate.isoformat() if patient.birthDate else ""
    fields.phone = _phone(patient)
    fields.language = _language(patient)
    fields.visit_number = (encounter.identifier[0].value or "") if encounter.identifier else ""
    start, end = (encounter.period.start, encounter.period.end) if encounter.period else \
        (None, None)
    fields.discharged = end.isoformat() if end else ""
    fields.admitted = start.isoformat() if start else ""
    code = _disposition_code(encounter)
    fields.disposition_code, fields.disposition = code, DISPOSITIONS.get(code, "other" if code
                                                                         else "")
    fields.diagnoses = [said for condition in resources.get("Condition", [])
                        for said in _diagnoses(condition.code)]
    if not fields.diagnoses:
        fields.diagnoses = [said for reason in encounter.reasonCode or []
                            for said in _diagnoses(reason)]
    fields.pcp = _pcp(patient, _by_reference(bundle))
    fields.has_procedures = "Procedure" in resources
    booked = sorted((a for a in resources.get("Appointment", [])
                     if a.start and a.status in ("booked", "pending", "proposed")),
                    key=lambda a: a.start)
    if booked:
        fields.appointment = booked[0].start.isoformat()
        named = _participants(booked[0], _by_reference(bundle))
        fields.appointment_with = named.get("Practitioner", "")
        fields.appointment_place = named.get("Location", "")
    fields.medications = [row for request in resources.get("MedicationRequest", [])
                          if (row := _medication(request))]
    fields.caregivers = [kin for contact in patient.contact or [] if (kin := _contact(contact))]
    return fields


def _contact(contact: Any) -> NewCaregiver | None:
    """A Patient.contact with a name, a relationship and a phone, as a caregiver without
    consent: a Bundle names the patient's contacts, not their consent to share health
    information with them (a person records that)."""
    codes = [(coding.code or "").upper() for concept in contact.relationship or []
             for coding in concept.coding or []]
    if any(code in NOT_CONTACTS for code in codes):
        return None
    words = [CONTACT_ROLES[code] for code in codes if code in CONTACT_ROLES]
    words += [text.lower() for concept in contact.relationship or []
              for text in (concept.text, *(c.display for c in concept.coding or [])) if text]
    specific = [word for word in words if word not in GENERIC_ROLES]
    relationship = (specific or words or [""])[0]
    name = _human(contact.name) if contact.name else ""
    phone = _phone(contact)
    if not (name and relationship and phone):
        return None
    return NewCaregiver(name, relationship, phone, "")


def _diagnoses(concept: Any) -> list[str]:
    """A Condition's code (or an Encounter's reasonCode): its ICD-10 codes, else its words
    (the text, or a coding's display) so a diagnosis coded otherwise is still read."""
    if concept is None:
        return []
    codings = concept.coding or []
    codes = [coding.code for coding in codings
             if coding.code and (coding.system in ICD10 or coding.system is None)]
    words = concept.text or next((c.display for c in codings if c.display), None)
    return codes or ([words] if words else [])


def _pcp(patient: Any, by_reference: dict[str, Any]) -> CareContact | None:
    """Patient.generalPractitioner: the first one's display, or the name of the
    Practitioner or Organization it refers to in the Bundle (with that one's phone)."""
    for reference in patient.generalPractitioner or []:
        target = by_reference.get(reference.reference or "")
        name = reference.display or (_resource_name(target) if target is not None else "")
        phone = _phone(target) if target is not None and hasattr(target, "telecom") else ""
        if name:
            return CareContact(name, phone or None)
    return None


def _by_reference(bundle: Bundle) -> dict[str, Any]:
    """The Bundle's resources by each way a reference may name them (fullUrl, Type/id)."""
    found = {}
    for entry in bundle.entry or []:
        resource = entry.resource
        if resource is not None:
            kind = resource.get_resource_type()
            for key in (entry.fullUrl, f"{kind}/{resource.id}" if resource.id else None):
                if key:
                    found[key] = resource
    return found


def _participants(appointment: Any, by_reference: dict[str, Any]) -> dict[str, str]:
    """Who and where, by name: each participant's `actor.display`, or the name of the
    Practitioner (PractitionerRole) or Location it refers to inside the Bundle."""
    named: dict[str, str] = {}
    for participant in appointment.participant or []:
        actor = participant.actor
        if actor is None:
            continue
        target = by_reference.get(actor.reference or "")
        kind = target.get_resource_type() if target is not None else \
            (actor.reference or "").split("/", 1)[0]
        kind = "Practitioner" if kind == "PractitionerRole" else kind
        name = actor.display or (_resource_name(target) if target is not None else "")
        if kind in ("Practitioner", "Location") and name and kind not in named:
            named[kind] = name
    return named


def _resource_name(resource: Any) -> str:
    """A Location's name, or a Practitioner's as the patient would say it ("Dr. Ana Lee")."""
    name = getattr(resource, "name", None)
    if isinstance(name, str):
        return name
    human = (name or [None])[0]
    if human is None:
        return ""
    if human.text:
        return human.text
    parts = [*(human.prefix or []), *(human.given or []), human.family or ""]
    return " ".join(part for part in parts if part)


def _medication(request: Any) -> dict[str, str] | None:
    """A discharge medication list entry: stopped and on-hold requests say so; an active one
    that replaces an earlier prescription (`priorPrescription`) is a change; any other active
    one is new. Completed, cancelled or entered-in-error requests are not the list."""
    concept = request.medicationCodeableConcept
    name = (concept.text or next((c.display for c in concept.coding or [] if c.display), "")
            ) if concept else ""
    if not name:
        return None
    change = {"stopped": "stopped", "on-hold": "held"}.get(request.status or "")
    if change is None:
        if request.status not in ("active", "draft"):
            return None
        change = "changed" if request.priorPrescription else "new"
    dosage = (request.dosageInstruction or [None])[0]
    row = {"name": name, "change": change}
    if dosage is not None and dosage.text:
        row["dose"] = dosage.text
    return row


def _mrn(patient: Any) -> tuple[str, str]:
    """The identifier typed MR (v2-0203), else the first; its system is the authority."""
    identifiers = patient.identifier or []
    for identifier in identifiers:
        codes = [c.code for c in (identifier.type.coding or [])] if identifier.type else []
        if "MR" in codes:
            return identifier.value or "", _authority(identifier.system)
    if identifiers:
        return identifiers[0].value or "", _authority(identifiers[0].system)
    return "", ""


def _authority(system: str | None) -> str:
    """A system URI, shortened to what fits an identifier (its last path part)."""
    if not system:
        return ""
    return system.rstrip("/").rsplit("/", 1)[-1].replace("urn:oid:", "")[:64]


def _name(patient: Any) -> str:
    names = patient.name or []
    chosen = next((n for n in names if n.use == "official"), names[0] if names else None)
    return _human(chosen) if chosen is not None else ""


def _human(name: Any) -> str:
    if name.text:
        return name.text
    return " ".join([*(name.given or []), name.family or ""]).strip()


def _phone(person: Any) -> str:
    """A Patient's (or a contact's) mobile, else the first phone."""
    phones = [t for t in person.telecom or [] if t.system in ("phone", "sms") and t.value]
    mobile = [t.value for t in phones if t.use == "mobile" or t.system == "sms"]
    return (mobile or [t.value for t in phones] or [""])[0]


def _language(patient: Any) -> str:
    for communication in patient.communication or []:
        for coding in communication.language.coding or []:
            if (coding.code or "").lower().startswith("es"):
                return "es"
            if (coding.code or "").lower().startswith("en"):
                return "en"
    return "en"


def _disposition_code(encounter: Any) -> str:
    stay = encounter.hospitalization
    if stay is None or stay.dischargeDisposition is None:
        return ""
    codings = stay.dischargeDisposition.coding or []
    return (codings[0].code or "") if codings else ""
