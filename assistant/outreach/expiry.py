"""Closing SMS check-ins the patient stopped answering, after a quiet period, with a short
closing message, so a reply days later is not taken as an answer to an old question."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from assistant.outreach.outbox import (
    conversation_phone,
    conversation_sender,
    record_outbound,
    send_recorded,
)
from assistant.records.db import transaction
from assistant.records.models import CheckIn, Conversation

if TYPE_CHECKING:  # the wiring (assistant.services) imports this module
    from assistant.services import Services


def expire_quiet_conversations(services: Services) -> list[int]:
    now = services.clock()
    cutoff = now - timedelta(hours=services.settings.conversation_timeout_hours)
    with services.sessions() as session:
        candidates = list(session.scalars(
            select(Conversation.id).join(CheckIn, Conversation.checkin_id == CheckIn.id)
            .where(Conversation.ended_at.is_(None), Conversation.last_activity_at < cutoff,
                   CheckIn.status == "in_progress")
            .order_by(Conversation.id)
        ))
    expired = []
    for conversation_id in candidates:
        with transaction(services.sessions) as session:
            conversation = session.get_one(Conversation, conversation_id, with_for_update=True)
            # Checked again under the lock: the patient may have answered meanwhile.
            if conversation.ended_at is not None or conversation.last_activity_at >= cutoff:
                continue
            turn = services.dialogue.expire(session, conversation, "sms", now)
            patient = conversation.patient
            to = conversation_phone(conversation, patient)
            messages = record_outbound(session, services, patient, conversation.id,
                                       turn.replies, now, to=to)
            sender = conversation_sender(session, conversation.id)
        send_recorded(services, to, messages, prefer=sender)
        expired.append(conversation_id)
    return expired
