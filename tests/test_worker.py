"""The worker's scheduler is configured on purpose: one fixed job, late ticks not dropped."""

from __future__ import annotations

from apscheduler.schedulers.background import BackgroundScheduler

from carecall.worker import DISPATCH_JOB_ID, job_defaults, schedule_jobs, tick
from tests.helpers import checkin_status, enroll_patient, make_first_checkin_due


def test_scheduling_twice_keeps_one_job_with_deliberate_misfire_handling(services) -> None:
    scheduler = BackgroundScheduler(job_defaults=job_defaults(30), timezone="UTC")
    scheduler.start(paused=True)
    try:
        schedule_jobs(scheduler, services, "w1")
        schedule_jobs(scheduler, services, "w1")
        jobs = scheduler.get_jobs()
    finally:
        scheduler.shutdown(wait=False)
    assert [job.id for job in jobs] == [DISPATCH_JOB_ID]
    job = jobs[0]
    assert job.coalesce is True and job.max_instances == 1 and job.misfire_grace_time == 30


def test_a_tick_sends_what_is_due(services, network) -> None:
    checkin_id = make_first_checkin_due(services, enroll_patient(services))
    tick(services, "w1")
    assert checkin_status(services, checkin_id) == "sent"
    assert len(network.outbox) == 2
