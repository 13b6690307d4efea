"""The day before a follow-up visit on record, one text reminds the patient of it, in their
language, inside their allowed hours in their own time zone, through the outbox like every
message we start. `Appointment.reminded_at` is claimed with a conditional update in the
transaction that records the message: two workers never both send it, and a crash leaves a
pending message for the reconciler rather than a lost or doubled reminder.

Not reminded: a patient who opted out, whose follow-up was stopped (readmission, death, a
coordinator's cancel, the hospital's), whose number takes no texts, or whose visit belongs
to an earlier stay. A reminder counts against the contact limits like any contact we start
(`contact_policy`), and waits while a check-in conversation is open, so a reply to it is
not read as an answer to a question."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from assistant.care_team.caregivers import proxy_for
from assistant.conversation.visit_words import visit_values
from assistant.conversation.wording import addressee
from assistant.foundation.local_time import into_allowed_hours
from assistant.outreach.contact_policy import next_contact_time
from assistant.outreach.outbox import record_outbound, send_recorded
from assistant.records.db import transaction
from assistant.records.models import Appointment, CheckIn, Conversation, Episode, Patient

if TYPE_CHECKING:  # the wiring (assistant.services) imports this module
    from assistant.services import Services

# Cancellations that do not stop the follow-up: a re-plan, and an opt-out (checked on the
# patient, who may have opted back in).
NOT_STOPPING = ("replanned", "opted_out")


def remind_of_visits(services: Services) -> list[int]:
    """Send the reminders due now; returns the appointments reminded."""
    now = services.clock()
    with services.sessions() as session:
        # The local day before a visit always begins within two days of it.
        candidates = session.scalars(
            select(Appointment.id).join(Episode, Appointment.episode_id == Episode.id)
            .join(Patient, Episode.patient_id == Patient.id)
            .where(Appointment.reminded_at.is_(None), Appointment.starts_at > now,
                   Appointment.starts_at <= now + timedelta(days=2),
                   Patient.opted_out_at.is_(None))
            .order_by(Appointment.starts_at)).all()
    return [i for i in candidates if _remind(services, i)]


def reminder_due(appointment: Appointment, patient: Patient, now: datetime) -> bool:
    """Today, in the patient's zone, is the day before the visit, and now is inside their
    allowed hours."""
    zone = ZoneInfo(patient.time_zone)
    local_now = now.replace(tzinfo=UTC).astimezone(zone)
    visit_day = appointment.starts_at.replace(tzinfo=UTC).astimezone(zone).date()
    if local_now.date() != visit_day - timedelta(days=1):
        return False
    allowed = into_allowed_hours(local_now, patient.contact_start_hour,
                                 patient.contact_end_hour)
    return allowed == local_now


def _remind(services: Services, appointment_id: int) -> bool:
    now = services.clock()
    with transaction(services.sessions) as session:
        appointment = session.get_one(Appointment, appointment_id)
        patient = appointment.episode.patient
        if not reminder_due(appointment, patient, now) or not _still_followed(
                session, appointment.episode, patient):
            return False
        if _in_conversation(session, patient) or \
                next_contact_time(session, services.settings, patient, now) > now:
            return False  # asked again at a later tick, while it is still the day before
        claimed = session.execute(
            update(Appointment).where(Appointment.id == appointment_id,
                                      Appointment.reminded_at.is_(None))
            .values(reminded_at=now)).rowcount  # type: ignore[attr-defined]
        if claimed != 1:
            return False
        # To the caregiver who answers for the patient, when there is one, in their words.
        proxy = proxy_for(session, patient.id)
        to_whom = addressee(patient, proxy)
        text = services.dialogue.wording.say(
            "visit_reminder", to_whom, "sms",
            **visit_values(appointment, patient.time_zone, to_whom.language))
        to = proxy.phone if proxy is not None and proxy.phone else patient.phone
        messages = record_outbound(session, services, patient, None, [text], now, to=to)
    send_recorded(services, to, messages)
    return True


def _still_followed(session: Session, episode: Episode, patient: Patient) -> bool:
    if patient.opted_out_at is not None or patient.preferred_channel == "voice":
        return False
    stopped = session.scalar(select(exists().where(
        CheckIn.episode_id == episode.id, CheckIn.status == "cancelled",
        CheckIn.cancel_reason.not_in(NOT_STOPPING))))
    latest = session.scalar(select(Episode.id).where(Episode.patient_id == patient.id)
                            .order_by(Episode.discharged_at.desc(), Episode.id.desc()).limit(1))
    return not stopped and latest == episode.id


def _in_conversation(session: Session, patient: Patient) -> bool:
    return bool(session.scalar(select(exists().where(
        Conversation.patient_id == patient.id, Conversation.ended_at.is_(None)))))
