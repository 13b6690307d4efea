"""After a crash: finish what a vanished worker left half done, without sending twice.

A claimed check-in whose claim is older than the lease either never started (it goes back in
the queue) or has recorded messages whose fate is unknown. A message is settled only once its
hold has expired (its sender stopped renewing it), and the reconciler first takes the hold
over with a conditional update: across the carrier look-up and any resend it is the message's
only holder, so two reconcilers, or a reconciler and a stalled worker, never both send it.
For each such message the carrier is asked first; only a message it never accepted is sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, select, update

from assistant.outreach.outbox import (
    UNSETTLED,
    conversation_sender,
    hold_expiry,
    send_recorded,
)
from assistant.records.db import transaction
from assistant.records.models import CheckIn, ContactAttempt, Message
from assistant.telephony.channels import SendOutcomeUnknown

if TYPE_CHECKING:  # the wiring (assistant.services) imports this module
    from assistant.services import Services



@dataclass
class ReconcileReport:
    requeued: list[int] = field(default_factory=list)
    found_sent: list[int] = field(default_factory=list)
    resent: list[int] = field(default_factory=list)
    finished: list[int] = field(default_factory=list)


def reconcile(services: Services, worker_id: str | None = None) -> ReconcileReport:
    report = ReconcileReport()
    me = worker_id or services.worker_id
    now = services.clock()
    cutoff = now - timedelta(seconds=services.settings.claim_lease_seconds)
    with services.sessions() as session:
        rows = session.execute(select(Message.id, Message.conversation_id).where(
            Message.direction == "out", Message.status.in_(UNSETTLED),
            _hold_expired(now, cutoff)).order_by(Message.id)).all()
    # A conversation's messages are settled together, in order, and resent from one number.
    groups: dict[tuple[str, int], list[int]] = {}
    for message_id, conversation_id in rows:
        key = ("conversation", conversation_id) if conversation_id else ("message", message_id)
        groups.setdefault(key, []).append(message_id)
    for message_ids in groups.values():
        _settle(services, message_ids, me, report)
    with services.sessions() as session:
        stale = session.scalars(select(CheckIn.id).where(
            CheckIn.status == "claimed", CheckIn.claimed_at <= cutoff)).all()
    for checkin_id in stale:
        _finish_claim(services, checkin_id, me, cutoff, report)
    return report


def _hold_expired(now: datetime, cutoff: datetime):  # type: ignore[no-untyped-def]
    """Rows recorded before holds existed count from their creation."""
    return or_(Message.held_until <= now,
               and_(Message.held_until.is_(None), Message.created_at <= cutoff))


def _settle(services: Services, message_ids: list[int], me: str,
            report: ReconcileReport) -> None:
    now = services.clock()
    cutoff = now - timedelta(seconds=services.settings.claim_lease_seconds)
    with transaction(services.sessions) as session:
        taken = sorted(session.execute(
            update(Message).where(Message.id.in_(message_ids), Message.status.in_(UNSETTLED),
                                  _hold_expired(now, cutoff))
            .values(held_by=me, held_until=hold_expiry(services, now))
            .returning(Message.id, Message.to_number, Message.body, Message.created_at,
                       Message.conversation_id)).all())
        if not taken:
            return  # settled meanwhile, or another reconciler holds them
        # A resend goes from the number the conversation already uses.
        sender = conversation_sender(session, taken[0].conversation_id)
    to = taken[0].to_number or ""
    unsent = []
    for row in taken:
        try:
            candidates = services.sms.sent_matching(to, row.body, row.created_at)
        except SendOutcomeUnknown:
            _release(services, [row.id for row in taken], me)  # cannot ask now: next tick
            return
        with transaction(services.sessions) as session:
            known = set(session.scalars(select(Message.provider_sid).where(
                Message.provider_sid.in_(candidates)))) if candidates else set()
            fresh = [sid for sid in candidates if sid not in known]
            if fresh:
                session.execute(update(Message).where(Message.id == row.id,
                                                      Message.held_by == me)
                                .values(status="sent", provider_sid=fresh[0], error=None))
                report.found_sent.append(row.id)
                continue
        unsent.append((row.id, row.body))
    # Never accepted by the carrier: sending them now is their first and only delivery.
    if unsent and send_recorded(services, to, unsent, me, prefer=sender) == "sent":
        report.resent += [message_id for message_id, _ in unsent]


def _release(services: Services, message_ids: list[int], me: str) -> None:
    with transaction(services.sessions) as session:
        session.execute(update(Message).where(Message.id.in_(message_ids),
                                              Message.held_by == me)
                        .values(held_until=services.clock()))


def _finish_claim(services: Services, checkin_id: int, me: str, cutoff: datetime,
                  report: ReconcileReport) -> None:
    now = services.clock()
    with transaction(services.sessions) as session:
        taken = session.execute(
            update(CheckIn).where(CheckIn.id == checkin_id, CheckIn.status == "claimed",
                                  CheckIn.claimed_at <= cutoff)
            .values(claimed_at=now, claimed_by=me)).rowcount  # type: ignore[attr-defined]
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
