"""Readmissions: a patient admitted to hospital again, recorded once per admission and tied
to the stay it follows, so the reports can count 30-day readmissions.

Three doors record them: the ADT feed (A01/A04, `source` hl7), the API (`api`), and a new
stay of a patient we followed before (`discharge`: many hospitals send only the A03). One
admission is one row whichever doors it comes through: the same visit number is the same
admission; without one, the same admission time is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.conversation.dialogue import Dialogue
from assistant.conversation.escalation import evidence, raise_alert
from assistant.foundation.local_time import local_today
from assistant.intake.cancellation import cancel_episodes
from assistant.intake.hl7_fields import AdtFields
from assistant.intake.validation import FUTURE_MARGIN, Discharge, EnrollmentError, parse_moment
from assistant.records.interfaces import Readmission
from assistant.records.models import CheckIn, Episode, Patient

SOURCES = ("hl7", "api", "discharge")
# Reports look back a year at most, and no stay of ours is older than the programme: an
# admission further back is a mistyped year, not history worth keeping.
OLDEST = timedelta(days=366)


class ReadmissionError(ValueError):
    """An admission that cannot be recorded as given, with the reason in words."""


@dataclass(frozen=True)
class RecordedAdmission:
    readmission: Readmission
    created: bool  # False: this admission was on record already
    corrected: bool = False  # an approximate admission time was replaced by the real one

    def said(self) -> str:
        """For an ACK or a log line: what was done, and the stay it follows."""
        row = self.readmission
        follows = (f"{row.days_after_discharge} day(s) after stay {row.index_episode_id}"
                   if row.index_episode_id else "no earlier stay of ours")
        if self.created:
            return f"readmission recorded ({follows})"
        if self.corrected:
            return f"readmission already recorded; admission time corrected ({follows})"
        return f"readmission already recorded ({follows})"


def check_admission_time(admitted_at: datetime, now: datetime, patient: Patient) -> None:
    """Refuse a time that cannot be a real admission (naive UTC, as stored)."""
    if admitted_at > now + FUTURE_MARGIN:
        raise ReadmissionError(f"admission time {admitted_at:%Y-%m-%d %H:%M} UTC is in the "
                               "future; give the time the patient was admitted")
    if admitted_at < now - OLDEST:
        raise ReadmissionError(f"admission time {admitted_at:%Y-%m-%d} is more than a year "
                               "ago; check the year")
    if admitted_at.date() < patient.dob:
        raise ReadmissionError(f"admission time {admitted_at:%Y-%m-%d} is before the "
                               f"patient's birth ({patient.dob:%Y-%m-%d})")


def admission_moment(text: str, patient: Patient, now: datetime) -> datetime:
    """ISO 8601 text as naive UTC, checked; one without an offset is the patient's local
    time, as the discharge times of every intake path are."""
    try:
        moment = parse_moment(text, "admission time", ZoneInfo(patient.time_zone))
    except EnrollmentError as exc:
        raise ReadmissionError(str(exc)) from None
    check_admission_time(moment, now, patient)
    return moment


def adt_admission_time(fields: AdtFields, patient: Patient,
                       now: datetime) -> tuple[datetime, list[str]]:
    """An A01/A04's admission: PV1-44 (admit date/time), else when the event was recorded
    (EVN-2, else MSH-7), else its arrival. A time that cannot be an admission is passed over
    and said so: the admission is still counted and follow-up still stops when a feed's
    clock is wrong."""
    notes = []
    for label, text in (("PV1-44", fields.admitted), ("EVN-2/MSH-7", fields.recorded)):
        if text:
            try:
                return admission_moment(text, patient, now), notes
            except ReadmissionError as exc:
                notes.append(f"{label} not used: {exc}")
    return now, [*notes, "dated by its arrival"] if notes else []


def stay_admission(text: str, discharge: Discharge) -> tuple[datetime | None, list[str]]:
    """A discharged stay's admission (PV1-44, Encounter.period.start) as naive UTC, when it
    can be one: before the discharge and within a year of it. Otherwise None (a readmission
    is then dated by the discharge), with a note saying why."""
    if not text:
        return None, []
    try:
        moment = parse_moment(text, "admission time", ZoneInfo(discharge.time_zone))
    except EnrollmentError as exc:
        return None, [f"{exc}; a readmission is dated by the discharge"]
    if not discharge.discharged_at - OLDEST <= moment <= discharge.discharged_at:
        return None, [f"admission time {text} is not within the year before the discharge; "
                      "a readmission is dated by the discharge"]
    return moment, []


def index_episode(session: Session, patient_id: int, admitted_at: datetime,
                  besides: int | None = None) -> Episode | None:
    """The stay an admission follows: the patient's latest discharge strictly before it."""
    query = select(Episode).where(Episode.patient_id == patient_id,
                                  Episode.discharged_at < admitted_at)
    if besides is not None:
        query = query.where(Episode.id != besides)
    return session.scalar(query.order_by(Episode.discharged_at.desc(), Episode.id.desc())
                          .limit(1))


