"""A dispatcher process for the multi-process tests: ticks until nothing is left, recording
every message the simulated carrier accepted, one JSON line each, in its own file."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from assistant.config import Settings
from assistant.dispatch import dispatch_due
from assistant.services import build_services
from assistant.simulator import Delivered, SimulatedNetwork, SimulatedTwilioHttp


def main(database_url: str, worker_id: str, deliveries: Path, batch: int) -> None:
    network = SimulatedNetwork()
    with deliveries.open("a", encoding="utf-8") as out:
        def record(message: Delivered) -> None:
            out.write(json.dumps({"sid": message.sid, "to": message.to, "worker": worker_id,
                                  "body": message.body}) + "\n")
            out.flush()

        network.listeners.append(record)
        settings = Settings(database_url=database_url, send_rate_per_second=10_000,
                            twilio_auth_token="multi-process-test-token")
        services = build_services(settings, twilio_http=SimulatedTwilioHttp(network))
        idle = 0
        while idle < 3:
            report = dispatch_due(services, worker_id, limit=batch)
            idle = 0 if report.claimed else idle + 1
        services.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))
