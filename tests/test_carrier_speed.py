"""Exactly once at carrier speed: three real `carecall worker` processes share two senders at
5 SMS/s each, with a 15 s lease, so a batch takes longer to send than the lease. One worker
is SIGKILLed and PostgreSQL is stopped and started while they send. The carrier's own record
must show every check-in sent exactly once, and each sender kept to its rate."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assistant.foundation.config import PROJECT_ROOT
from assistant.records.db import make_engine, upgrade
from assistant.records.models import CheckIn, Message
from carecall.simulated_carrier import SimulatedNetwork
from tests.test_multiprocess_dispatch import local_cluster, seed_due_checkins, wait_for

pytestmark = pytest.mark.postgres
SENDERS = ("+12015550101", "+12015550102")
RATE = 5.0
CHECKINS = 400


def carecall(database_url: str, *args: str, log: Path | None = None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "CARECALL_DATABASE_URL": database_url,
           "CARECALL_CLAIM_LEASE_SECONDS": "15", "CARECALL_TICK_SECONDS": "1",
           "CARECALL_TWILIO_FROM_NUMBER": SENDERS[0]}
    out = log.open("w") if log else subprocess.DEVNULL
    return subprocess.Popen([sys.executable, "-m", "carecall.cli", "-v", *args],
                            cwd=PROJECT_ROOT, env=env, stdout=out, stderr=out)


def progress(database_url: str) -> tuple[int, int]:
    """(check-ins sent, outbound messages not yet settled), or (-1, -1) while the database
    is away."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            sent = connection.scalar(select(func.count()).select_from(CheckIn).where(
                CheckIn.status == "sent"))
            unsettled = connection.scalar(select(func.count()).select_from(Message).where(
                Message.direction == "out", Message.status != "sent"))
            return int(sent or 0), int(unsettled or 0)
    except Exception:
        return -1, -1
    finally:
        engine.dispose()


def busiest_second(times: list[float]) -> int:
    """The most messages in any window of one second."""
    times, most, start = sorted(times), 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


def test_three_workers_at_carrier_speed_send_each_checkin_exactly_once(
        postgres_url: str, tmp_path: Path) -> None:
    cluster = local_cluster(postgres_url)
    upgrade(postgres_url)
    phones = seed_due_checkins(postgres_url, CHECKINS)
    for sender in SENDERS:
        assert carecall(postgres_url, "senders", "add", sender, "--rate", str(RATE)).wait(
            timeout=60) == 0
    journal = tmp_path / "carrier.jsonl"
    carrier = SimulatedNetwork(journal=journal)
    logs = [tmp_path / f"worker-{n}.log" for n in range(3)]
    workers = [carecall(postgres_url, "worker", "--simulated-carrier", str(journal),
                        "--carrier-rate", str(RATE), log=log) for log in logs]
    try:
        wait_for(lambda: len(carrier.accepted()) >= 150, timeout=120)
        os.kill(workers[0].pid, signal.SIGKILL)
        workers[0].wait(timeout=30)
        wait_for(lambda: len(carrier.accepted()) >= 400, timeout=180)
        cluster("stop", "-m", "fast")  # every connection dropped at once
        try:
            # Both survivors noticed (their tick failed) before the database comes back.
            wait_for(lambda: all("OperationalError" in log.read_text() for log in logs[1:]),
                     timeout=120)
        finally:
            cluster("start")
        wait_for(lambda: progress(postgres_url) == (CHECKINS, 0), timeout=300)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=60)

    accepted = carrier.accepted()
    per_phone = Counter(message.to for message in accepted)
    assert set(per_phone) == set(phones), "every patient was texted"
    duplicates = {phone: n for phone, n in per_phone.items() if n != 2}
    assert duplicates == {}, "greeting and identity question, each exactly once"
    assert len({(m.to, m.body) for m in accepted}) == len(accepted)
    # A patient hears one number: a check-in's messages go from the same sender.
    senders_of = defaultdict(set)
    for message in accepted:
        senders_of[message.to].add(message.from_number)
    mixed = {phone: used for phone, used in senders_of.items() if len(used) != 1}
    assert mixed == {}
    # The senders' limits held: never more than the rate in any second (one message of
    # slack, as the carrier allows), and both senders carried the load.
    by_sender = defaultdict(list)
    for message in accepted:
        by_sender[message.from_number].append(message.created)
    assert set(by_sender) == set(SENDERS)
    assert all(busiest_second(times) <= RATE + 1 for times in by_sender.values())
    # The workers kept to the shared rate themselves: the carrier seldom had to say 429.
    assert len(carrier.refusals()) <= 0.02 * len(accepted)
