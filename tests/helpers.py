"""Small steps many tests share: enrol the sample patient, make the first check-in due."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from assistant.intake.enrollment import enroll, validate_discharge
from assistant.outreach.dispatch import dispatch_due
from assistant.records.db import transaction
from assistant.records.models import Alert, CheckIn, Episode
from assistant.services import Services

DOB = "1950-03-14"
DOB_REPLY = "03/14/1950"


def enroll_patient(services: Services, phone: str = "+12015550123", name: str = "Alex Rivera",
                   flow: str = "general", days_ago: float = 2) -> int:
    now = services.clock()
    discharge = validate_discharge(
        services.settings, services.flows, now=now, name=name, dob=DOB, phone=phone, flow=flow,
        discharged=(now - timedelta(days=days_ago)).isoformat() + "+00:00",
    )
    with transaction(services.sessions) as session:
        return enroll(session, services, discharge, now).id


def make_first_checkin_due(services: Services, episode_id: int) -> int:
    with transaction(services.sessions) as session:
        episode = session.get_one(Episode, episode_id)
        first = episode.checkins[0]
        first.due_at = services.clock()
        return first.id


def start_checkin(services: Services, phone: str = "+12015550123") -> int:
    """Enrol, make the day-2 check-in due and let the dispatcher send it."""
    checkin_id = make_first_checkin_due(services, enroll_patient(services, phone))
    report = dispatch_due(services, "test-worker")
    assert report.sent == [checkin_id]
    return checkin_id


def checkin_status(services: Services, checkin_id: int) -> str:
    with services.sessions() as session:
        return session.get_one(CheckIn, checkin_id).status


def alerts(services: Services) -> list[tuple[str, str]]:
    with services.sessions() as session:
        return [(a.severity, a.reason) for a in session.scalars(
            select(Alert).where(Alert.kind == "alert").order_by(Alert.id))]


def tasks(services: Services) -> list[tuple[str, datetime | None]]:
    with services.sessions() as session:
        return [(a.reason, a.due_at) for a in session.scalars(
            select(Alert).where(Alert.kind == "task").order_by(Alert.id))]
