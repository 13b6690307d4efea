"""No reply: one reminder after a while, then the patient counts as unreachable and a
coordinator is asked to call. Each step is claimed with a conditional update, so two workers
never remind the same patient twice."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from assistant.conversation.escalation import evidence, raise_alert
from assistant.conversation.wording import addressee
from assistant.outreach.contact_policy import next_contact_time
from assistant.outreach.outbox import (
    conversation_phone,
    conversation_sender,
    deliver,
    record_outbound,
    save,
)
from assistant.records.db import transaction
from assistant.records.models import CheckIn, ContactAttempt

if TYPE_CHECKING:  # the wiring (assistant.services) imports this module
    from assistant.services import Services


@dataclass
class FollowUpReport:
    reminded: list[int] = field(default_factory=list)
    unreachable: list[int] = field(default_factory=list)


def follow_up_silent_checkins(services: Services) -> FollowUpReport:
    report = FollowUpReport()
    now = services.clock()
    settings = services.settings
    with services.sessions() as session:
        to_remind = session.scalars(select(CheckIn.id).where(
            CheckIn.status == "sent", CheckIn.reminded_at.is_(None),
            CheckIn.sent_at <= now - timedelta(hours=settings.reminder_after_hours))).all()
        to_give_up = session.scalars(select(CheckIn.id).where(
            CheckIn.status == "sent", CheckIn.reminded_at.is_not(None),
            CheckIn.reminded_at <= now - timedelta(hours=settings.unreachable_after_hours))).all()
    report.reminded = [i for i in to_remind if _remind(services, i)]
    report.unreachable = [i for i in to_give_up if _give_up(services, i)]
    return report


def _remind(services: Services, checkin_id: int) -> bool:
    now = services.clock()
    with transaction(services.sessions) as session:
        checkin = session.get_one(CheckIn, checkin_id)
        patient = checkin.episode.patient
        if next_contact_time(session, services.settings, patient, now) > now:
            return False  # asked again at a later tick, once the limits allow
        claimed = session.execute(
            update(CheckIn).where(CheckIn.id == checkin_id, CheckIn.status == "sent",
                                  CheckIn.reminded_at.is_(None))
            .values(reminded_at=now)).rowcount  # type: ignore[attr-defined]
        if claimed != 1:
            return False
        conversation = checkin.conversation
        respondent = conversation.respondent if conversation is not None else None
        text = services.dialogue.wording.say("reminder", addressee(patient, respondent), "sms")
        conversation_id = conversation.id if conversation is not None else None
        to, patient_id = conversation_phone(conversation, patient), patient.id
        messages = record_outbound(session, services, patient, conversation_id, [text], now,
                                   to=to)
        sender = conversation_sender(session, conversation_id)
    outcome, deliveries = deliver(services, to, messages, prefer=sender)
    with transaction(services.sessions) as session:
        save(session, deliveries, services.clock())
        session.add(ContactAttempt(checkin_id=checkin_id, patient_id=patient_id,
                                   kind="reminder", channel="sms", started_at=now,
                                   outcome=outcome))
    return True


def _give_up(services: Services, checkin_id: int) -> bool:
    now = services.clock()
    with transaction(services.sessions) as session:
        claimed = session.execute(
            update(CheckIn).where(CheckIn.id == checkin_id, CheckIn.status == "sent")
            .values(status="unreachable", ended_at=now)).rowcount  # type: ignore[attr-defined]
        if claimed != 1:
            return False
        checkin = session.get_one(CheckIn, checkin_id)
        conversation = checkin.conversation
        if conversation is not None and conversation.ended_at is None:
            services.dialogue.expire(session, conversation, "sms", now)
        checkin.status = "unreachable"
        attempts = len(checkin.attempts)
        raise_alert(
            session, patient_id=checkin.episode.patient_id, episode_id=checkin.episode_id,
            conversation_id=conversation.id if conversation else None, reason="unreachable",
            severity="routine",
            summary=f"Not reached by SMS after {attempts} attempts; please call",
            question_id=None, evidence=evidence(None, None, "(no reply)", None, now), now=now)
    return True
