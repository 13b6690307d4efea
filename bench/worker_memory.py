"""A worker process for the memory benchmark: real worker ticks until every due check-in is
sent, then its resident memory at start-up, at the end and at its peak, as JSON."""

from __future__ import annotations

import argparse
import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.care_team.mailer import Mailer
from assistant.care_team.notifications import Notifier
from assistant.records.db import utc_now
from assistant.records.models import CheckIn
from carecall.worker import tick

from .common import make_services
from .servers import resident_mb


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("checkins", type=int)
    args = parser.parse_args()
    services = make_services(args.database_url, clock=utc_now)
    notifier = Notifier(services, Mailer(services.settings))
    at_start = resident_mb()
    sent = 0
    while sent < args.checkins:
        before = sent
        tick(services, "bench-memory", notifier)
        with services.sessions() as session:
            sent = _sent(session)
        if sent == before:
            raise SystemExit(f"stuck at {sent} of {args.checkins} check-ins sent")
    print(json.dumps({"start_mb": at_start, "end_mb": resident_mb(),
                      "peak_mb": resident_mb("VmHWM"), "checkins": sent}))


def _sent(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(CheckIn)
                          .where(CheckIn.status == "sent")) or 0


if __name__ == "__main__":
    main()
