"""Reading the fields of an HL7 v2 ADT message that a discharge needs (parsed by `hl7`).

Positions are the standard's, 1-based as written in the specification (PID-3.4 is field 3,
component 4). A field that is absent reads as "": HL7 senders leave out what they do not use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import hl7

from assistant.care_team.caregivers import NewCaregiver
from assistant.intake.care_contacts import CareContact

# PV1-36 (UB-04 patient discharge status, as HL7 table 0112 is commonly filled).
DISPOSITIONS = {"01": "home", "1": "home", "06": "home_health", "6": "home_health",
                "03": "snf", "3": "snf", "50": "hospice", "51": "hospice", "20": "expired",
                "02": "other_hospital", "2": "other_hospital", "07": "left_ama",
                "62": "rehabilitation", "63": "long_term_care", "04": "intermediate_care"}
FOLLOWED_UP = ("home", "home_health")
# PID-15, ISO 639 or the HL7 three-letter codes.
LANGUAGES = {"en": "en", "eng": "en", "english": "en", "es": "es", "spa": "es",
             "spanish": "es", "español": "es"}
# NK1-3, HL7 table 0063 (with SON and DAU, which many feeds send) → the words a nurse uses.
RELATIONSHIPS = {"MTH": "mother", "FTH": "father", "PAR": "parent", "SPO": "spouse",
                 "DOM": "life partner", "DAU": "daughter", "SON": "son", "CHD": "child",
                 "NCH": "child", "SCH": "stepchild", "FCH": "foster child", "BRO": "brother",
                 "SIS": "sister", "SIB": "sibling", "GRP": "grandparent", "GCH": "grandchild",
                 "EXF": "family", "GRD": "guardian", "CGV": "caregiver", "FND": "friend",
                 "ASC": "associate", "EMC": "emergency contact", "OAD": "other adult",
                 "OTH": "other", "UNK": "next of kin", "WRD": "ward", "DEP": "dependent"}
# The patient themself, and work relations: an NK1 for the employer is no caregiver.
NOT_CAREGIVERS = ("SEL", "EMR", "EME", "MGR", "OWN", "TRA")


def value(message: hl7.Message, segment: str, field_number: int, component: int = 1,
          repetition: int = 1, occurrence: int = 0) -> str:
    """The text at SEG-field.component of the `occurrence`th such segment, or ""."""
    try:
        text = message.extract_field(segment, occurrence + 1, field_number, repetition,
                                     component)
    except (KeyError, IndexError):
        return ""
    return str(text).strip()


def repetitions(message: hl7.Message, segment: str, field_number: int,
                occurrence: int = 0) -> int:
    """How many repetitions the field has (0 when absent)."""
    count = 0
    while count < 20:
        try:
            message.extract_field(segment, occurrence + 1, field_number, count + 1, 1)
        except (KeyError, IndexError):
            break
        count += 1
    return count


def hl7_time(text: str) -> datetime | None:
    """YYYYMMDD[HHMM[SS[.S]]][+/-ZZZZ] → a datetime (aware when an offset is given)."""
    match = re.fullmatch(r"(\d{8})(\d{4})?(\d{2})?(?:\.\d+)?([+-]\d{4})?", text)
    if not match:
        return None
    day, hhmm, seconds, offset = match.groups()
    try:
        moment = datetime.strptime(day + (hhmm or "0000") + (seconds or "00"), "%Y%m%d%H%M%S")
    except ValueError:
        return None
    if offset:
        sign = 1 if offset[0] == "+" else -1
        hours, minutes = int(offset[1:3]), int(offset[3:5])
        moment = moment.replace(tzinfo=timezone(sign * timedelta(hours=hours, minutes=minutes)))
    return moment


@dataclass
class AdtFields:
    """What a discharge message carries (HL7 ADT or FHIR), as text, validated later like any
    discharge."""

    event: str
    mrn: str = ""
    mrn_authority: str = ""
    name: str = ""
    dob: str = ""  # YYYY-MM-DD, or the text as sent when it is not a date
    phone: str = ""
    language: str = "en"
    visit_number: str = ""
    disposition: str = ""  # our word for PV1-36, "" when not sent
    disposition_code: str = ""
    discharged: str = ""  # ISO 8601, or the text as sent
    admitted: str = ""  # the stay's admission (PV1-44; FHIR Encounter.period.start), as above
    recorded: str = ""  # when the event happened (EVN-2, else MSH-7), as above
    diagnoses: list[str] = field(default_factory=list)
    has_procedures: bool = False
    next_of_kin: list[dict[str, str]] = field(default_factory=list)
    appointment: str = ""  # ISO 8601 (FHIR Appointment); ADT A03 carries none
    appointment_with: str = ""  # the Appointment's practitioner, when named
    appointment_place: str = ""  # the Appointment's location, when named
    medications: list[dict[str, str]] = field(default_factory=list)  # rows, as for enroll
    # NK1 or Patient.contact as caregivers, unchecked: those without a dialable phone are
    # dropped when written. A feed never carries the patient's consent: consent is False.
    caregivers: list[NewCaregiver] = field(default_factory=list)
    pcp: CareContact | None = None  # unchecked: a phone we cannot dial is dropped when written
    pharmacy: CareContact | None = None  # FHIR and ADT name none: room for a feed that does


def read_adt(message: hl7.Message) -> AdtFields:
    event = value(message, "MSH", 9, 2) or value(message, "EVN", 1)
    fields = AdtFields(event=event.upper())
    fields.mrn, fields.mrn_authority = _mrn(message)
    family, given, middle = (value(message, "PID", 5, n) for n in (1, 2, 3))
    fields.name = _readable(" ".join(part for part in (given, middle, family) if part))
    birth = value(message, "PID", 7)
    parsed = hl7_time(birth)
    fields.dob = parsed.date().isoformat() if parsed else birth
    fields.phone = _mobile(message)
    language = value(message, "PID", 15).lower() or value(message, "PID", 15, 2).lower()
    fields.language = LANGUAGES.get(language, "en")
    fields.visit_number = value(message, "PV1", 19)
    fields.disposition_code = value(message, "PV1", 36)
    fields.disposition = DISPOSITIONS.get(fields.disposition_code, "") if \
        fields.disposition_code else ""
    fields.discharged = _moment(value(message, "PV1", 45) or value(message, "EVN", 6)
                                or value(message, "EVN", 2))
    fields.admitted = _moment(value(message, "PV1", 44))
    fields.recorded = _moment(value(message, "EVN", 2) or value(message, "MSH", 7))
    fields.diagnoses = [said for n in range(len(_all(message, "DG1")))
                        if (said := _diagnosis(message, n))]
    fields.pcp = _pcp(message)
    fields.has_procedures = bool(_all(message, "PR1"))
    fields.next_of_kin = [
        {"name": _readable(" ".join(p for p in (value(message, "NK1", 2, 2, occurrence=n),
                                                value(message, "NK1", 2, 1, occurrence=n))
                                    if p)),
         "relationship": value(message, "NK1", 3, 2, occurrence=n)
         or value(message, "NK1", 3, occurrence=n),
         "phone": _number(message, "NK1", 5, 1, occurrence=n)}
        for n in range(len(_all(message, "NK1")))]
    fields.caregivers = [kin for n in range(len(_all(message, "NK1")))
                         if (kin := _caregiver(message, n, fields.next_of_kin[n]["name"]))]
    return fields


def _moment(text: str) -> str:
    """An HL7 time as ISO 8601 (to the minute), or the text as sent when it is no time."""
    moment = hl7_time(text)
    return moment.isoformat(timespec="minutes") if moment else text


def _caregiver(message: hl7.Message, occurrence: int, name: str) -> NewCaregiver | None:
    """The `occurrence`th NK1 as a caregiver without consent: relationship from NK1-3 (in
    words), the cell phone of NK1-5, else its first number, else NK1-6; language NK1-20 ("" for
    the patient's). An ADT feed says who the next of kin are, not that the patient agreed they
    may hear about their health, so consent and proxy stay for a person to record."""
    code = value(message, "NK1", 3, occurrence=occurrence).upper()
    if code in NOT_CAREGIVERS:
        return None
    text = value(message, "NK1", 3, 2, occurrence=occurrence)
    relationship = RELATIONSHIPS.get(code) or text.lower() or code.lower() or "next of kin"
    numbers = [(value(message, "NK1", number, 3, repetition, occurrence).upper(),
                _number(message, "NK1", number, repetition, occurrence))
               for number in (5, 6)
               for repetition in range(1, repetitions(message, "NK1", number, occurrence) + 1)]
    numbers = [(kind, number) for kind, number in numbers if number]
    phone = next((number for kind, number in numbers if kind == "CP"),
                 numbers[0][1] if numbers else "")
    language = value(message, "NK1", 20, occurrence=occurrence).lower() or \
        value(message, "NK1", 20, 2, occurrence=occurrence).lower()
    return NewCaregiver(name, relationship, phone, LANGUAGES.get(language, ""))


def _diagnosis(message: hl7.Message, occurrence: int) -> str:
    """DG1-3's code with DG1-4's description beside it when sent ("I50.22 Chronic systolic
    heart failure"): the nurse reads words, the flow table reads the code."""
    code = value(message, "DG1", 3, occurrence=occurrence)
    description = " ".join(value(message, "DG1", 4, occurrence=occurrence).split())
    return " ".join(part for part in (code, description) if part)


def _pcp(message: hl7.Message) -> CareContact | None:
    """The patient's primary care provider: a ROL segment with role PP (ROL-3) names them
    (ROL-4) with their office phone (ROL-12, the first number); else PD1-4, a name only. A
    ROL whose action (ROL-2) is DE (delete) is no PCP."""
    for n in range(len(_all(message, "ROL"))):
        if value(message, "ROL", 3, occurrence=n).upper() != "PP" or \
                value(message, "ROL", 2, occurrence=n).upper() == "DE":
            continue
        name = _person(message, "ROL", 4, n)
        phones = [number for repetition in range(1, repetitions(message, "ROL", 12, n) + 1)
                  if (number := _number(message, "ROL", 12, repetition, n))]
        if name:
            return CareContact(name, phones[0] if phones else None)
    name = _person(message, "PD1", 4, 0)
    return CareContact(name) if name else None


def _person(message: hl7.Message, segment: str, field_number: int, occurrence: int) -> str:
    """An XCN (id^family^given^middle^suffix^prefix) as a nurse says it: "Dr. Ana Lee"."""
    family, given, prefix = (value(message, segment, field_number, component,
                                   occurrence=occurrence) for component in (2, 3, 6))
    name = _readable(" ".join(part for part in (given, family) if part))
    prefix = "Dr." if prefix.upper().rstrip(".") == "DR" else _readable(prefix)
    return f"{prefix} {name}" if name and prefix else name


def _readable(name: str) -> str:
    """Many feeds send names in capitals: "Hi Grace", not "Hi GRACE"."""
    return name.title() if name.isupper() else name


def _all(message: hl7.Message, segment: str) -> list:
    try:
        return list(message.segments(segment))
    except KeyError:
        return []


def _mrn(message: hl7.Message) -> tuple[str, str]:
    """PID-3: the repetition typed MR (medical record number), else the first."""
    count = repetitions(message, "PID", 3)
    chosen = 1
    for repetition in range(1, count + 1):
        if value(message, "PID", 3, 5, repetition).upper() == "MR":
            chosen = repetition
            break
    return value(message, "PID", 3, 1, chosen), value(message, "PID", 3, 4, chosen)


def _mobile(message: hl7.Message) -> str:
    """PID-13 then PID-14: the number whose equipment type (XTN-3) is CP (a cell phone),
    else the first number given."""
    numbers = []
    for field_number in (13, 14):
        for repetition in range(1, repetitions(message, "PID", field_number) + 1):
            number = _number(message, "PID", field_number, repetition)
            if number:
                kind = value(message, "PID", field_number, 3, repetition).upper()
                numbers.append((kind, number))
    mobiles = [number for kind, number in numbers if kind == "CP"]
    return (mobiles or [number for _, number in numbers] or [""])[0]


def _number(message: hl7.Message, segment: str, field_number: int, repetition: int,
            occurrence: int = 0) -> str:
    """XTN: the unformatted number (12), else country+area+local (5, 6, 7), else the legacy
    text (1)."""
    def part(component: int) -> str:
        return value(message, segment, field_number, component, repetition, occurrence)

    if unformatted := part(12):
        return unformatted
    if part(6) and part(7):
        return f"+{part(5) or '1'}{part(6)}{part(7)}".replace("-", "")
    return part(1)
