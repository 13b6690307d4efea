"""The TCM clock: a call task due at the deadline when there is a problem or no contact."""

from __future__ import annotations

from datetime import datetime, timedelta

from assistant.care_team.roster import add_user
from assistant.care_team.tcm_record import log_attempt
from assistant.outreach.tcm import watch_tcm_deadlines
from assistant.records.db import transaction
from assistant.records.models import Episode
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


def test_answering_the_automated_check_in_is_not_the_contact(services, phone,
                                                            clock) -> None:
    """CMS: the interactive contact is a person's; a patient who texted back still needs
    the nurse's call."""
    start_checkin(services)
    phone.text(DOB_REPLY)
    clock.now = DEADLINE - timedelta(hours=1)
    assert len(watch_tcm_deadlines(services)) == 1


def test_a_patient_a_nurse_has_reached_gets_no_task(services, clock) -> None:
    episode_id = enroll_patient(services)
    with transaction(services.sessions) as session:
        nurse = add_user(session, services.settings, username="nora", name="Nora",
                         role="coordinator", phone=None, email=None, on_call="always",
                         now=clock.now, actor="test")
        log_attempt(session, session.get_one(Episode, episode_id), nurse, outcome="reached",
                    at=clock.now, now=clock.now, spoke_with="patient")
    clock.now = DEADLINE - timedelta(hours=1)
    assert watch_tcm_deadlines(services) == []


def test_after_the_deadline_no_task_is_opened(services, clock) -> None:
    enroll_patient(services)
    clock.now = DEADLINE + timedelta(minutes=1)
    assert watch_tcm_deadlines(services) == []
    assert tasks(services) == []
