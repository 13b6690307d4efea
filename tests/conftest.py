"""Fixtures: each test gets its own database, a frozen clock, the simulated phone network and
the real Flask app; PostgreSQL tests run when CARECALL_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from assistant.foundation.config import Settings
from assistant.records.db import upgrade
from assistant.services import Services, build_services
from carecall.simulator import SimulatedNetwork, SimulatedPhone, SimulatedTwilioHttp
from carecall.web import create_app

PUBLIC_BASE_URL = "https://carecall.example.org"
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
PATIENT_PHONE = "+12015550123"
SERVICE_NUMBER = "+12015550199"
# Tuesday 24 November 2026, 15:00 UTC (10:00 in New York).
START = datetime(2026, 11, 24, 15, 0)


class FakeClock:
    """A clock tests move by hand: nothing in the product reads the real time."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(autouse=True)
def every_answer_stays_on_the_hot_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A text that left the SMS turn's hot path for the ORM path is answered all the same,
    so only this notices: every test's texts must stay on it (a test expecting otherwise
    patches `_left_hot_path` itself)."""
    from assistant.outreach import inbound

    left: list[str] = []
    monkeypatch.setattr(inbound, "_left_hot_path",
                        lambda sid, error: left.append(f"{sid}: {error!r}"))
    yield
    assert not left, f"texts left the hot path: {left}"


def postgres_admin_url() -> str | None:
    return os.environ.get("CARECALL_TEST_POSTGRES_URL") or None


def _postgres_or_skip() -> str:
    url = postgres_admin_url()
    if url is None:
        if os.environ.get("CARECALL_REQUIRE_POSTGRES"):
            pytest.fail("CARECALL_REQUIRE_POSTGRES is set but CARECALL_TEST_POSTGRES_URL is not")
        pytest.skip("set CARECALL_TEST_POSTGRES_URL to run the PostgreSQL tests")
    return url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    admin_url = _postgres_or_skip()
    name = f"carecall_test_{uuid.uuid4().hex[:12]}"
    # pre-ping: a test may restart the server, leaving pooled connections dead.
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Both real databases: the embedded default and production's."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'carecall.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'carecall.db'}",
        twilio_auth_token=AUTH_TOKEN,
        twilio_from_number=SERVICE_NUMBER,
        public_base_url=PUBLIC_BASE_URL,
        provider_name="Riverside Hospital",
        callback_number="+12015550100",
        send_rate_per_second=10_000,  # the limiter has its own tests; no waiting here
        spool_replay_seconds=0,  # tests replay the spool themselves (one test turns it on)
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def network(clock: FakeClock) -> SimulatedNetwork:
    """The carrier keeps the tests' time, so its dates and statuses follow `clock.advance`."""
    return SimulatedNetwork(clock=lambda: clock.now.replace(tzinfo=UTC).timestamp())


def make_services(settings: Settings, network: SimulatedNetwork, clock: FakeClock) -> Services:
    upgrade(settings.database_url)
    return build_services(settings, twilio_http=SimulatedTwilioHttp(network), clock=clock)


@pytest.fixture
def services(settings: Settings, network: SimulatedNetwork, clock: FakeClock) -> Iterator[Services]:
    built = make_services(settings, network, clock)
    yield built
    built.close()


@pytest.fixture
def client(services: Services) -> FlaskClient:
    return create_app(services).test_client()


def poster_for(client: FlaskClient):  # type: ignore[no-untyped-def]
    def post(path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        response = client.post(PUBLIC_BASE_URL + path, data=params, headers=headers)
        return response.status_code, response.get_data(as_text=True)

    return post


@pytest.fixture
def phone(client: FlaskClient) -> SimulatedPhone:
    """The patient's phone, texting the webhook through Flask's test client."""
    return SimulatedPhone(PATIENT_PHONE, SERVICE_NUMBER, AUTH_TOKEN, PUBLIC_BASE_URL,
                          poster_for(client))


PASSWORD = "correct horse battery staple"


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    import re

    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page)[1]  # type: ignore[index]


def signed_in_client(services: Services, username: str = "nora",
                     role: str = "coordinator") -> FlaskClient:
    """A browser-like client, signed in as a new user with `role`."""
    from assistant.care_team.roster import add_user
    from assistant.records.accounts import set_password
    from assistant.records.db import transaction

    with transaction(services.sessions) as session:
        user = add_user(session, services.settings, username=username, name=username.title(),
                        role=role, phone=None, email=None, on_call="always",
                        now=services.clock(), actor="test")
        set_password(session, user, PASSWORD, services.clock(), "test")
    client = create_app(services).test_client()
    client.environ_base["wsgi.url_scheme"] = "https"  # the session cookie is Secure
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                            "csrf_token": csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def search(client: FlaskClient, query: str) -> str:
    """The patient search, as the page sends it: by POST, nothing in the URL."""
    response = client.post("/patients", data={"q": query,
                                              "csrf_token": csrf_token(client, "/patients")})
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def coordinator(services: Services) -> FlaskClient:
    return signed_in_client(services)
