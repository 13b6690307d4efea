"""Several worker processes on PostgreSQL: every due check-in is sent exactly once."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from assistant.foundation.config import PROJECT_ROOT, Settings
from assistant.records.db import make_engine, transaction, upgrade
from assistant.records.models import CheckIn, Episode, Message, Patient
from assistant.services import build_services

pytestmark = pytest.mark.postgres
AREA_CODES = ("201", "202", "203", "205", "206", "207", "208", "209", "210", "212",
              "213", "214", "215", "216", "217", "218", "219", "224", "225", "228")
LONG_AGO = datetime(2026, 1, 5, 15, 0)


def seed_due_checkins(database_url: str, count: int) -> list[str]:
    """`count` patients, each with one check-in due, inserted in bulk."""
    phones = [f"+1{area}555{100 + n:04d}" for area in AREA_CODES for n in range(100)][:count]
    services = build_services(Settings(database_url=database_url))
    with transaction(services.sessions) as session:
        version = services.versions.publish(session, services.flows.get("general"), LONG_AGO)
        patient_ids = session.scalars(insert(Patient).returning(Patient.id), [
            {"name": f"Patient {n}", "dob": datetime(1950, 1, 1).date(), "phone": phone,
             "language": "en", "time_zone": "America/New_York", "contact_start_hour": 0,
             "contact_end_hour": 24, "preferred_channel": "sms", "created_at": LONG_AGO}
            for n, phone in enumerate(phones)]).all()
        episode_ids = session.scalars(insert(Episode).returning(Episode.id), [
            {"patient_id": pid, "discharged_at": LONG_AGO, "flow_id": "general",
             "baseline": {}, "diagnoses": [], "created_at": LONG_AGO}
            for pid in patient_ids]).all()
        session.execute(insert(CheckIn), [
            {"episode_id": eid, "flow_version_id": version.id, "label": "first",
             "due_at": LONG_AGO, "channel": "sms", "attempt": 0, "status": "scheduled"}
            for eid in episode_ids])
    services.close()
    return phones


def test_four_worker_processes_send_2000_checkins_exactly_once(postgres_url: str,
                                                               tmp_path: Path) -> None:
    upgrade(postgres_url)
    phones = seed_due_checkins(postgres_url, 2000)
    journal = tmp_path / "carrier.jsonl"
    # A 30 s lease: should a worker leave something held, another settles it well inside
    # the wait below.
    workers = [start_worker(postgres_url, f"worker-{n}", journal, "--lease", "30")
               for n in range(4)]
    for worker in workers:
        assert worker.wait(timeout=300) == 0
    assert_each_sent_once(postgres_url, journal, phones)
    claimers = claimed_by(postgres_url)
    assert len(claimers) >= 2, "the check-ins were shared between workers"


def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_nothing(postgres_url: str,
                                                                      tmp_path: Path) -> None:
    upgrade(postgres_url)
    phones = seed_due_checkins(postgres_url, 300)
    journal = tmp_path / "carrier.jsonl"
    # Its holds last 2 s: the replacement takes over once they have expired.
    doomed = start_worker(postgres_url, "doomed", journal, "--send-delay", "0.01",
                          "--batch", "100", "--lease", "2")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (
            not journal.exists() or len(journal.read_text().splitlines()) < 150):
        time.sleep(0.05)
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=30)
    sent_before = len(journal.read_text().splitlines())
    assert 150 <= sent_before < 600, "killed in the middle of the work"
    # The replacement treats every claim as stale once the dead worker's holds expire.
    assert start_worker(postgres_url, "replacement", journal, "--lease", "0").wait(
        timeout=300) == 0
    assert_each_sent_once(postgres_url, journal, phones)


def test_workers_killed_again_and_again_lose_nothing_and_repeat_nothing(
        postgres_url: str, tmp_path: Path) -> None:
    upgrade(postgres_url)
    phones = seed_due_checkins(postgres_url, 400)
    journal = tmp_path / "carrier.jsonl"
    # Each worker treats the claims it finds at start-up as stale (lease 0): its predecessor
    # is dead. Each is killed after the carrier took a few more messages, at whatever step
    # of its batch it happens to be (claiming, preparing, sending or saving).
    for round_number in range(5):
        target = accepted(journal) + 60
        worker = start_worker(postgres_url, f"doomed-{round_number}", journal,
                              "--send-delay", "0.005", "--batch", "40", "--lease", "0")
        wait_for(lambda t=target, w=worker: accepted(journal) >= t or w.poll() is not None)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    assert accepted(journal) < 2 * len(phones), "the kills came before the work was done"
    assert start_worker(postgres_url, "survivor", journal, "--lease", "0").wait(
        timeout=300) == 0
    assert_each_sent_once(postgres_url, journal, phones)


def test_postgresql_stopped_and_started_during_dispatch_loses_and_repeats_nothing(
        postgres_url: str, tmp_path: Path) -> None:
    cluster = local_cluster(postgres_url)
    upgrade(postgres_url)
    phones = seed_due_checkins(postgres_url, 400)
    journal, outages = tmp_path / "carrier.jsonl", tmp_path / "outages.txt"
    worker = start_worker(postgres_url, "steadfast", journal, "--send-delay", "0.005",
                          "--batch", "40", "--lease", "0", "--outages", str(outages))
    at_outages = []
    try:
        for outage in range(1, 3):
            target = accepted(journal) + 150
            wait_for(lambda t=target: accepted(journal) >= t)
            cluster("stop", "-m", "fast")  # drops every connection at once
            at_outages.append(accepted(journal))
            wait_for(lambda n=outage: outages.exists() and
                     len(outages.read_text().splitlines()) >= n)
            cluster("start")
    finally:
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode != 0:
            cluster("start")
    assert worker.wait(timeout=300) == 0, "the worker carried on once the database was back"
    assert max(at_outages) < 2 * len(phones), "both outages came with work still to do"
    assert_each_sent_once(postgres_url, journal, phones)


def local_cluster(database_url: str):  # type: ignore[no-untyped-def]
    """Stops and starts this machine's PostgreSQL (pg_ctlcluster, as root)."""
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    local = "@127.0.0.1" in database_url or "@localhost" in database_url
    usable = bool(versions) and bool(shutil.which("pg_ctlcluster")) and os.geteuid() == 0 \
        and local
    if not usable:
        if os.environ.get("CARECALL_REQUIRE_POSTGRES"):
            pytest.fail("stopping PostgreSQL needs pg_ctlcluster, root and a local server")
        pytest.skip("stopping PostgreSQL needs pg_ctlcluster, root and a local server")

    def cluster(action: str, *options: str) -> None:
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main",
                        action, *options], check=True, capture_output=True, timeout=60)

    return cluster


