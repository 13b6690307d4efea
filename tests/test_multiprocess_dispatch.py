"""Several worker processes on PostgreSQL: every due check-in is sent exactly once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from assistant.config import PROJECT_ROOT, Settings
from assistant.db import make_engine, transaction, upgrade
from assistant.models import CheckIn, Episode, Patient
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
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    workers = [
        subprocess.Popen([sys.executable, "-m", "tests.support.dispatch_worker", postgres_url,
                          f"worker-{n}", str(tmp_path / f"worker-{n}.jsonl"), "25"],
                         cwd=PROJECT_ROOT, env=env)
        for n in range(4)
    ]
    for worker in workers:
        assert worker.wait(timeout=300) == 0
    deliveries = [json.loads(line) for n in range(4)
                  for line in (tmp_path / f"worker-{n}.jsonl").read_text().splitlines()]
    per_phone = Counter(d["to"] for d in deliveries)
    assert len(per_phone) == 2000 and set(per_phone.values()) == {2}  # greeting + identity
    assert set(per_phone) == set(phones)
    busy_workers = {d["worker"] for d in deliveries}
    assert len(busy_workers) >= 2, "the check-ins were shared between workers"
    engine = make_engine(postgres_url)
    with engine.connect() as connection:
        statuses = Counter(connection.scalars(select(CheckIn.status)))
    engine.dispose()
    assert statuses == {"sent": 2000}
