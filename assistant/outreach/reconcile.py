"""After a crash: finish what a vanished worker left half done, without sending twice.

A claimed check-in whose claim is older than the lease either never started (it goes back in
the queue) or has recorded messages whose fate is unknown. For each such message the carrier
is asked first; only a message it never accepted is sent now. The row stays locked while this
happens, so two reconcilers never handle the same message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from assistant.outreach.outbox import send_message
from assistant.records.db import is_sqlite, transaction
from assistant.records.models import CheckIn, ContactAttempt, Message
from assistant.telephony.channels import SendOutcomeUnknown

if TYPE_CHECKING:  # the wiring (assistant.services) imports this module
    from assistant.services import Services

UNSETTLED = ("pending", "unknown")


@dataclass
class ReconcileReport:
    requeued: list[int] = field(default_factory=list)
    found_sent: list[int] = field(default_factory=list)
    resent: list[int] = field(default_factory=list)
    finished: list[int] = field(default_factory=list)


def reconcile(services: Services) -> ReconcileReport:
    report = ReconcileReport()
    cutoff = services.clock() - timedelta(seconds=services.settings.claim_lease_seconds)
    with services.sessions() as session:
        messages = session.scalars(select(Message.id).where(
            Message.direction == "out", Message.status.in_(UNSETTLED),
            Message.created_at <= cutoff).order_by(Message.id)).all()
    for message_id in messages:
        _settle(services, message_id, report)
    with services.sessions() as session:
        stale = session.scalars(select(CheckIn.id).where(
            CheckIn.status == "claimed", CheckIn.claimed_at <= cutoff)).all()
    for checkin_id in stale:
        _finish_claim(services, checkin_id, cutoff, report)
    return report


def _settle(services: Services, message_id: int, report: ReconcileReport) -> None:
    with transaction(services.sessions) as session:
        query = select(Message).where(Message.id == message_id,
                                      Message.status.in_(UNSETTLED))
        if not is_sqlite(services.engine):
            query = query.with_for_update(skip_locked=True)
        message = session.scalar(query)
        if message is None:
            return
        try:
            candidates = services.sms.sent_matching(message.to_number or "", message.body,
                                                    message.created_at)
        except SendOutcomeUnknown:
            return  # the carrier cannot be asked now; the next tick tries again
        known = set(session.scalars(select(Message.provider_sid).where(
            Message.provider_sid.in_(candidates)))) if candidates else set()
        fresh = [sid for sid in candidates if sid not in known]
        if fresh:
            message.status, message.provider_sid, message.error = "sent", fresh[0], None
            report.found_sent.append(message_id)
            return
        to, body = message.to_number or "", message.body
    # Never accepted by the carrier: sending it now is its first and only delivery.
    if send_message(services, message_id, to, body) == "sent":
        report.resent.append(message_id)


def _finish_claim(services: Services, checkin_id: int, cutoff: datetime,
                  report: ReconcileReport) -> None:
    now = services.clock()
    with transaction(services.sessions) as session:
        taken = session.execute(
            update(CheckIn).where(CheckIn.id == checkin_id, CheckIn.status == "claimed",
                                  CheckIn.claimed_at <= cutoff)
            .values(claimed_at=now)).rowcount  # type: ignore[attr-defined]
        if taken != 1:
            return
        checkin = session.get_one(CheckIn, checkin_id)
        if checkin.conversation is None:
            placing = [a for a in checkin.attempts if a.outcome in ("placing", "unknown")]
            if placing:
                try:
                    calls = services.voice.placed_since(checkin.episode.patient.phone,
                                                        placing[-1].started_at)
                except SendOutcomeUnknown:
                    checkin.claimed_at = cutoff  # Twilio cannot be asked now: next tick
                    return
                if calls:
                    # The call went out; its answer or status callback carries on from here.
                    placing[-1].outcome, placing[-1].detail = "placed", calls[0]
                    checkin.status, checkin.sent_at = "sent", checkin.sent_at or now
                    report.finished.append(checkin_id)
                    return
                placing[-1].outcome = "retry"  # never reached Twilio: not a contact
            checkin.status, checkin.claimed_by = "scheduled", None
            report.requeued.append(checkin_id)
            return
        statuses = set(session.scalars(select(Message.status).where(
            Message.conversation_id == checkin.conversation.id, Message.direction == "out")))
        if statuses & set(UNSETTLED):
            checkin.claimed_at = cutoff  # still unsettled: look again at the next tick
            return
        outcome = "sent" if statuses <= {"sent", "delivered", "queued"} else "failed"
        checkin.status = "sent" if outcome == "sent" else "unreachable"
        checkin.sent_at = checkin.sent_at or now
        for attempt in checkin.attempts:
            if attempt.outcome == "sending":  # recorded before a send whose outcome was lost
                attempt.outcome = outcome
        if not checkin.attempts:
            session.add(ContactAttempt(checkin_id=checkin_id,
                                       patient_id=checkin.episode.patient_id, kind="checkin",
                                       channel="sms", started_at=now, outcome=outcome))
        report.finished.append(checkin_id)
