"""A discharge as given (CLI, CSV, API, ADT, FHIR), checked in full before anything is
written: every problem is reported at once, each in one line saying how to fix it."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
import yaml

from assistant.care_team.caregivers import CaregiverError, NewCaregiver, check_caregiver
from assistant.conversation.flow_loader import FlowLibrary
from assistant.conversation.flows import Flow
from assistant.conversation.understanding import interpret_number
from assistant.foundation.business_days import BusinessCalendar
from assistant.foundation.config import Settings
from assistant.foundation.local_time import to_utc_naive
from assistant.foundation.text import CONTROL_CHARACTERS
from assistant.intake.care_contacts import CareContact, check_contact, check_diagnoses
from assistant.outreach.scheduling import plan_checkins
from assistant.records.medicines import is_high_risk
from assistant.records.phones import InvalidPhone, time_zone_for, to_e164

MEDICATION_CHANGES = ("new", "changed", "stopped", "held", "unchanged")
MAX_AGE_YEARS = 110
FOLLOW_UP_DAYS = 30  # past this, a discharge is not followed up: nothing would be sent
MAX_VISIT_DETAIL = 200  # the clinician's and the place's columns
FUTURE_MARGIN = timedelta(hours=1)  # clocks differ a little; a discharge hours ahead is a typo
# Numbers that cannot take a text message: check-ins go by phone call instead.
NO_SMS = {phonenumbers.PhoneNumberType.FIXED_LINE: "a landline",
          phonenumbers.PhoneNumberType.TOLL_FREE: "a toll-free number"}


class EnrollmentError(ValueError):
    """Bad input, with a message that says what is wrong and how to fix it; `problems` lists
    every problem found, one line each (the message joins them)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


@dataclass(frozen=True)
class MedicationEntry:
    name: str
    change: str
    dose: str | None = None
    instructions: str | None = None
    high_risk: bool = False


@dataclass(frozen=True)
class Discharge:
    """A validated discharge, ready to be written."""

    name: str
    dob: date
    phone: str
    discharged_at: datetime  # naive UTC
    flow_id: str
    language: str
    time_zone: str
    medications: tuple[MedicationEntry, ...] = ()
    appointment_at: datetime | None = None  # naive UTC
    appointment_with: str | None = None  # the clinician: "Dr. Lee"
    appointment_place: str | None = None  # "Main Street Clinic"
    baseline: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()  # accepted, but the person enrolling should know
    voice_only: bool = False  # the number cannot take texts: every check-in is a call
    mrn: str | None = None  # the hospital's medical record number...
    mrn_authority: str = ""  # ...unique within the authority that assigned it
    visit_number: str | None = None  # the stay (encounter) it was given
    caregivers: tuple[NewCaregiver, ...] = ()  # checked: names trimmed, phones E.164
    diagnoses: tuple[str, ...] = ()  # codes or words; none given keeps those on record
    pcp: CareContact | None = None  # checked, phone E.164; None keeps the one on record
    pharmacy: CareContact | None = None
    # The stay's admission (naive UTC) when the intake path knows it (ADT PV1-44, FHIR
    # Encounter.period.start): a readmission is dated by it; set after validation.
    admitted_at: datetime | None = None

    @property
    def care_contacts(self) -> dict[str, CareContact | None]:
        """The contacts by their stored key (`Episode.care_contacts`)."""
        return {"pcp": self.pcp, "pharmacy": self.pharmacy}


def parse_date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise EnrollmentError(f"{what} {text!r} is not a date; write it as YYYY-MM-DD, "
                              "like 1950-03-14") from None


def parse_moment(text: str, what: str, zone: ZoneInfo) -> datetime:
    """An ISO 8601 date-time; one without an offset is the patient's local time."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise EnrollmentError(f"{what} {text!r} is not a date-time; write it in ISO 8601, like "
                              "2026-11-20T14:30 or 2026-11-20T14:30-05:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    try:
        return to_utc_naive(moment)
    except OverflowError:  # year 1 or 9999 pushed past the calendar by its offset
        raise EnrollmentError(f"{what} {text!r} is out of range; check the year") from None


def read_medications(path: Path) -> tuple[MedicationEntry, ...]:
    """A YAML list or a CSV with columns name, change, dose, instructions, high_risk."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise EnrollmentError(f"cannot read medication file {path}: {exc.strerror}") from None
    if path.suffix.lower() == ".csv":
        rows: Any = list(csv.DictReader(text.splitlines()))
    else:
        try:
            rows = yaml.safe_load(text) or []
        except yaml.YAMLError as exc:
            raise EnrollmentError(f"medication file {path} is not valid YAML: {exc}") from None
    return parse_medications(rows, str(path))


