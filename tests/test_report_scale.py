"""The reports at a year's scale: a synthetic year of 20,000 discharges (bench/synthetic_year.py)
renders on the page, and the page counts every discharge. No timing here (performance is
measured by `python -m bench --only report`): what is asserted instead is that the page and the
report execute exactly as many statements for 20,000 discharges as for 2,000, so no figure is
gathered by a query per discharge, per check-in or per message."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import TypeVar

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url

from assistant.conversation.flow_loader import FlowLibrary
from assistant.conversation.prompts import PromptCatalogue
from assistant.foundation.config import Settings
from assistant.records.db import make_engine, upgrade
from assistant.records.models import Episode
from assistant.reporting.report import build_report
from assistant.reporting.scope import ReportScope
from assistant.services import Services
from bench.synthetic_year import seed_year
from tests.conftest import FakeClock, make_services, postgres_admin_url, signed_in_client

END = datetime(2026, 11, 24, 15, 0)  # the year's last moment: the tests' own START
YEAR = (date(2025, 11, 25), date(2026, 11, 24))
SMALL, LARGE = 2_000, 20_000
T = TypeVar("T")


def _seeded(url: str, discharges: int) -> str:
    upgrade(url)
    engine = make_engine(url, statement_timeout_ms=600_000)
    try:
        settings = Settings()
        flows = FlowLibrary.load(settings.flows_dir, PromptCatalogue.load(settings.prompts_dir))
        summary = seed_year(engine, discharges, end=END, flows=flows)
    finally:
        engine.dispose()
    assert summary.rows["episode"] == discharges
    return url


@pytest.fixture(scope="module")
def sqlite_years(tmp_path_factory: pytest.TempPathFactory) -> dict[int, str]:
    """Seeded once for the module: a year takes seconds to write."""
    folder = tmp_path_factory.mktemp("years")
    return {size: _seeded(f"sqlite:///{folder / f'year-{size}.db'}", size)
            for size in (SMALL, LARGE)}


@pytest.fixture
def open_year(settings, network):  # type: ignore[no-untyped-def]
    """Services over a seeded database, their clock at the year's end."""
    opened: list[Services] = []

    def open_(url: str) -> Services:
        services = make_services(settings.with_overrides(database_url=url), network,
                                 FakeClock(END))
        opened.append(services)
        return services

    yield open_
    for services in opened:
        services.close()


def _statements(services: Services, action: Callable[[], T]) -> tuple[int, T]:
    """How many SQL statements `action` executes on the services' database, and its result."""
    count = [0]

    def counted(*_: object) -> None:
        count[0] += 1

    event.listen(services.engine, "before_cursor_execute", counted)
    try:
        result = action()
    finally:
        event.remove(services.engine, "before_cursor_execute", counted)
    return count[0], result


def _year_page(client: FlaskClient) -> str:
    response = client.get(f"/reports?from={YEAR[0]}&to={YEAR[1]}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def _discharges_in_year(services: Services) -> int:
    low, high = ReportScope(*YEAR, time_zone=services.settings.default_timezone).utc_bounds
    with services.sessions() as session:
        return session.scalar(select(func.count()).select_from(Episode).where(
            Episode.discharged_at >= low, Episode.discharged_at < high)) or 0


def _report_statements(services: Services) -> int:
    scope = ReportScope(*YEAR, time_zone=services.settings.default_timezone)

    def build() -> None:
        with services.sessions() as session:
            build_report(session, scope, flows=services.flows, settings=services.settings,
                         now=END, wording=services.dialogue.wording)

    return _statements(services, build)[0]


def _check_scale(urls: dict[int, str], open_) -> None:  # type: ignore[no-untyped-def]
    page_statements, report_statements = {}, {}
    for size, url in urls.items():
        services = open_(url)
        page_statements[size], page = _statements(
            services, partial(_year_page, signed_in_client(services)))
        shown = re.search(r'id="discharges">([\d,]+)<', page)
        assert shown is not None, "the page shows how many discharges it is about"
        assert int(shown[1].replace(",", "")) == _discharges_in_year(services) == size
        report_statements[size] = _report_statements(services)
    small, large = sorted(urls)
    assert page_statements[small] == page_statements[large], page_statements
    assert report_statements[small] == report_statements[large], report_statements
    assert report_statements[large] < 100  # a few dozen aggregates, not one per anything


def test_a_year_of_20000_discharges_renders_with_as_many_statements_as_2000(
        sqlite_years: dict[int, str], open_year) -> None:  # type: ignore[no-untyped-def]
    _check_scale(sqlite_years, open_year)


@pytest.fixture(scope="module")
def postgres_years() -> Iterator[dict[int, str]]:
    """Smaller years on PostgreSQL (the statements do not depend on the size; the SQL does on
    the database), in databases made for the module and dropped after it."""
    admin_url = postgres_admin_url()
    if admin_url is None:
        pytest.skip("set CARECALL_TEST_POSTGRES_URL to run the PostgreSQL tests")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    names = {size: f"carecall_test_{uuid.uuid4().hex[:12]}" for size in (300, 3_000)}
    try:
        with admin.connect() as connection:
            for name in names.values():
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield {size: _seeded(make_url(admin_url).set(database=name)
                             .render_as_string(hide_password=False), size)
               for size, name in names.items()}
    finally:
        with admin.connect() as connection:
            for name in names.values():
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_on_postgresql_too_the_statements_do_not_grow_with_the_discharges(
        postgres_years: dict[int, str], open_year) -> None:  # type: ignore[no-untyped-def]
    _check_scale(postgres_years, open_year)


def test_the_synthetic_year_is_the_same_for_the_same_seed(tmp_path: Path) -> None:
    """The benchmark caches a seeded year by its size and seed: that is only sound if the
    same seed always writes the same rows."""
    dumps = []
    for run in (1, 2):
        url = _seeded(f"sqlite:///{tmp_path / f'run-{run}.db'}", 200)
        engine = create_engine(url)
        with engine.connect() as connection:
            dumps.append([connection.execute(text(f"SELECT * FROM {table} ORDER BY id")).all()
                          for table in ("patient", "checkin", "message", "answer", "alert")])
        engine.dispose()
    assert dumps[0] == dumps[1]
    assert len(dumps[0][2]) > 1_000  # messages: a real year, not an empty one
