"""How often we may start a conversation with a patient, by default the TCPA healthcare
exemption's: at most one initiated contact a day and three a week, inside the patient's
allowed hours in their own time zone. Replies to the patient's own messages do not count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, union_all
from sqlalchemy.orm import Session

from assistant.foundation.config import Settings
from assistant.foundation.local_time import into_allowed_hours, to_utc_naive
from assistant.records.models import Appointment, ContactAttempt, Episode, Patient

# Every attempt that may have reached the patient counts, answered or not; a request Twilio
# refused ("failed") or asked us to repeat ("retry") does not.
NOT_COUNTED = ("failed", "retry")


def next_contact_time(session: Session, settings: Settings, patient: Patient,
                      now: datetime) -> datetime:
    """The earliest moment from `now` (naive UTC) we may start a contact with `patient`."""
    week = recent_contacts(session, [patient.id], now).get(patient.id, [])
    return earliest_contact(settings, patient, now, week)


def recent_contacts(session: Session, patient_ids: list[int],
                    now: datetime) -> dict[int, list[datetime]]:
    """The counted contacts of the last seven days, per patient, oldest first (one query for
    a whole batch): check-ins and their reminders, and the day-before reminders of visits
    (`Appointment.reminded_at`, which belong to no check-in)."""
    since = now - timedelta(days=7)
    attempts = select(ContactAttempt.patient_id, ContactAttempt.started_at).where(
        ContactAttempt.patient_id.in_(patient_ids), ContactAttempt.outcome.not_in(NOT_COUNTED),
        ContactAttempt.started_at > since)
    visits = select(Episode.patient_id, Appointment.reminded_at).join(
        Episode, Appointment.episode_id == Episode.id).where(
        Episode.patient_id.in_(patient_ids), Appointment.reminded_at > since)
    contacts: dict[int, list[datetime]] = {}
    for patient_id, started_at in sorted(session.execute(union_all(attempts, visits)).all(),
                                         key=lambda row: row[1]):
        contacts.setdefault(patient_id, []).append(started_at)
    return contacts


def earliest_contact(settings: Settings, patient: Patient, now: datetime,
                     week: list[datetime]) -> datetime:
    """`week`: the patient's counted contacts of the last seven days, oldest first."""
    per_day, per_week = settings.max_contacts_per_day, settings.max_contacts_per_week
    zone = ZoneInfo(patient.time_zone)
    earliest = now
    local_now = now.replace(tzinfo=UTC).astimezone(zone)
    today = [t for t in week if t.replace(tzinfo=UTC).astimezone(zone).date() == local_now.date()]
    if len(today) >= per_day:
        tomorrow = (local_now + timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                           microsecond=0)
        earliest = max(earliest, to_utc_naive(tomorrow))
    if len(week) >= per_week:
        # When the oldest contact that keeps the week full drops out of the 7-day window.
        earliest = max(earliest, week[len(week) - per_week] + timedelta(days=7))
    local = earliest.replace(tzinfo=UTC).astimezone(zone)
    return to_utc_naive(into_allowed_hours(local, patient.contact_start_hour,
                                           patient.contact_end_hour))
