"""Messages we start (not replies in TwiML): recorded before Twilio is called, then sent, so
a crash in between leaves a `pending` row to reconcile instead of a text sent twice."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.records.db import transaction
from assistant.records.models import Message, Patient
from assistant.telephony.channels import outcome_of

if TYPE_CHECKING:  # the wiring (assistant.services) imports this module
    from assistant.services import Services

log = logging.getLogger(__name__)


def record_outbound(session: Session, services: Services, patient: Patient,
                    conversation_id: int | None, texts: list[str],
                    now: datetime) -> list[tuple[int, str]]:
    """Pending rows for `texts`; returns (message id, body) pairs to send in order."""
    pending = pending_messages(services, patient, conversation_id, texts, now)
    session.add_all(pending)
    session.flush()
    return [(m.id, m.body) for m in pending]


def pending_messages(services: Services, patient: Patient, conversation_id: int | None,
                     texts: list[str], now: datetime) -> list[Message]:
    """The rows `record_outbound` writes, for a caller that writes many patients' at once."""
    return [
        Message(direction="out", channel="sms", from_number=services.settings.sender,
                to_number=patient.phone, body=text, status="pending", created_at=now,
                patient_id=patient.id, conversation_id=conversation_id)
        for text in texts
    ]


@dataclass(frozen=True)
class Delivery:
    message_id: int
    outcome: str  # sent | retry | failed | unknown
    sid: str | None
    error: str | None


def deliver(services: Services, to: str,
            messages: list[tuple[int, str]]) -> tuple[str, list[Delivery]]:
    """Send recorded messages in order, stopping at the first that is not sent; the caller
    saves the deliveries (in the transaction it writes its own outcome in).

    The overall outcome is "sent", "retry" (Twilio said 429: safe to try again), "failed"
    (refused) or "unknown" (may or may not have gone: never resend blindly). Should the process
    die before the deliveries are saved, the messages stay pending and the reconciler looks
    them up at Twilio.
    """
    deliveries = []
    for message_id, body in messages:
        delivery = _attempt(services, message_id, to, body)
        deliveries.append(delivery)
        if delivery.outcome != "sent":
            return delivery.outcome, deliveries
    return "sent", deliveries


def save(session: Session, deliveries: list[Delivery]) -> None:
    messages = {m.id: m for m in session.scalars(
        select(Message).where(Message.id.in_([d.message_id for d in deliveries])))}
    for delivery in deliveries:
        message = messages[delivery.message_id]
        message.status = {"retry": "failed"}.get(delivery.outcome, delivery.outcome)
        message.provider_sid, message.error = delivery.sid, delivery.error


def send_recorded(services: Services, to: str, messages: list[tuple[int, str]]) -> str:
    """`deliver` and save at once, for callers with nothing else to write."""
    outcome, deliveries = deliver(services, to, messages)
    with transaction(services.sessions) as session:
        save(session, deliveries)
    return outcome


def send_message(services: Services, message_id: int, to: str, body: str) -> str:
    return send_recorded(services, to, [(message_id, body)])


def _attempt(services: Services, message_id: int, to: str, body: str) -> Delivery:
    outcome, sid, error = outcome_of(lambda: services.sms.send(to, body), "sent")
    if error:
        log.warning("SMS %s not sent (%s): %s", message_id, outcome, error)
    return Delivery(message_id, outcome, sid, error)
