"""What the benchmarks share: throw-away databases, bulk seeding, services on the simulated
carrier, and the statistics every figure is reported with."""

from __future__ import annotations

import statistics
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from assistant.foundation.config import Settings
from assistant.records.db import transaction, upgrade
from assistant.records.models import CheckIn, Episode, Patient
from assistant.services import Services, build_services
from carecall.simulator import SimulatedNetwork, SimulatedTwilioHttp

if TYPE_CHECKING:
    from .peer import Peer

START = datetime(2026, 11, 24, 15, 0)
DOB = date(1950, 1, 1)
DOB_REPLY = "01/01/1950"
AUTH_TOKEN = "bench-twilio-auth-token"
SERVICE_NUMBER = "+12015550100"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
CHUNK = 20_000


@dataclass(frozen=True)
class Options:
    quick: bool
    postgres_admin_url: str | None  # None: PostgreSQL figures are skipped
    peer: Peer | None = None  # Twilio's survey sample, timed beside the SMS turn

    @property
    def databases(self) -> list[str]:
        return ["sqlite", "postgresql"] if self.postgres_admin_url else ["sqlite"]


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds else 0.0


def ratio(value: float, baseline: float) -> float | None:
    return round(value / baseline, 2) if baseline else None


def latency_summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {"median_ms": round(statistics.median(ordered) * 1000, 2),
            "p99_ms": round(p99 * 1000, 2)}


def phone_number(n: int) -> str:
    """A distinct US number for patient `n` (up to 1,000,000 of them)."""
    return f"+1{201 + n // 10_000:03d}555{n % 10_000:04d}"


def postgres_reachable(url: str) -> bool:
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return True
    except Exception:
        return False
    finally:
        engine.dispose()


@contextmanager
def database(kind: str, options: Options) -> Iterator[str]:
    """A migrated, empty database of `kind`, removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="carecall-bench-") as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            upgrade(url)
            yield url
        return
    admin_url = options.postgres_admin_url or DEFAULT_POSTGRES
    name = f"carecall_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_settings(url: str, **overrides: object) -> Settings:
    return Settings(database_url=url, send_rate_per_second=1_000_000,
                    twilio_auth_token=AUTH_TOKEN, public_base_url="http://127.0.0.1",
                    secret_key="b" * 40).with_overrides(**overrides)


def production_env(url: str, address: str) -> dict[str, str]:
    """The CARECALL_* settings a production web process at `address` would have."""
    return {"CARECALL_DATABASE_URL": url, "CARECALL_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "CARECALL_SECRET_KEY": "b" * 40, "CARECALL_PUBLIC_BASE_URL": address,
            "CARECALL_TWILIO_FROM_NUMBER": SERVICE_NUMBER}


def make_services(url: str, network: SimulatedNetwork | None = None,
                  clock: object = None) -> Services:
    return build_services(bench_settings(url),
                          twilio_http=SimulatedTwilioHttp(network or SimulatedNetwork()),
                          clock=clock or (lambda: START))  # type: ignore[arg-type]


def seed(url: str, due: int, later: int, now: datetime = START) -> None:
    """`due` check-ins due at `now` and `later` ones months away, one patient each, in bulk
    with explicit ids (patient, episode and check-in n share id n + 1)."""
    services = make_services(url)
    with transaction(services.sessions) as session:
        version_id = services.versions.publish(session, services.flows.get("general"),
                                               now).id
    for first in range(0, due + later, CHUNK):
        numbers = range(first, min(first + CHUNK, due + later))
        with transaction(services.sessions) as session:
            session.execute(insert(Patient), [
                {"id": n + 1, "name": f"Patient {n}", "dob": DOB, "phone": phone_number(n),
                 "language": "en", "time_zone": "America/New_York", "contact_start_hour": 0,
                 "contact_end_hour": 24, "preferred_channel": "sms", "created_at": now}
                for n in numbers])
            session.execute(insert(Episode), [
                {"id": n + 1, "patient_id": n + 1, "discharged_at": now, "flow_id": "general",
                 "tcm_deadline": now + timedelta(days=2), "baseline": {}, "diagnoses": [],
                 "created_at": now} for n in numbers])
            session.execute(insert(CheckIn), [
                {"id": n + 1, "episode_id": n + 1, "flow_version_id": version_id,
                 "label": "first", "channel": "sms", "attempt": 0, "status": "scheduled",
                 "due_at": now - timedelta(minutes=1) if n < due
                 else now + timedelta(days=90)} for n in numbers])
    if services.engine.dialect.name == "postgresql":
        with transaction(services.sessions) as session:
            for table in ("patient", "episode", "checkin"):
                session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"))
    services.close()
