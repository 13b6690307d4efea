"""No reply: one reminder, then unreachable with a task for the coordinator."""

from __future__ import annotations

from sqlalchemy import select

from assistant.outreach.reminders import follow_up_silent_checkins
from assistant.records.models import ContactAttempt
from carecall.worker import tick
from tests.conftest import PATIENT_PHONE
from tests.helpers import DOB_REPLY, alerts, checkin_status, start_checkin


def test_one_reminder_then_unreachable_with_an_alert(services, network, clock) -> None:
    checkin_id = start_checkin(services)
    clock.advance(hours=23)
    assert follow_up_silent_checkins(services).reminded == []
    clock.advance(hours=1)
    tick(services, "w1")
    reminder = network.to(PATIENT_PHONE)[-1]
    assert reminder.startswith("Hi Alex, this is Riverside Hospital again")
    assert "date of birth" in reminder and "chest" not in reminder
    tick(services, "w1")
    assert len(network.to(PATIENT_PHONE)) == 3  # greeting, identity, one reminder
    clock.advance(hours=24)
    tick(services, "w1")
    assert checkin_status(services, checkin_id) == "unreachable"
    assert alerts(services) == [("routine", "unreachable")]
    with services.sessions() as session:
        attempts = session.scalars(select(ContactAttempt.kind).order_by(ContactAttempt.id)).all()
    assert attempts == ["checkin", "reminder"]  # the two documented attempts TCM asks for
    assert len(network.to(PATIENT_PHONE)) == 3


def test_a_reply_stops_the_reminder(services, network, phone, clock) -> None:
    checkin_id = start_checkin(services)
    phone.text(DOB_REPLY)
    clock.advance(hours=30)
    assert follow_up_silent_checkins(services).reminded == []
    assert checkin_status(services, checkin_id) == "in_progress"


def test_a_reminder_waits_for_the_patients_hours(services, network, clock) -> None:
    start_checkin(services)
    clock.advance(hours=36)  # 22:00 in New York
    assert follow_up_silent_checkins(services).reminded == []
    clock.advance(hours=10)  # 8:00 the next morning
    assert len(follow_up_silent_checkins(services).reminded) == 1