def record_readmission(session: Session, patient: Patient, admitted_at: datetime,
                       now: datetime, *, source: str, visit_number: str | None = None,
                       event: str | None = None) -> RecordedAdmission:
    """Record an admission (ADT or API) in the caller's transaction, once: the same visit
    number, or without one the same admission time, finds the row already there. An
    admission first known from its discharge (dated then by the discharge) takes the real
    admission time when it comes, which can only shorten its days after discharge."""
    if source not in SOURCES:
        raise ValueError(f"source {source!r} is not one of {', '.join(SOURCES)}")
    check_admission_time(admitted_at, now, patient)
    existing = _by_visit(session, patient.id, visit_number) or session.scalar(
        _unnumbered(patient.id, visit_number).where(Readmission.admitted_at == admitted_at))
    if existing is None:
        return RecordedAdmission(_insert(session, patient.id, admitted_at, now, source,
                                         visit_number, event), created=True)
    existing.visit_number = existing.visit_number or visit_number
    if existing.source != "discharge" or source == "discharge" or \
            admitted_at >= existing.admitted_at:
        return RecordedAdmission(existing, created=False)
    _date(session, existing, admitted_at)
    existing.event = existing.event or event
    return RecordedAdmission(existing, created=False, corrected=True)


def record_new_stay(session: Session, episode: Episode, admitted_at: datetime | None,
                    now: datetime) -> RecordedAdmission | None:
    """A new stay of a patient who had one before is a readmission (`source` discharge),
    unless its admission is on record already: the same visit, or one recorded between the
    previous discharge and this one (without a visit number, or this one).

    `admitted_at`: the stay's admission when the intake path knows it (PV1-44, FHIR
    Encounter.period.start), checked by the caller; else the discharge time stands in for it,
    so the days after the previous discharge can only be counted late, never early."""
    patient_id = episode.patient_id
    others = session.scalar(select(Episode.id).where(Episode.patient_id == patient_id,
                                                     Episode.id != episode.id).limit(1))
    if others is None:
        return None  # a first stay: no readmission
    admitted = admitted_at or episode.discharged_at
    visit = episode.visit_number
    index = index_episode(session, patient_id, admitted, besides=episode.id)
    window = _unnumbered(patient_id, visit).where(
        Readmission.admitted_at <= episode.discharged_at)
    if index is not None:
        window = window.where(Readmission.admitted_at > index.discharged_at)
    existing = _by_visit(session, patient_id, visit) or session.scalar(
        window.order_by(Readmission.admitted_at.desc()).limit(1))
    if existing is not None:
        existing.visit_number = existing.visit_number or visit
        return RecordedAdmission(existing, created=False)
    return RecordedAdmission(_insert(session, patient_id, admitted, now, "discharge", visit,
                                     None, besides=episode.id), created=True)