def accepted(journal: Path) -> int:
    return len(journal.read_text().splitlines()) if journal.exists() else 0


def wait_for(condition, timeout: float = 120) -> None:  # type: ignore[no-untyped-def]
    """Poll a condition another process will make true (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def start_worker(database_url: str, worker_id: str, journal: Path,
                 *options: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.Popen([sys.executable, "-m", "tests.support.dispatch_worker",
                             database_url, worker_id, str(journal), *options],
                            cwd=PROJECT_ROOT, env=env)


def assert_each_sent_once(database_url: str, journal: Path, phones: list[str]) -> None:
    accepted = [json.loads(line) for line in journal.read_text().splitlines()]
    per_phone = Counter(message["to"] for message in accepted)
    assert set(per_phone) == set(phones)
    assert set(per_phone.values()) == {2}  # greeting + identity question, once each
    engine = make_engine(database_url)
    with engine.connect() as connection:
        statuses = Counter(connection.scalars(select(CheckIn.status)))
        unsettled = connection.scalar(select(func.count()).select_from(Message).where(
            Message.status != "sent"))
    engine.dispose()
    assert statuses == {"sent": len(phones)}
    assert unsettled == 0


def claimed_by(database_url: str) -> set[str]:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        workers = set(connection.scalars(select(CheckIn.claimed_by)))
    engine.dispose()
    return workers
