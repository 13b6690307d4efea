"""Stopping an episode's follow-up: readmission, death or a coordinator's decision cancels
what is still scheduled and closes a conversation in progress."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from assistant.conversation.dialogue import Dialogue
from assistant.records.models import CheckIn, Conversation

# hospital_cancelled: the hospital withdrew the admission or discharge (ADT A11, A13).
REASONS = ("manual", "readmitted", "death", "hospital_cancelled")


def cancel_episodes(session: Session, dialogue: Dialogue, episode_ids: list[int], reason: str,
                    now: datetime) -> int:
    """Cancel scheduled check-ins and close open conversations; returns how many check-ins
    were cancelled."""
    if reason not in REASONS:
        raise ValueError(f"reason {reason!r} is not one of {', '.join(REASONS)}")
    if not episode_ids:
        return 0
    cancelled = session.execute(
        update(CheckIn)
        # A claimed check-in is being sent right now; it is closed with its conversation.
        .where(CheckIn.episode_id.in_(episode_ids), CheckIn.status == "scheduled")
        .values(status="cancelled", cancel_reason=reason, ended_at=now)
    ).rowcount  # type: ignore[attr-defined]
    open_conversations = session.scalars(
        select(Conversation).join(CheckIn, Conversation.checkin_id == CheckIn.id)
        .where(CheckIn.episode_id.in_(episode_ids), Conversation.ended_at.is_(None)))
    for conversation in open_conversations:
        dialogue.expire(session, conversation, "sms", now)
        conversation.checkin.status, conversation.checkin.cancel_reason = "cancelled", reason
    return cancelled
