"""Check-ins claimed and sent per second: by batches in a loop (in this process) and by a real
`carecall worker` process; and whether a worker tick's cost grows with what is scheduled but
not yet due."""

from __future__ import annotations

import statistics
import time
from typing import Any

from assistant.care_team.mailer import Mailer
from assistant.care_team.notifications import Notifier
from assistant.outreach.dispatch import dispatch_due
from assistant.services import Services
from carecall.worker import tick

from .common import Options, database, make_services, rate, ratio, seed
from .worker_dispatch import worker_speed


def dispatch_speed(options: Options) -> dict[str, Any]:
    """Both databases hold the same `due` check-ins, sent and awaiting replies when the tick is
    timed; they differ only in how many more are scheduled for later."""
    due, small, large = (500, 2_000, 50_000) if options.quick else (10_000, 10_000, 1_000_000)
    paced_due = 50 if options.quick else 500  # 2 s and 20 s at the paced sender's rate
    results: dict[str, Any] = {"due": due, "scheduled": large, "baseline_scheduled": small}
    for kind in options.databases:
        figures: dict[str, Any] = {}
        for label, scheduled in (("baseline", small), ("measured", large)):
            with database(kind, options) as url:
                seed(url, due, scheduled - due)
                services = make_services(url)
                sent, seconds = dispatch_all(services)
                figures[label] = (sent, seconds, _tick_cost(services))
                services.close()
        sent, seconds, tick_large = figures["measured"]
        tick_small = figures["baseline"][2]
        results[kind] = {
            "checkins_per_second": rate(sent, seconds), "sent": sent,
            "tick_ms_at_scheduled": round(tick_large * 1000, 2),
            "tick_ms_at_baseline": round(tick_small * 1000, 2),
            "tick_ratio": ratio(tick_large, tick_small),
            **worker_speed(kind, options, due, paced_due),
        }
    return results


def dispatch_all(services: Services) -> tuple[int, float]:
    started = time.perf_counter()
    sent = 0
    while True:
        report = dispatch_due(services, "bench")
        if not report.claimed:
            return sent, time.perf_counter() - started
        sent += len(report.sent)


def _tick_cost(services: Services, repeats: int = 15) -> float:
    """Median of whole worker ticks with nothing due: reconcile, dispatch, expiry, reminders,
    TCM deadlines and notifications, each asking the database what it has to do."""
    notifier = Notifier(services, Mailer(services.settings))
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        tick(services, "bench", notifier)
        times.append(time.perf_counter() - started)
    return statistics.median(times)
