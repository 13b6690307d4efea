"""The human TCM record: attempts, the first interactive contact, the face-to-face visit and
the medication review, judged against the CMS rules (business days, 7 and 14 days)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from assistant.care_team.roster import add_user
from assistant.care_team.tcm_record import (
    TcmError,
    log_attempt,
    parse_day,
    parse_local_time,
    set_face_to_face,
    set_medication_review,
    start_of_day,
)
from assistant.care_team.tcm_status import TcmStatus, tcm_statuses
from assistant.conversation.escalation import open_tcm_task
from assistant.records.db import transaction
from assistant.records.models import Alert, AuditEvent, CheckIn, Episode, User
from tests.helpers import enroll_patient

ZONE = "America/New_York"
# Discharged at START, Tuesday 24 November 2026 10:00 in New York. Thursday the 26th is
# Thanksgiving, so the second business day is Friday the 27th: the deadline is 23:59 then.
DEADLINE = datetime(2026, 11, 28, 4, 59)


def local(text: str) -> datetime:
    """A New York wall-clock time as stored (naive UTC)."""
    return parse_local_time(text, ZONE)


@pytest.fixture
def episode_id(services) -> int:
    return enroll_patient(services, days_ago=0)


@pytest.fixture
def nurse(services) -> str:
    with transaction(services.sessions) as session:
        add_user(session, services.settings, username="nora", name="Nora Diaz",
                 role="coordinator", phone=None, email=None, on_call="always",
                 now=services.clock(), actor="test")
    return "nora"


def attempt(services, episode_id: int, outcome: str, at: str, spoke_with: str | None = None,
            note: str | None = None) -> None:
    with transaction(services.sessions) as session:
        user = session.scalar(select(User).where(User.username == "nora"))
        log_attempt(session, session.get_one(Episode, episode_id), user, outcome=outcome,
                    at=local(at), now=services.clock(), spoke_with=spoke_with, note=note)


def status(services, episode_id: int) -> TcmStatus:
    with services.sessions() as session:
        found = tcm_statuses(session, services.clock(), episode_ids=[episode_id])[0]
        found.episode.patient  # loaded while the session is open  # noqa: B018
        return found


def visit_and_review(services, episode_id: int, visit: date | None,
                     review: date | None, role: str = "pharmacist") -> None:
    with transaction(services.sessions) as session:
        user = session.scalar(select(User).where(User.username == "nora"))
        episode = session.get_one(Episode, episode_id)
        if visit:
            set_face_to_face(session, episode, user, visit, services.clock())
        if review:
            set_medication_review(session, episode, user, on=review, by="Sam Patel, PharmD",
                                  role=role, now=services.clock())


def test_the_deadline_counts_business_days_past_a_holiday(services, episode_id) -> None:
    assert status(services, episode_id).deadline == DEADLINE


def test_reached_on_the_second_business_day_meets_the_deadline(services, clock, episode_id,
                                                                nurse) -> None:
    clock.now = local("2026-11-28T12:00")
    attempt(services, episode_id, "reached", "2026-11-27T16:00", spoke_with="patient")
    current = status(services, episode_id)
    assert (current.contact, current.first_contact_by) == ("met", "nora")
    assert current.first_contact_at == local("2026-11-27T16:00")


def test_reached_the_day_after_the_deadline_is_missed(services, clock, episode_id,
                                                      nurse) -> None:
    clock.now = local("2026-11-28T12:00")
    attempt(services, episode_id, "reached", "2026-11-28T10:00", spoke_with="patient")
    assert status(services, episode_id).contact == "missed"


def test_before_the_deadline_the_contact_is_open_and_after_it_overdue(services, clock,
                                                                      episode_id) -> None:
    current = status(services, episode_id)
    assert (current.contact, current.overdue) == ("open", False)
    assert current.time_left == DEADLINE - clock.now
    clock.now = DEADLINE + timedelta(minutes=1)
    current = status(services, episode_id)
    assert (current.contact, current.overdue) == ("missed", True)


def test_two_separate_unsuccessful_attempts_by_the_deadline_count(services, clock, episode_id,
                                                                  nurse) -> None:
    clock.now = local("2026-11-30T09:00")
    attempt(services, episode_id, "voicemail", "2026-11-25T11:00")
    attempt(services, episode_id, "no_answer", "2026-11-25T11:00")  # the same try, twice
    assert status(services, episode_id).contact == "missed"
    attempt(services, episode_id, "no_answer", "2026-11-28T09:00")  # after the deadline
    assert status(services, episode_id).contact == "missed"
    attempt(services, episode_id, "no_answer", "2026-11-27T15:00")
    current = status(services, episode_id)
    assert (current.contact, current.unsuccessful_by_deadline, len(current.attempts)) == (
        "attempts", 2, 4)
    assert (current.last_attempt.outcome, current.last_attempt.at) == (
        "no_answer", local("2026-11-28T09:00"))  # the last to happen, not the last typed


def test_the_first_reached_contact_resolves_the_task(services, clock, episode_id,
                                                     nurse) -> None:
    with transaction(services.sessions) as session:
        task_id = open_tcm_task(session, episode_id, "no nurse has reached the patient yet",
                                clock.now).id
    clock.advance(hours=3)
    attempt(services, episode_id, "voicemail", "2026-11-24T11:00")
    with services.sessions() as session:
        assert session.get_one(Alert, task_id).status == "open"
    attempt(services, episode_id, "reached", "2026-11-24T12:30", spoke_with="daughter, Maria",
            note="Has her scales; visit booked")
    with services.sessions() as session:
        task = session.get_one(Alert, task_id)
        assert (task.status, task.resolution) == ("resolved", "reached_by_phone")
        assert task.events[-1].action == "resolved"
        assert task.events[-1].actor == "nora"
        assert "daughter, Maria" in task.events[-1].detail
        assert open_tcm_task(session, episode_id, "a problem", clock.now) is None
        audit = [(row.action, row.subject) for row in session.scalars(
            select(AuditEvent).where(AuditEvent.actor == "nora"))]
    assert ("created", "tcm_attempt") in audit and ("changed", "alert") in audit


def test_an_earlier_reached_attempt_logged_later_becomes_the_first_contact(
        services, clock, episode_id, nurse) -> None:
    clock.advance(hours=6)
    attempt(services, episode_id, "reached", "2026-11-24T15:00", spoke_with="patient")
    attempt(services, episode_id, "reached", "2026-11-24T16:00", spoke_with="patient")
    assert status(services, episode_id).first_contact_at == local("2026-11-24T15:00")
    attempt(services, episode_id, "reached", "2026-11-24T11:00", spoke_with="patient")
    assert status(services, episode_id).first_contact_at == local("2026-11-24T11:00")


@pytest.mark.parametrize(("visit_day", "window", "billing"), [
    (0, "within_7_days", "99496 or 99495"),
    (7, "within_7_days", "99496 or 99495"),
    (8, "within_14_days", "99495"),
    (14, "within_14_days", "99495"),
    (15, "after_14_days", "not billable"),
])
def test_the_face_to_face_window(services, clock, episode_id, nurse, visit_day: int,
                                 window: str, billing: str) -> None:
    clock.now = local("2026-12-20T12:00")
    attempt(services, episode_id, "reached", "2026-11-24T12:00", spoke_with="patient")
    visit = date(2026, 11, 24) + timedelta(days=visit_day)
    visit_and_review(services, episode_id, visit, visit)
    current = status(services, episode_id)
    assert (current.face_to_face_day, current.window, current.billing) == (
        visit_day, window, billing)
    assert current.complete


def test_no_visit_after_14_days_is_a_missed_window(services, clock, episode_id,
                                                   nurse) -> None:
    clock.now = local("2026-12-08T12:00")
    attempt(services, episode_id, "reached", "2026-11-24T12:00", spoke_with="patient")
    assert (status(services, episode_id).window, status(services, episode_id).billing) == (
        "pending", "pending")
    clock.now = local("2026-12-09T12:00")
    current = status(services, episode_id)
    assert (current.days_since_discharge, current.window, current.billing) == (
        15, "missed", "not billable")


def test_the_medication_review_must_be_no_later_than_the_visit(services, clock, episode_id,
                                                               nurse) -> None:
    clock.now = local("2026-12-05T12:00")
    attempt(services, episode_id, "reached", "2026-11-24T12:00", spoke_with="patient")
    visit_and_review(services, episode_id, None, date(2026, 11, 25), role="nurse")
    assert status(services, episode_id).medication_review == "done"  # before any visit
    visit_and_review(services, episode_id, date(2026, 11, 30), None)
    assert status(services, episode_id).billing == "99496 or 99495"
    visit_and_review(services, episode_id, None, date(2026, 12, 1))
    current = status(services, episode_id)
    assert (current.medication_review, current.billing) == ("late", "not billable")


def test_a_visit_without_a_medication_review_is_missing_it(services, clock, episode_id,
                                                           nurse) -> None:
    clock.now = local("2026-12-05T12:00")
    visit_and_review(services, episode_id, date(2026, 11, 30), None)
    current = status(services, episode_id)
    assert (current.medication_review, current.complete) == ("missing", False)


def test_a_completed_automated_check_in_is_shown_but_never_the_contact(services, clock,
                                                                       episode_id) -> None:
    with transaction(services.sessions) as session:
        checkin = session.scalars(select(CheckIn).where(CheckIn.episode_id == episode_id)
                                  .order_by(CheckIn.due_at)).first()
        checkin.status, checkin.ended_at = "completed", local("2026-11-25T10:05")
    clock.now = DEADLINE + timedelta(hours=1)
    current = status(services, episode_id)
    assert current.checkin_completed_at == local("2026-11-25T10:05")
    assert current.checkin_status == "completed"
    assert (current.first_contact_at, current.contact, current.overdue) == (None, "missed", True)


@pytest.mark.parametrize(("outcome", "at", "spoke_with", "message"), [
    ("reached", "2026-11-24T10:30", "patient", "is in the future"),
    ("voicemail", "2026-11-24T09:00", None, r"is before the discharge \(2026-11-24 10:00 EST\)"),
    ("left a message", "2026-11-24T09:00", None, "must be one of reached, voicemail"),
    ("reached", "2026-11-24T10:00", None, "say whom you spoke with"),
])
def test_a_bad_attempt_is_refused_with_a_clear_error(services, episode_id, nurse, outcome: str,
                                                     at: str, spoke_with: str | None,
                                                     message: str) -> None:
    with pytest.raises(TcmError, match=message):
        attempt(services, episode_id, outcome, at, spoke_with=spoke_with)
    assert status(services, episode_id).attempts == []


def test_an_attempt_in_the_minute_of_the_discharge_is_accepted(services, clock, episode_id,
                                                               nurse) -> None:
    clock.advance(minutes=5)
    attempt(services, episode_id, "no_answer", "2026-11-24T10:00")
    assert len(status(services, episode_id).attempts) == 1


@pytest.mark.parametrize(("visit", "review", "role", "by", "message"), [
    (date(2026, 11, 23), None, "nurse", "x", "face-to-face visit date 2026-11-23 is before "
                                             "the discharge"),
    (date(2026, 11, 25), None, "nurse", "x", "is in the future .today is 2026-11-24"),
    (None, date(2026, 11, 23), "nurse", "Sam", "medication review date 2026-11-23 is before"),
    (None, date(2026, 11, 24), "doctor", "Sam", "must be one of nurse, pharmacist, physician"),
    (None, date(2026, 11, 24), "nurse", "  ", "say who reviewed the medicines"),
])
def test_bad_visit_and_review_dates_are_refused(services, episode_id, nurse, visit, review,
                                                role: str, by: str, message: str) -> None:
    with transaction(services.sessions) as session, pytest.raises(TcmError, match=message):
        user = session.scalar(select(User).where(User.username == "nora"))
        episode = session.get_one(Episode, episode_id)
        if visit:
            set_face_to_face(session, episode, user, visit, services.clock())
        else:
            set_medication_review(session, episode, user, on=review, by=by, role=role,
                                  now=services.clock())


def test_unreadable_dates_and_times_say_how_to_write_them() -> None:
    with pytest.raises(TcmError, match="write it like 2026-11-27"):
        parse_day("27/11/2026", "face-to-face visit")
    with pytest.raises(TcmError, match="write it like 2026-11-24 14:30"):
        parse_local_time("yesterday", ZONE)
    assert parse_local_time("2026-11-24T14:30", ZONE) == datetime(2026, 11, 24, 19, 30)
    assert start_of_day(date(2026, 11, 24), ZONE) == datetime(2026, 11, 24, 5, 0)
    with pytest.raises(TcmError, match="out of range"):
        start_of_day(date(1, 1, 1), "Asia/Tokyo")
