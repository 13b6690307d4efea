"""The TCM clock: a call task due at the deadline when there is a problem or no contact."""

from __future__ import annotations

from datetime import datetime, timedelta

from assistant.outreach.tcm import watch_tcm_deadlines
from tests.helpers import DOB_REPLY, enroll_patient, start_checkin, tasks

# Enrolled at START (Tuesday 24 November 2026, 10:00 in New York), discharged 2 days before
# (Sunday): the second business day after is Tuesday itself (Monday is the first), so the
# deadline is 23:59 that evening, 04:59 UTC on Wednesday.
DEADLINE = datetime(2026, 11, 25, 4, 59)


def test_a_problem_found_before_the_deadline_opens_the_call_task(services, phone) -> None:
    start_checkin(services)
    phone.text(DOB_REPLY)
    phone.text("worse")
    assert tasks(services) == [("tcm_contact", DEADLINE)]
    phone.text("no")  # another answer adds nothing to the task list
    assert len(tasks(services)) == 1


def test_a_patient_not_reached_gets_a_task_hours_before_the_deadline(services, clock) -> None:
    start_checkin(services)
    clock.now = DEADLINE - timedelta(hours=12, minutes=1)
    assert watch_tcm_deadlines(services) == []
    clock.advance(minutes=2)
    assert len(watch_tcm_deadlines(services)) == 1
    assert tasks(services) == [("tcm_contact", DEADLINE)]
    assert watch_tcm_deadlines(services) == []


def test_a_patient_who_answered_gets_no_task_without_a_problem(services, phone,
                                                               clock) -> None:
    start_checkin(services)
    phone.text(DOB_REPLY)
    clock.now = DEADLINE - timedelta(hours=1)
    assert watch_tcm_deadlines(services) == []


def test_after_the_deadline_no_task_is_opened(services, clock) -> None:
    enroll_patient(services)
    clock.now = DEADLINE + timedelta(minutes=1)
    assert watch_tcm_deadlines(services) == []
    assert tasks(services) == []