def parse_medications(rows: Any, source: str) -> tuple[MedicationEntry, ...]:
    if not isinstance(rows, list):
        raise EnrollmentError(f"{source}: medications must be a list of medicines")
    entries = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or not str(row.get("name") or "").strip():
            raise EnrollmentError(f"{source}: medicine #{number} needs a name")
        change = str(row.get("change") or row.get("status") or "").strip().lower()
        if change not in MEDICATION_CHANGES:
            raise EnrollmentError(
                f"{source}: medicine #{number} ({row['name']}) needs change: one of "
                f"{', '.join(MEDICATION_CHANGES)}"
            )
        entries.append(MedicationEntry(
            name=str(row["name"]).strip(),
            change=change,
            dose=str(row["dose"]).strip() if row.get("dose") else None,
            instructions=str(row["instructions"]).strip() if row.get("instructions") else None,
            high_risk=(str(row.get("high_risk", "")).strip().lower() in ("true", "yes", "1")
                       or is_high_risk(str(row["name"]))),
        ))
    return tuple(entries)


def validate_discharge(
    settings: Settings, flows: FlowLibrary, *, name: str, dob: str, phone: str,
    discharged: str, flow: str, lang: str = "en", time_zone: str | None = None,
    meds: Path | None = None, medication_rows: list[Any] | None = None,
    appointment: str | None = None, appointment_with: str | None = None,
    appointment_place: str | None = None,
    baseline: dict[str, Any] | None = None, today: date | None = None,
    now: datetime | None = None, mrn: str | None = None, mrn_authority: str | None = None,
    visit_number: str | None = None, caregivers: Sequence[NewCaregiver] = (),
    diagnoses: Sequence[str] = (), pcp: CareContact | None = None,
    pharmacy: CareContact | None = None,
) -> Discharge:
    """Every field checked; all problems raised together in one EnrollmentError."""
    problems: list[str] = []

    def attempt(check, *args):  # type: ignore[no-untyped-def]
        try:
            return check(*args)
        except EnrollmentError as exc:
            problems.extend(exc.problems)
            return None

    now = now or datetime.now(UTC).replace(tzinfo=None)
    today = today or now.date()
    if not name.strip():
        problems.append("name is empty; give the patient's full name")
    birth = attempt(_birth, dob, today)
    e164 = attempt(phone_number, phone, settings.default_region)
    chosen_flow = attempt(_flow, flows, flow, lang)
    zone_name = time_zone or (time_zone_for(e164) if e164 else None) or \
        settings.default_timezone
    zone = attempt(_zone, zone_name)
    discharged_at = attempt(parse_moment, discharged, "discharge time", zone) if zone else None
    appointment_at = attempt(parse_moment, appointment, "appointment", zone) \
        if zone and appointment else None
    if discharged_at is not None:
        attempt(_refuse_impossible_times, discharged_at, appointment_at, now, discharged)
    visit = attempt(_visit_details, appointment, appointment_with, appointment_place)
    medications = attempt(read_medications, meds) if meds else \
        attempt(parse_medications, medication_rows or [], "medications")
    normal_baseline = attempt(normalise_baseline, baseline or {})
    identifiers = attempt(_identifiers, mrn, mrn_authority, visit_number)
    kin = attempt(checked_caregivers, caregivers, settings.default_region, lang)
    stated, bad = check_diagnoses(list(diagnoses))
    contacts = {}
    for role, given in (("pcp", pcp), ("pharmacy", pharmacy)):
        contacts[role], wrong = check_contact(role, given, settings.default_region)
        bad += wrong
    problems += bad
    if problems:
        raise EnrollmentError("; ".join(problems), problems)
    assert birth and e164 and chosen_flow and discharged_at and identifiers is not None
    assert visit is not None
    warnings = _late_checkins(chosen_flow, discharged_at, zone_name, settings, now)
    voice_only = False
    kind = NO_SMS.get(phonenumbers.number_type(phonenumbers.parse(e164)))
    if kind and any(contact.channel == "sms" for contact in chosen_flow.schedule):
        voice_only = True
        warnings.append(f"phone {e164} is {kind}: it cannot take text messages, so every "
                        "check-in will be a phone call")
    return Discharge(
        name=" ".join(name.split()), dob=birth, phone=e164, discharged_at=discharged_at,
        flow_id=chosen_flow.id, language=lang, time_zone=zone_name,
        medications=medications or (), appointment_at=appointment_at,
        appointment_with=visit[0], appointment_place=visit[1],
        baseline=normal_baseline or {}, warnings=tuple(warnings), voice_only=voice_only,
        mrn=identifiers[0], mrn_authority=identifiers[1], visit_number=identifiers[2],
        caregivers=kin or (), diagnoses=stated, pcp=contacts["pcp"],
        pharmacy=contacts["pharmacy"],
    )


def checked_caregivers(caregivers: Sequence[NewCaregiver], region: str,
                       language: str) -> tuple[NewCaregiver, ...]:
    """Each caregiver as it will be stored (the patient's `language` where none was given);
    every problem of every caregiver at once, each naming the caregiver (by number when it has
    no name)."""
    result, problems = [], []
    for number, given in enumerate(caregivers, start=1):
        given = replace(given, language=given.language or language)
        try:
            result.append(check_caregiver(given, region))
        except CaregiverError as exc:
            who = f"caregiver {' '.join(given.name.split()) or number}"
            problems += [f"{who}: {problem}" for problem in exc.problems]
    if problems:
        raise EnrollmentError("; ".join(problems), problems)
    return tuple(result)


