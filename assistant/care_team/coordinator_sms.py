"""Coordinators answer notifications by text: "ACK 123" from a number on the roster
acknowledges alert 123. The same words from any other number do nothing."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.care_team.alert_lifecycle import acknowledge
from assistant.records.models import Alert, User

_ACK = re.compile(r"^\s*ack\s*#?\s*(\d+)\s*[.!]?\s*$", re.IGNORECASE)


def ack_number(text: str) -> int | None:
    match = _ACK.match(text)
    return int(match[1]) if match else None


def roster_user(session: Session, phone: str) -> User | None:
    return session.scalar(select(User).where(User.phone == phone, User.active.is_(True))
                          .order_by(User.id).limit(1))


def answer(session: Session, user: User, text: str, now: datetime) -> list[str]:
    number = ack_number(text)
    if number is None:
        return ["Carecall: reply ACK and the alert number, for example ACK 123."]
    alert = session.get(Alert, number)
    if alert is None:
        return [f"Carecall: there is no alert {number}."]
    if not acknowledge(session, alert, user, now):
        return [f"Carecall: alert {number} was {alert.status} already."]
    return [f"Carecall: alert {number} acknowledged. Thank you."]
