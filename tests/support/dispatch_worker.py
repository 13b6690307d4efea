"""A worker process for the multi-process tests: settles what a dead worker left, then sends
what is due until nothing is left. The simulated carrier keeps its record in a journal file
shared by every process, as Twilio's outlives any one of them."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from assistant.foundation.config import Settings
from assistant.outreach.dispatch import dispatch_due
from assistant.outreach.reconcile import reconcile
from assistant.records.models import CheckIn, Message
from assistant.services import build_services
from carecall.simulator import SimulatedNetwork, SimulatedTwilioHttp


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("worker_id")
    parser.add_argument("journal", type=Path)
    parser.add_argument("--batch", type=int, default=25)
    parser.add_argument("--send-delay", type=float, default=0.0)
    parser.add_argument("--lease", type=int, default=300)
    parser.add_argument("--outages", type=Path,
                        help="append a line here each time the database cannot be reached")
    args = parser.parse_args()

    network = SimulatedNetwork(journal=args.journal)
    if args.send_delay:
        network.listeners.append(lambda _message: time.sleep(args.send_delay))
    settings = Settings(database_url=args.database_url, send_rate_per_second=10_000,
                        twilio_auth_token="multi-process-test-token",
                        claim_lease_seconds=args.lease)
    services = build_services(settings, twilio_http=SimulatedTwilioHttp(network))
    idle = 0
    while idle < 3:
        try:
            settled = reconcile(services)
            report = dispatch_due(services, args.worker_id, limit=args.batch)
        except DBAPIError as exc:
            # As under APScheduler: the tick fails, the next one tries again.
            if args.outages:
                with args.outages.open("a") as outages:
                    outages.write(f"{type(exc.orig).__name__}\n")
            idle = 0
            time.sleep(0.05)
            continue
        busy = report.claimed or settled.requeued or settled.finished or settled.resent
        # A dead worker's holds may not have expired yet: not done while anything is left.
        idle = 0 if busy or work_left(services) else idle + 1
        if not busy:
            time.sleep(0.05)
    services.close()


def work_left(services) -> bool:  # type: ignore[no-untyped-def]
    with services.sessions() as session:
        return bool(session.scalar(select(func.count()).select_from(CheckIn).where(
            CheckIn.status.in_(("scheduled", "claimed")))) or session.scalar(
            select(func.count()).select_from(Message).where(
                Message.direction == "out", Message.status.in_(("pending", "unknown")))))


if __name__ == "__main__":
    main()
