"""Contact limits: at most one started contact a day and three a week, in allowed hours."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from assistant.outreach.dispatch import dispatch_due
from assistant.records.db import transaction
from assistant.records.models import CheckIn, ContactAttempt, Conversation
from tests.conftest import PATIENT_PHONE
from tests.helpers import checkin_status, enroll_patient


def due_now(services, episode_id: int, count: int) -> list[int]:  # type: ignore[no-untyped-def]
    """Make the episode's first `count` check-ins due now."""
    with transaction(services.sessions) as session:
        checkins = session.scalars(select(CheckIn).where(CheckIn.episode_id == episode_id)
                                   .order_by(CheckIn.due_at)).all()[:count]
        for checkin in checkins:
            checkin.due_at = services.clock()
        return [c.id for c in checkins]


def test_a_second_checkin_the_same_day_waits_for_the_next_morning(services, network) -> None:
    first, second = due_now(services, enroll_patient(services), 2)
    report = dispatch_due(services, "w1")
    assert report.sent == [first] and report.deferred == [second]
    with services.sessions() as session:
        moved = session.get_one(CheckIn, second)
        assert moved.status == "scheduled"
        # 8:00 the next morning in New York is 13:00 UTC.
        assert moved.due_at == datetime(2026, 11, 25, 13, 0)
    assert [m.to for m in network.outbox] == [PATIENT_PHONE] * 2  # greeting + identity


def test_the_weekly_limit_waits_until_the_oldest_contact_is_seven_days_old(services,
                                                                          clock) -> None:
    episode_id = enroll_patient(services)
    with transaction(services.sessions) as session:
        checkin = session.scalars(select(CheckIn).where(CheckIn.episode_id == episode_id)).first()
        for days_ago in (6, 4, 2):
            session.add(ContactAttempt(checkin_id=checkin.id, patient_id=checkin.episode.patient_id,
                                       kind="checkin", channel="sms", outcome="sent",
                                       started_at=clock.now - timedelta(days=days_ago)))
    (checkin_id,) = due_now(services, episode_id, 1)
    assert dispatch_due(services, "w1").deferred == [checkin_id]
    with services.sessions() as session:
        assert session.get_one(CheckIn, checkin_id).due_at == clock.now + timedelta(days=1)


def test_outside_the_patients_hours_the_checkin_waits(services, clock) -> None:
    (checkin_id,) = due_now(services, enroll_patient(services), 1)
    clock.now = datetime(2026, 11, 25, 3, 0)  # 22:00 in New York
    with transaction(services.sessions) as session:
        session.get_one(CheckIn, checkin_id).due_at = clock.now
    assert dispatch_due(services, "w1").deferred == [checkin_id]
    with services.sessions() as session:
        assert session.get_one(CheckIn, checkin_id).due_at == datetime(2026, 11, 25, 13, 0)


def test_every_attempt_is_recorded_with_its_outcome(services, network, clock) -> None:
    (checkin_id,) = due_now(services, enroll_patient(services), 1)
    network.fail_with = (429, 20429, "Too Many Requests")
    dispatch_due(services, "w1")
    network.fail_with = None
    clock.advance(minutes=1)  # the backoff after a 429
    dispatch_due(services, "w1")
    with services.sessions() as session:
        outcomes = session.scalars(select(ContactAttempt.outcome).where(
            ContactAttempt.checkin_id == checkin_id).order_by(ContactAttempt.id)).all()
    assert outcomes == ["retry", "sent"]
    assert checkin_status(services, checkin_id) == "sent"


def test_a_new_checkin_closes_an_older_one_still_open(services, phone, clock) -> None:
    first, second = due_now(services, enroll_patient(services), 2)
    dispatch_due(services, "w1")
    phone.text("03/14/1950")
    clock.advance(days=1)
    with transaction(services.sessions) as session:
        session.get_one(CheckIn, second).due_at = clock.now
    assert dispatch_due(services, "w1").sent == [second]
    assert checkin_status(services, first) == "expired"
    with services.sessions() as session:
        open_ones = session.scalars(select(Conversation.checkin_id).where(
            Conversation.ended_at.is_(None))).all()
    assert open_ones == [second]
    # The reply goes to the new check-in, which starts again with the date of birth.
    assert "reply with your date of birth" in phone.text("hello")[0]
