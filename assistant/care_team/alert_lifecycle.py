"""An alert's life: open → acknowledged → resolved, each step an event with who and when,
and a line in the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from assistant.care_team.webhooks_out import enqueue
from assistant.records.audit import record
from assistant.records.models import Alert, AlertEvent, User

RESOLUTIONS = ("reached_by_phone", "sent_to_emergency_care", "appointment_made",
               "no_action_needed", "other")


class LifecycleError(ValueError):
    pass


def add_event(session: Session, alert: Alert, action: str, actor: str, now: datetime,
              detail: str | None = None) -> None:
    """Record a step; subscribed hospital systems are told of it in the same transaction."""
    session.add(AlertEvent(alert=alert, action=action, actor=actor, detail=detail, at=now))
    enqueue(session, alert, action, now)


def acknowledge(session: Session, alert: Alert, user: User, now: datetime) -> bool:
    """False when it was acknowledged already (by anyone)."""
    if alert.status != "open":
        return False
    alert.status, alert.acknowledged_at, alert.updated_at = "acknowledged", now, now
    alert.assignee = alert.assignee or user.username
    add_event(session, alert, "acknowledged", user.username, now)
    record(session, actor=user.username, action="changed", subject="alert",
           subject_id=alert.id, now=now, detail="acknowledged")
    return True


def assign(session: Session, alert: Alert, assignee: User, actor: str, now: datetime) -> None:
    alert.assignee, alert.updated_at = assignee.username, now
    add_event(session, alert, "assigned", actor, now, assignee.username)
    record(session, actor=actor, action="changed", subject="alert", subject_id=alert.id,
           now=now, detail=f"assigned to {assignee.username}")


def resolve(session: Session, alert: Alert, user: User, resolution: str, note: str | None,
            now: datetime) -> None:
    if resolution not in RESOLUTIONS:
        raise LifecycleError(f"resolution {resolution!r} must be one of "
                             f"{', '.join(RESOLUTIONS)}")
    if alert.status == "resolved":
        raise LifecycleError(f"alert {alert.id} is resolved already")
    if alert.acknowledged_at is None:
        alert.acknowledged_at = now
    alert.status, alert.resolved_at, alert.updated_at = "resolved", now, now
    alert.resolution, alert.resolution_note = resolution, note
    add_event(session, alert, "resolved", user.username, now,
              resolution + (f": {note}" if note else ""))
    record(session, actor=user.username, action="changed", subject="alert",
           subject_id=alert.id, now=now, detail=f"resolved: {resolution}")
