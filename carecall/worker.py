"""The worker process: APScheduler is only the clock; which check-in is due lives in our tables.

Job choices, on purpose:
- one job with a fixed id and `replace_existing`, so a restart never stacks duplicates;
- an in-memory job store: the job is recreated at start-up, nothing to pickle or migrate;
- `coalesce`: ticks missed while the process was busy or paused run once, not in a burst;
- `max_instances=1`: a slow tick is never overlapped by the next one in the same process;
- `misfire_grace_time` of one interval: a late tick still runs instead of being skipped
  (APScheduler's default of 1 s would silently drop it);
- the interval is the pace when nothing is due: while a tick's batch was full the job ticks
  again at once (`ticks_while_due`), so a backlog goes out at the senders' rate rather than
  one batch per interval.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from assistant.care_team.mailer import Mailer
from assistant.care_team.notifications import Notifier
from assistant.care_team.webhooks_out import deliver_due
from assistant.outreach.dispatch import default_worker_id, dispatch_due
from assistant.outreach.expiry import expire_quiet_conversations
from assistant.outreach.health import beat
from assistant.outreach.reconcile import reconcile
from assistant.outreach.reminders import follow_up_silent_checkins
from assistant.outreach.replay import replay_spool
from assistant.outreach.senders import describe_senders
from assistant.outreach.tcm import watch_tcm_deadlines
from assistant.outreach.visit_reminders import remind_of_visits
from assistant.records.db import safe_url
from assistant.services import Services

log = logging.getLogger(__name__)
DISPATCH_JOB_ID = "carecall.dispatch-tick"


def job_defaults(interval_seconds: int) -> dict[str, object]:
    return {"coalesce": True, "max_instances": 1, "misfire_grace_time": interval_seconds}


def tick(services: Services, worker_id: str, notifier: Notifier | None = None,
         started: tuple[object, str] | None = None) -> bool:
    """Replay texts spooled in an outage, settle what a vanished worker left, send a batch of
    what is due, close conversations that went quiet, follow up silent ones, remind patients
    of tomorrow's visit, watch the TCM deadlines, and get alerts to coordinators. True when
    the batch was full: more is due, and the next tick should come at once."""
    if started is not None:
        beat(services, worker_id, started)
    try:
        replay_spool(services)
    except OSError:
        log.exception("the spool could not be read; sending goes on")
    settled = reconcile(services)
    if settled.requeued or settled.found_sent or settled.resent:
        log.warning("reconciled after a crash: %s", settled)
    report = dispatch_due(services, worker_id)
    if report.claimed:
        log.info("dispatched: %d sent, %d cancelled, %d failed", len(report.sent),
                 len(report.cancelled), len(report.failed))
    expired = expire_quiet_conversations(services)
    if expired:
        log.info("closed %d quiet conversations", len(expired))
    followed = follow_up_silent_checkins(services)
    if followed.reminded or followed.unreachable:
        log.info("reminded %d patients; %d unreachable", len(followed.reminded),
                 len(followed.unreachable))
    visits = remind_of_visits(services)
    if visits:
        log.info("reminded %d patients of tomorrow's visit", len(visits))
    tasks = watch_tcm_deadlines(services)
    if tasks:
        log.info("%d TCM call tasks opened", len(tasks))
    sent = (notifier or Notifier(services, Mailer(services.settings))).run()
    if sent.notified or sent.renotified or sent.escalated:
        log.info("notifications: %s", sent)
    told = deliver_due(services)
    if any(told.values()):
        log.info("alert webhooks: %s", told)
    return report.more_due


def ticks_while_due(scheduler: BaseScheduler, services: Services, worker_id: str,
                    notifier: Notifier, started: tuple[object, str] | None = None) -> None:
    """The scheduled job: a tick, and another at once while the last one's batch was full.
    Meanwhile the job's next run is kept an interval ahead: APScheduler would otherwise find
    this run still going, skip, and warn."""
    seconds = timedelta(seconds=services.settings.tick_seconds)
    while tick(services, worker_id, notifier, started):
        scheduler.modify_job(DISPATCH_JOB_ID, next_run_time=datetime.now(UTC) + seconds)


def schedule_jobs(scheduler: BaseScheduler, services: Services, worker_id: str,
                  started: tuple[object, str] | None = None) -> None:
    interval = services.settings.tick_seconds
    notifier = Notifier(services, Mailer(services.settings))
    scheduler.add_job(
        ticks_while_due, "interval", seconds=interval,
        args=(scheduler, services, worker_id, notifier, started),
        id=DISPATCH_JOB_ID,
        replace_existing=True, next_run_time=datetime.now(UTC),
    )


def senders_line(services: Services) -> str:
    with services.sessions() as session:
        return describe_senders(session, services.senders)


def startup_line(services: Services, simulated: bool = False) -> str:
    """What this worker runs with, in one line for whoever reads the logs: never a secret."""
    settings = services.settings
    return (f"database {safe_url(settings.database_url)}, tick {settings.tick_seconds}s, "
            f"lease {settings.claim_lease_seconds}s, senders {senders_line(services)}, "
            + ("SIMULATED carrier (nothing reaches Twilio)" if simulated
               else f"Twilio account {settings.twilio_account_sid[:6]}…"))


def run_worker(services: Services, simulated: bool = False) -> None:
    worker_id = default_worker_id()
    services.worker_id = worker_id
    settings = services.settings
    scheduler = BlockingScheduler(job_defaults=job_defaults(settings.tick_seconds),
                                  timezone="UTC")
    line = startup_line(services, simulated)
    log.warning("worker %s starting: %s", worker_id, line)
    schedule_jobs(scheduler, services, worker_id, (services.clock(), line))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("worker %s stopping", worker_id)
