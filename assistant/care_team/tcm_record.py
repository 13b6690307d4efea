"""The human part of transitional care (CMS TCM), as a nurse records it: each try at the
interactive contact, the face-to-face visit and the medication review.

What is written here is documentation a bill may rest on, so every entry is checked against
the discharge and the clock (nothing before the patient left, nothing in the future), kept
(attempts are only added, never edited) and audited. The first attempt that reaches someone
becomes the record's first interactive contact and closes the coordinator's "tcm_contact"
task: the automated check-in never does either.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.care_team.alert_lifecycle import resolve
from assistant.records.audit import record
from assistant.records.care_records import (
    MEDICATION_REVIEWERS,
    TCM_OUTCOMES,
    TcmContactAttempt,
    TcmRecord,
)
from assistant.records.models import Alert, Episode, User

# The coordinator's task to make the interactive contact (raised by escalation and the TCM
# clock); here because the contact logged below is what closes it.
TCM_TASK = "tcm_contact"
UNSUCCESSFUL = tuple(outcome for outcome in TCM_OUTCOMES if outcome != "reached")
MAX_NAME = 200
MAX_NOTE = 4000


class TcmError(ValueError):
    """Input a nurse must correct; the message says what and how."""


def shown(moment: datetime, zone: str) -> str:
    """A stored (naive UTC) time as a person reads it, with its zone, for messages."""
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


def discharge_day(episode: Episode) -> date:
    """The calendar day of discharge on the patient's own clock (day 0 of the 7 and 14)."""
    return local_day(episode.discharged_at, episode.patient.time_zone)


def local_day(moment: datetime, zone: str) -> date:
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).date()


def parse_local_time(text: str, zone: str) -> datetime:
    """A form's "YYYY-MM-DDTHH:MM" on the clock of `zone`, as naive UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise TcmError(f"the time {text.strip()!r} is not a date and time; write it like "
                       "2026-11-24 14:30") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    try:
        return moment.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        raise TcmError(f"the time {text.strip()!r} is out of range") from None


def parse_day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise TcmError(f"the {what} date {text.strip()!r} is not a date; write it like "
                       "2026-11-27") from None


def start_of_day(day: date, zone: str) -> datetime:
    """Midnight at the start of `day` on the clock of `zone`, as naive UTC (an export's
    "since")."""
    return parse_local_time(datetime.combine(day, time(0, 0)).isoformat(), zone)


def tcm_record(session: Session, episode: Episode, actor: str, now: datetime) -> TcmRecord:
    """The episode's record, made on first use (most discharges start without one)."""
    found = session.scalar(select(TcmRecord).where(TcmRecord.episode_id == episode.id))
    if found is None:
        found = TcmRecord(episode_id=episode.id, updated_at=now, updated_by=actor)
        session.add(found)
    return found


def attempts_for(session: Session, episode_id: int) -> list[TcmContactAttempt]:
    """Oldest first: the order in which they happened, not the order they were typed."""
    return list(session.scalars(select(TcmContactAttempt)
                                .where(TcmContactAttempt.episode_id == episode_id)
                                .order_by(TcmContactAttempt.at, TcmContactAttempt.id)))


def log_attempt(session: Session, episode: Episode, user: User, *, outcome: str, at: datetime,
                now: datetime, spoke_with: str | None = None,
                note: str | None = None) -> TcmContactAttempt:
    """Add a nurse's try at the contact. A reached attempt earlier than any before it becomes
    the first interactive contact; the first one ever resolves the open TCM task."""
    if outcome not in TCM_OUTCOMES:
        raise TcmError(f"the outcome {outcome!r} must be one of {', '.join(TCM_OUTCOMES)}")
    _check_moment(at, episode, now, "attempt")
    spoke_with = _text(spoke_with, "whom you spoke with", MAX_NAME)
    note = _text(note, "note", MAX_NOTE)
    if outcome == "reached" and not spoke_with:
        raise TcmError("say whom you spoke with: the patient, or a caregiver by name")
    attempt = TcmContactAttempt(episode_id=episode.id, at=at, outcome=outcome,
                                by_user=user.username, spoke_with=spoke_with, note=note)
    session.add(attempt)
    zone = episode.patient.time_zone
    record(session, actor=user.username, action="created", subject="tcm_attempt",
           subject_id=episode.id, now=now,
           detail=f"{outcome} at {shown(at, zone)}" + (f", spoke with {spoke_with}"
                                                        if spoke_with else ""))
    if outcome == "reached":
        _first_contact(session, episode, user, at, spoke_with or "", now)
    return attempt