def _birth(dob: str, today: date) -> date:
    birth = parse_date(dob, "date of birth")
    if birth > today:
        raise EnrollmentError(f"date of birth {dob} is in the future")
    age = (today - birth).days // 365.25
    if age > MAX_AGE_YEARS:
        raise EnrollmentError(f"date of birth {dob} makes the patient {age:.0f} years old; "
                              "check the year")
    return birth


def phone_number(phone: str, region: str) -> str:
    """E.164, or an EnrollmentError saying how to write it."""
    try:
        return to_e164(phone, region)
    except InvalidPhone as exc:
        raise EnrollmentError(str(exc)) from None


def _flow(flows: FlowLibrary, flow: str, lang: str) -> Flow:
    try:
        chosen = flows.get(flow)
    except KeyError as exc:
        raise EnrollmentError(f"{exc.args[0]}; pass one with --flow") from None
    if lang not in chosen.languages:
        raise EnrollmentError(f"flow {flow!r} has no {lang!r} prompts (it has "
                              f"{', '.join(chosen.languages)})")
    return chosen


def _zone(zone_name: str) -> ZoneInfo:
    try:
        return ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise EnrollmentError(f"time zone {zone_name!r} is unknown; use an IANA name like "
                              "America/Chicago") from None


IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")


def _identifiers(mrn: str | None, authority: str | None,
                 visit: str | None) -> tuple[str | None, str, str | None]:
    """The hospital's ids, as given (trimmed); a visit number means nothing without the
    MRN it belongs to."""
    mrn, authority, visit = (value.strip() if value else None for value in (mrn, authority,
                                                                             visit))
    bad = [f"{what} {value!r} is not an identifier (letters, digits, . _ / -, at most 64)"
           for what, value in (("mrn", mrn), ("mrn_authority", authority),
                               ("visit_number", visit)) if value and not IDENTIFIER.match(value)]
    if visit and not mrn:
        bad.append("visit_number needs the patient's mrn (a visit is the hospital's only "
                   "within a patient's record)")
    if bad:
        raise EnrollmentError("; ".join(bad), bad)
    return mrn, authority or "", visit


def _visit_details(appointment: str | None, clinician: str | None,
                   place: str | None) -> tuple[str | None, str | None]:
    """Who the visit is with and where, as the patient will read them in a text."""
    given = {"appointment with": clinician, "appointment place": place}
    bad = [f"{what} is longer than {MAX_VISIT_DETAIL} characters; shorten it"
           for what, value in given.items() if value and len(value.strip()) > MAX_VISIT_DETAIL]
    bad += [f"{what} {value!r} has control characters; give plain text"
            for what, value in given.items() if value and CONTROL_CHARACTERS.search(value)]
    if not appointment and any(value and value.strip() for value in given.values()):
        bad.append("the appointment's clinician or place needs its date and time too "
                   "(--appointment / appointment, ISO 8601)")
    if bad:
        raise EnrollmentError("; ".join(bad), bad)
    clean = [" ".join(value.split()) or None if value else None for value in (clinician, place)]
    return clean[0], clean[1]


def _refuse_impossible_times(discharged_at: datetime, appointment_at: datetime | None,
                             now: datetime, discharged: str) -> None:
    if discharged_at > now + FUTURE_MARGIN:
        raise EnrollmentError(f"discharge time {discharged} is in the future; give the time "
                              "the patient actually left")
    days_ago = (now - discharged_at).days
    if days_ago > FOLLOW_UP_DAYS:
        raise EnrollmentError(f"discharge time {discharged} was {days_ago} days ago, past the "
                              f"{FOLLOW_UP_DAYS}-day follow-up: no check-in would be sent")
    if appointment_at is not None and appointment_at < discharged_at:
        raise EnrollmentError("the follow-up appointment is before the discharge; check its "
                              "date")


def _late_checkins(flow: Flow, discharged_at: datetime, zone: str, settings: Settings,
                   now: datetime) -> list[str]:
    """A late enrolment: which planned check-ins are already past, and what happens."""
    planned = plan_checkins(flow, discharged_at, zone, BusinessCalendar(settings.holiday_calendar))
    past = [p.label for p in planned if p.due_at <= now]
    if len(past) < 2:
        return []  # at most one, which simply goes out now
    days_ago = (now - discharged_at).days
    return [f"discharged {days_ago} days ago: {len(past) - 1} check-in(s) already past are "
            f"skipped ({', '.join(past[:-1])}); {past[-1]} goes out now"]


def normalise_baseline(baseline: dict[str, Any]) -> dict[str, Any]:
    """Baseline values in the units rules use: a discharge weight becomes `weight_lb`."""
    result = dict(baseline)
    weight = result.pop("weight", None)
    if weight is not None:
        text = f"{weight} lb" if isinstance(weight, int | float) else str(weight)
        reading = interpret_number(text, "lb", 50, 1000)
        if not reading.understood or reading.change:
            raise EnrollmentError(f"discharge weight {weight!r} is not a weight; write it like "
                                  "182 lb or 82.5 kg")
        result["weight_lb"] = reading.value
    return result


