"""The reports at a year's scale (issue 17): `build_report` over a whole year and over one
quarter, and the /reports page for the year as a coordinator sees it, on a synthetic year of
10,000 and of 100,000 discharges (bench/synthetic_year.py, cached: bench/year_cache.py).

Baselines from the same run and database: one pass over the largest table (every message's
text: `SELECT sum(length(body)) FROM message`) for the report, and the same page over a week
without discharges (sign-in, template, charts, audit: what any page costs) for the page. The
100k/10k ratio shows how the report grows: 10 would be linear in the discharges, 1 would be
independent of them.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import event, text

from assistant.care_team.roster import add_user
from assistant.records.accounts import set_password
from assistant.records.db import transaction
from assistant.reporting.report import build_report
from assistant.reporting.scope import ReportScope
from assistant.services import Services
from carecall.web import create_app

from .common import START, Options, make_services, ratio
from .year_cache import seeded_year

SIZES = (10_000, 100_000)
QUICK_SIZES = (1_000, 4_000)
YEAR = (date(2025, 11, 25), date(2026, 11, 24))  # the synthetic year ends at START
QUARTER = (date(2026, 7, 1), date(2026, 9, 30))
EMPTY = (date(2020, 1, 6), date(2020, 1, 12))  # a week with no discharge at all
RUNS = 3  # the median of this many, unless one run alone takes BUDGET_SECONDS
BUDGET_SECONDS = 20.0
PASSWORD = "bench coordinator password"


def report_speed(options: Options, sizes: tuple[int, ...] | None = None) -> dict[str, Any]:
    sizes = sizes or (QUICK_SIZES if options.quick else SIZES)
    results: dict[str, Any] = {"sizes": list(sizes)}
    for kind in options.databases:
        figures: dict[str, Any] = {}
        for size in sizes:
            with seeded_year(kind, size, START, options) as year:
                figures[str(size)] = {"seeding_seconds": year.seeding_seconds,
                                      "seeded_in_this_run": year.seeded_now,
                                      **_measure(year.url)}
        small, large = (figures[str(size)] for size in (sizes[0], sizes[-1]))
        figures[f"ratio_{sizes[-1]}_to_{sizes[0]}"] = {
            name: ratio(large[name], small[name])
            for name in ("year_report_ms", "quarter_report_ms", "year_page_ms",
                         "message_scan_ms")}
        results[kind] = figures
    return results


def _measure(url: str) -> dict[str, Any]:
    services = make_services(url, clock=lambda: START)
    try:
        scan_ms = _median_ms(lambda: _scan_messages(services))
        year_ms, year_statements = _report(services, YEAR)
        quarter_ms, _ = _report(services, QUARTER)
        client = _coordinator(services)
        year_page_ms = _median_ms(lambda: _page(client, YEAR))
        empty_page_ms = _median_ms(lambda: _page(client, EMPTY))
    finally:
        services.close()
    return {
        "message_scan_ms": scan_ms,
        "year_report_ms": year_ms, "year_report_statements": year_statements,
        "quarter_report_ms": quarter_ms,
        "year_page_ms": year_page_ms, "empty_page_ms": empty_page_ms,
        "year_report_ratio_to_scan": ratio(year_ms, scan_ms),
        "year_page_ratio_to_empty_page": ratio(year_page_ms, empty_page_ms),
    }


def _median_ms(action: Callable[[], object]) -> float:
    times: list[float] = []
    while len(times) < RUNS and sum(times) < BUDGET_SECONDS:
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 1)


def _scan_messages(services: Services) -> int:
    with services.engine.connect() as connection:
        return int(connection.scalar(text("SELECT sum(length(body)) FROM message")) or 0)


def _report(services: Services, days: tuple[date, date]) -> tuple[float, int]:
    """The median time of building the report, and the statements one build executes."""
    scope = ReportScope(*days, time_zone=services.settings.default_timezone)
    statements = [0]

    def count(*_: object) -> None:
        statements[0] += 1

    def build() -> None:
        with services.sessions() as session:
            build_report(session, scope, flows=services.flows, settings=services.settings,
                         now=services.clock(), wording=services.dialogue.wording)

    event.listen(services.engine, "before_cursor_execute", count)
    try:
        build()
    finally:
        event.remove(services.engine, "before_cursor_execute", count)
    return _median_ms(build), statements[0]


def _coordinator(services: Services) -> FlaskClient:
    """A browser signed in as a coordinator, as the page's users are."""
    with transaction(services.sessions) as session:
        user = add_user(session, services.settings, username="bench.coordinator",
                        name="Bench Coordinator", role="coordinator", phone=None, email=None,
                        on_call="always", now=START, actor="bench")
        set_password(session, user, PASSWORD, START, "bench")
    client = create_app(services).test_client()
    client.environ_base["wsgi.url_scheme"] = "https"  # the session cookie is Secure
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    response = client.post("/login", data={"username": "bench.coordinator",
                                            "password": PASSWORD,
                                            "csrf_token": token[1] if token else ""})
    if response.status_code != 302:
        raise RuntimeError(f"the bench coordinator could not sign in: {response.status_code}")
    return client


def _page(client: FlaskClient, days: tuple[date, date]) -> None:
    response = client.get(f"/reports?from={days[0]}&to={days[1]}")
    if response.status_code != 200:
        raise RuntimeError(f"/reports answered {response.status_code}")