def _first_contact(session: Session, episode: Episode, user: User, at: datetime,
                   spoke_with: str, now: datetime) -> None:
    tcm = tcm_record(session, episode, user.username, now)
    first_ever = tcm.first_contact_at is None
    if not first_ever and tcm.first_contact_at <= at:  # type: ignore[operator]
        return
    tcm.first_contact_at, tcm.first_contact_by = at, user.username
    tcm.updated_at, tcm.updated_by = now, user.username
    record(session, actor=user.username, action="changed", subject="tcm", subject_id=episode.id,
           now=now, detail=f"first interactive contact {shown(at, episode.patient.time_zone)}")
    if not first_ever:
        return
    tasks = session.scalars(select(Alert).where(
        Alert.episode_id == episode.id, Alert.reason == TCM_TASK, Alert.status != "resolved"))
    for task in tasks:
        resolve(session, task, user, "reached_by_phone",
                f"TCM contact logged: spoke with {spoke_with}", now)


def set_face_to_face(session: Session, episode: Episode, user: User, on: date,
                     now: datetime) -> TcmRecord:
    """The day the patient was seen face to face (the TCM visit); a correction replaces it
    and the audit log keeps both."""
    _check_day(on, episode, now, "face-to-face visit")
    tcm = tcm_record(session, episode, user.username, now)
    before = tcm.face_to_face_on
    tcm.face_to_face_on, tcm.updated_at, tcm.updated_by = on, now, user.username
    record(session, actor=user.username, action="changed", subject="tcm", subject_id=episode.id,
           now=now, detail=f"face-to-face visit {on.isoformat()}"
           + (f" (was {before.isoformat()})" if before else ""))
    return tcm


def set_medication_review(session: Session, episode: Episode, user: User, *, on: date,
                          by: str, role: str, now: datetime) -> TcmRecord:
    """Medication reconciliation and review: when, by whom, in which role."""
    if role not in MEDICATION_REVIEWERS:
        raise TcmError(f"the reviewer's role {role!r} must be one of "
                       f"{', '.join(MEDICATION_REVIEWERS)}")
    reviewer = _text(by, "reviewer's name", MAX_NAME)
    if not reviewer:
        raise TcmError("say who reviewed the medicines")
    _check_day(on, episode, now, "medication review")
    tcm = tcm_record(session, episode, user.username, now)
    before = tcm.medication_review_on
    tcm.medication_review_on, tcm.medication_review_by = on, reviewer
    tcm.medication_reviewer_role, tcm.updated_at, tcm.updated_by = role, now, user.username
    record(session, actor=user.username, action="changed", subject="tcm", subject_id=episode.id,
           now=now, detail=f"medication review {on.isoformat()} by {reviewer} ({role})"
           + (f" (was {before.isoformat()})" if before else ""))
    return tcm


def _check_moment(at: datetime, episode: Episode, now: datetime, what: str) -> None:
    zone = episode.patient.time_zone
    if at > now:
        raise TcmError(f"the {what}'s time {shown(at, zone)} is in the future (now is "
                       f"{shown(now, zone)}); log it once it has happened")
    # Forms give minutes: an attempt in the minute of the discharge is not before it.
    if at < episode.discharged_at.replace(second=0, microsecond=0):
        raise TcmError(f"the {what}'s time {shown(at, zone)} is before the discharge "
                       f"({shown(episode.discharged_at, zone)})")


def _check_day(on: date, episode: Episode, now: datetime, what: str) -> None:
    zone = episode.patient.time_zone
    discharged = discharge_day(episode)
    if on < discharged:
        raise TcmError(f"the {what} date {on.isoformat()} is before the discharge "
                       f"({discharged.isoformat()})")
    today = local_day(now, zone)
    if on > today:
        raise TcmError(f"the {what} date {on.isoformat()} is in the future (today is "
                       f"{today.isoformat()}); record it once it has taken place")


def _text(value: str | None, what: str, limit: int) -> str | None:
    cleaned = (value or "").strip()
    if len(cleaned) > limit:
        raise TcmError(f"the {what} is {len(cleaned)} characters long; at most {limit}")
    return cleaned or None
