"""Check-ins sent per second by a real `carecall worker` process, as deployed: its own
scheduler, ticks, batches and transactions, sending through the simulated carrier (a journal
file, as in a rehearsal) instead of Twilio.

Timed on the worker's own clock from its first claim to the last check-in marked sent, so
the process's start-up (imports, migrations) is not counted. Twice: with a sender as fast as
the worker can go (the worker's ceiling), and with one at a carrier's pace, where the figure
to read is the share of the sender's rate the worker used.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from assistant.foundation.config import PROJECT_ROOT
from assistant.records.db import make_engine, utc_now
from assistant.records.models import CheckIn

from .common import Options, database, production_env, seed

UNLIMITED = 1_000_000.0  # messages a second: the worker, not the sender, sets the pace
PACED = 50.0  # a toll-free number's or a small messaging service's pace, say
MESSAGES_PER_CHECKIN = 2
TIMEOUT = 900.0


def worker_speed(kind: str, options: Options, due: int, paced_due: int) -> dict[str, Any]:
    """Each run on its own new database of `kind`."""
    with database(kind, options) as url:
        seed(url, due, 0, utc_now())
        ceiling = _run_worker(url, due, UNLIMITED)
    with database(kind, options) as url:
        seed(url, paced_due, 0, utc_now())
        paced = _run_worker(url, paced_due, PACED)
    return {"worker_checkins_per_second": round(ceiling, 1), "worker_due": due,
            f"worker_at_{PACED:g}_messages_per_second": round(paced, 1),
            "worker_share_of_sender_rate": round(paced * MESSAGES_PER_CHECKIN / PACED, 2)}


def _run_worker(url: str, due: int, send_rate: float) -> float:
    """Check-ins per second of one worker process sending `due` check-ins."""
    env = {**os.environ, **production_env(url, "http://127.0.0.1"),
           "CARECALL_SEND_RATE_PER_SECOND": str(send_rate)}
    with tempfile.TemporaryDirectory(prefix="carecall-bench-carrier-") as folder:
        log = Path(folder) / "worker.log"
        command = [sys.executable, "-m", "carecall.cli", "worker", "--simulated-carrier",
                   str(Path(folder) / "carrier.jsonl")]
        with log.open("wb") as out:
            worker = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env,
                                      stdout=out, stderr=out)
            try:
                return due / _seconds_to_send(url, due, worker, log)
            finally:
                worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=60)


def _seconds_to_send(url: str, due: int, worker: subprocess.Popen[bytes], log: Path) -> float:
    """From the first claim to the last send, once every check-in is sent."""
    engine = make_engine(url)
    try:
        deadline, sent = time.monotonic() + TIMEOUT, 0
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                raise RuntimeError(f"the worker exited: {log.read_text()[-2000:]}")
            with engine.connect() as connection:
                sent, first, last = connection.execute(
                    select(func.count(CheckIn.sent_at), func.min(CheckIn.claimed_at),
                           func.max(CheckIn.sent_at))).one()
            if sent >= due:
                return (last - first).total_seconds()
            time.sleep(0.1)
        raise RuntimeError(f"the worker sent {sent} of {due} check-ins in {TIMEOUT:g} s")
    finally:
        engine.dispose()
