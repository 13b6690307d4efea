"""Messages we start (not replies in TwiML): recorded before Twilio is called, then sent, so
a crash in between leaves a `pending` row to reconcile instead of a text sent twice."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from .channels import SendError, SendOutcomeUnknown
from .db import transaction
from .models import Message, Patient
from .services import Services

log = logging.getLogger(__name__)


def record_outbound(session: Session, services: Services, patient: Patient,
                    conversation_id: int | None, texts: list[str],
                    now: datetime) -> list[tuple[int, str]]:
    """Pending rows for `texts`; returns (message id, body) pairs to send in order."""
    pending = [
        Message(direction="out", channel="sms", from_number=services.settings.sender,
                to_number=patient.phone, body=text, status="pending", created_at=now,
                patient_id=patient.id, conversation_id=conversation_id)
        for text in texts
    ]
    session.add_all(pending)
    session.flush()
    return [(m.id, m.body) for m in pending]


def send_recorded(services: Services, to: str, messages: list[tuple[int, str]]) -> str:
    """Send recorded messages in order, stopping at the first that is not sent.

    Returns "sent", "retry" (Twilio said 429: safe to try again), "failed" (refused) or
    "unknown" (may or may not have gone: never resend blindly).
    """
    for message_id, body in messages:
        outcome = send_message(services, message_id, to, body)
        if outcome != "sent":
            return outcome
    return "sent"


def send_message(services: Services, message_id: int, to: str, body: str) -> str:
    try:
        sid = services.sms.send(to, body)
    except SendError as exc:
        outcome, sid, error = ("retry" if exc.retryable else "failed"), None, str(exc)
    except SendOutcomeUnknown as exc:
        outcome, sid, error = "unknown", None, str(exc)
    else:
        outcome, error = "sent", None
    with transaction(services.sessions) as session:
        message = session.get_one(Message, message_id)
        message.status = {"retry": "failed"}.get(outcome, outcome)
        message.provider_sid, message.error = sid, error
    if error:
        log.warning("SMS %s not sent (%s): %s", message_id, outcome, error)
    return outcome
