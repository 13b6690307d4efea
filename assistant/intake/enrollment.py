"""Recording a discharge: validate everything first, then write patient, episode and plan."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from assistant.services import Services

from assistant.conversation.flow_loader import FlowLibrary
from assistant.conversation.flows import Flow
from assistant.conversation.understanding import interpret_number
from assistant.foundation.business_days import BusinessCalendar
from assistant.foundation.config import Settings
from assistant.foundation.local_time import to_utc_naive
from assistant.intake.cancellation import cancel_episodes
from assistant.outreach.scheduling import PlannedCheckIn, plan_checkins, tcm_deadline
from assistant.records.medicines import is_high_risk
from assistant.records.models import Appointment, CheckIn, Episode, Medication, Patient
from assistant.records.phones import InvalidPhone, time_zone_for, to_e164

MEDICATION_CHANGES = ("new", "changed", "stopped", "held", "unchanged")
MAX_AGE_YEARS = 110
FOLLOW_UP_DAYS = 30  # past this, a discharge is not followed up: nothing would be sent
FUTURE_MARGIN = timedelta(hours=1)  # clocks differ a little; a discharge hours ahead is a typo
# Numbers that cannot take a text message: check-ins go by phone call instead.
NO_SMS = {phonenumbers.PhoneNumberType.FIXED_LINE: "a landline",
          phonenumbers.PhoneNumberType.TOLL_FREE: "a toll-free number"}


class EnrollmentError(ValueError):
    """Bad input, with a message that says what is wrong and how to fix it."""


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
    baseline: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()  # accepted, but the person enrolling should know
    voice_only: bool = False  # the number cannot take texts: every check-in is a call


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
    return to_utc_naive(moment)


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
    appointment: str | None = None,
    baseline: dict[str, Any] | None = None, today: date | None = None,
    now: datetime | None = None,
) -> Discharge:
    if not name.strip():
        raise EnrollmentError("name is empty; give the patient's full name")
    now = now or datetime.now(UTC).replace(tzinfo=None)
    today = today or now.date()
    birth = parse_date(dob, "date of birth")
    if birth > today:
        raise EnrollmentError(f"date of birth {dob} is in the future")
    age = (today - birth).days // 365.25
    if age > MAX_AGE_YEARS:
        raise EnrollmentError(f"date of birth {dob} makes the patient {age:.0f} years old; "
                              "check the year")
    try:
        e164 = to_e164(phone, settings.default_region)
    except InvalidPhone as exc:
        raise EnrollmentError(str(exc)) from None
    try:
        chosen_flow = flows.get(flow)
    except KeyError as exc:
        raise EnrollmentError(f"{exc.args[0]}; pass one with --flow") from None
    if lang not in chosen_flow.languages:
        raise EnrollmentError(f"flow {flow!r} has no {lang!r} prompts (it has "
                              f"{', '.join(chosen_flow.languages)})")
    zone_name = time_zone or time_zone_for(e164) or settings.default_timezone
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise EnrollmentError(f"time zone {zone_name!r} is unknown; use an IANA name like "
                              "America/Chicago") from None
    discharged_at = parse_moment(discharged, "discharge time", zone)
    appointment_at = parse_moment(appointment, "appointment", zone) if appointment else None
    _refuse_impossible_times(discharged_at, appointment_at, now, discharged)
    warnings = _late_checkins(chosen_flow, discharged_at, zone_name, settings, now)
    voice_only = False
    kind = NO_SMS.get(phonenumbers.number_type(phonenumbers.parse(e164)))
    if kind and any(contact.channel == "sms" for contact in chosen_flow.schedule):
        voice_only = True
        warnings.append(f"phone {e164} is {kind}: it cannot take text messages, so every "
                        "check-in will be a phone call")
    return Discharge(
        name=" ".join(name.split()),
        dob=birth,
        phone=e164,
        discharged_at=discharged_at,
        flow_id=chosen_flow.id,
        language=lang,
        time_zone=zone_name,
        medications=(read_medications(meds) if meds else
                     parse_medications(medication_rows or [], "medications")),
        appointment_at=appointment_at,
        baseline=normalise_baseline(baseline or {}),
        warnings=tuple(warnings),
        voice_only=voice_only,
    )


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


def _still_useful(planned: list[PlannedCheckIn], now: datetime) -> list[PlannedCheckIn]:
    """A late enrolment moves every past check-in to now; only the latest of them is still
    worth asking (the patient would otherwise get the day-2 and day-7 questions at once)."""
    due_now = [p for p in planned if p.due_at <= now]
    return [p for p in planned if p.due_at > now or p is (due_now[-1] if due_now else None)]


def replaced_and_shared(session: Session, discharge: Discharge) -> list[str]:
    """What the person enrolling should be told about records already here: the episode a
    new discharge replaces, and the same phone under another name."""
    notes = []
    patient = session.scalar(select(Patient).where(
        Patient.phone == discharge.phone, Patient.dob == discharge.dob,
        Patient.name == " ".join(discharge.name.split())))
    if patient is not None:
        for episode in session.scalars(select(Episode).where(Episode.patient_id == patient.id)
                                       .order_by(Episode.id)):
            pending = [c for c in episode.checkins if c.status in ("scheduled", "in_progress")]
            if pending:
                notes.append(f"replaces episode {episode.id} (discharged "
                             f"{episode.discharged_at:%Y-%m-%d}): its {len(pending)} pending "
                             "check-in(s) are cancelled")
    others = session.scalars(select(Patient).where(
        Patient.phone == discharge.phone,
        (Patient.name != " ".join(discharge.name.split())) | (Patient.dob != discharge.dob)))
    for other in others:
        notes.append(f"phone {discharge.phone} also belongs to {other.name} (patient "
                     f"{other.id}); both will get check-ins on it. If this is the same person, "
                     "enrol with the same name and date of birth")
    return notes


def enroll(session: Session, services: Services, discharge: Discharge, now: datetime) -> Episode:
    """Write the discharge and schedule its check-ins, in the caller's transaction. A new
    discharge of the same patient (a readmission) ends the follow-up of the earlier one."""
    settings, flows, versions = services.settings, services.flows, services.versions
    patient = session.scalar(
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
    if patient.id is not None:
        earlier = list(session.scalars(select(Episode.id).where(Episode.patient_id == patient.id)))
        cancel_episodes(session, services.dialogue, earlier, "readmitted", now)
    version = versions.current(session, flows.get(discharge.flow_id), now)
    flow = versions.flow(version)
    calendar = BusinessCalendar(settings.holiday_calendar)
    episode = Episode(
        patient=patient, discharged_at=discharge.discharged_at, flow_id=flow.id,
        baseline=dict(discharge.baseline), diagnoses=[], created_at=now,
        tcm_deadline=tcm_deadline(discharge.discharged_at, patient.time_zone, calendar),
    )
    session.add(episode)
    for entry in discharge.medications:
        session.add(Medication(episode=episode, name=entry.name, change=entry.change,
                               dose=entry.dose, instructions=entry.instructions,
                               high_risk=entry.high_risk))
    if discharge.appointment_at:
        session.add(Appointment(episode=episode, starts_at=discharge.appointment_at,
                                description="Follow-up visit"))
    if discharge.voice_only:
        patient.preferred_channel = "voice"
    for planned in _still_useful(plan_checkins(
            flow, discharge.discharged_at, patient.time_zone, calendar,
            patient.contact_start_hour, patient.contact_end_hour, not_before=now), now):
        channel, fallback = planned.channel, planned.fallback
        if discharge.voice_only:
            channel, fallback = "voice", None
        session.add(CheckIn(episode=episode, flow_version=version, label=planned.label,
                            due_at=planned.due_at, channel=channel,
                            fallback_channel=fallback, status="scheduled", attempt=0))
    session.flush()
    return episode