def stop_follow_up(session: Session, dialogue: Dialogue, patient_id: int, now: datetime, *,
                   told_by: str, raw: str,
                   discharged_before: datetime | None = None) -> tuple[int, int | None]:
    """A patient back in hospital is not asked how they are doing at home: cancel the
    follow-up in progress (reason `readmitted`) and tell the coordinator with a routine alert
    on the latest such stay. `discharged_before`: only stays discharged before then (an
    admission reported after the fact must not stop the follow-up of a later stay).
    Returns (check-ins cancelled, that stay), or (0, None) when nothing was in progress."""
    query = select(CheckIn.episode_id).join(Episode).where(
        Episode.patient_id == patient_id, CheckIn.status.in_(("scheduled", "in_progress")))
    if discharged_before is not None:
        query = query.where(Episode.discharged_at < discharged_before)
    open_episodes = sorted(set(session.scalars(query)))
    if not open_episodes:
        return 0, None
    count = cancel_episodes(session, dialogue, open_episodes, "readmitted", now)
    latest = max(open_episodes)
    raise_alert(session, patient_id=patient_id, episode_id=latest, conversation_id=None,
                reason="readmitted", severity="routine",
                summary=f"Readmitted ({told_by}): follow-up stopped",
                question_id=None, evidence=evidence(None, None, raw, None, now), now=now)
    return count, latest


def _by_visit(session: Session, patient_id: int, visit: str | None) -> Readmission | None:
    if not visit:
        return None
    return session.scalar(select(Readmission).where(Readmission.patient_id == patient_id,
                                                    Readmission.visit_number == visit))


def _unnumbered(patient_id: int, visit: str | None):  # type: ignore[no-untyped-def]
    """The patient's admissions that could be this one by time: those of another visit
    number are other admissions."""
    query = select(Readmission).where(Readmission.patient_id == patient_id)
    return query.where(Readmission.visit_number.is_(None)) if visit else query


def _insert(session: Session, patient_id: int, admitted_at: datetime, now: datetime,
            source: str, visit: str | None, event: str | None,
            besides: int | None = None) -> Readmission:
    row = Readmission(patient_id=patient_id, admitted_at=admitted_at, visit_number=visit,
                      source=source, event=event, recorded_at=now)
    _date(session, row, admitted_at, besides)
    session.add(row)
    session.flush()
    return row


def _date(session: Session, row: Readmission, admitted_at: datetime,
          besides: int | None = None) -> None:
    """Set the admission time, the stay it follows and the days since that discharge.
    An admission of a visit we have the discharge of is that stay's own: it follows the
    stays before it, and it was no later than that discharge (an A01 replayed after the A03,
    dated by its arrival, is not a readmission of the stay itself)."""
    own = session.scalar(select(Episode).where(
        Episode.patient_id == row.patient_id,
        Episode.visit_number == row.visit_number)) if row.visit_number else None
    if own is not None:
        admitted_at, besides = min(admitted_at, own.discharged_at), own.id
    index = index_episode(session, row.patient_id, admitted_at, besides)
    row.admitted_at = admitted_at
    row.index_episode_id = index.id if index else None
    row.days_after_discharge = _days(session, row, index) if index else None


def recount_days_after(session: Session, episode: Episode) -> None:
    """A stay's discharge time corrected: the days to the readmissions that follow it."""
    for row in session.scalars(select(Readmission).where(
            Readmission.index_episode_id == episode.id)):
        row.days_after_discharge = _days(session, row, episode)


def _days(session: Session, row: Readmission, index: Episode) -> int:
    """Days as the hospital (and CMS) count them: calendar days on the patient's clock, the
    discharge day being day 0, whatever the hours (or a DST change) between."""
    zone = session.get_one(Patient, row.patient_id).time_zone
    return (local_today(row.admitted_at, zone) - local_today(index.discharged_at, zone)).days
