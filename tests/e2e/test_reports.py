"""In a real browser: a programme lead reads a year of (synthetic) follow-up on the reports
page, narrows it to one flow, and downloads the per-discharge CSV. The charts are drawn, fit
their panels at desktop and phone width, and the figures agree with the database. Screenshots
go to docs/screenshots."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from assistant.foundation.local_time import local_today
from assistant.records.models import Episode
from assistant.reporting.scope import ReportScope
from bench.synthetic_year import seed_year
from tests.e2e.conftest import SCREENSHOTS, sign_in

pytestmark = pytest.mark.browser
DISCHARGES = 3000


def _count(services, flow: str | None = None) -> int:  # type: ignore[no-untyped-def]
    low, high = ReportScope.chosen(
        None, None, flow, today=local_today(services.clock(), services.settings.default_timezone),
        time_zone=services.settings.default_timezone).utc_bounds
    query = select(func.count()).select_from(Episode).where(
        Episode.discharged_at >= low, Episode.discharged_at < high)
    if flow:
        query = query.where(Episode.flow_id == flow)
    with services.sessions() as session:
        return session.scalar(query) or 0


def _shown(page) -> int:  # type: ignore[no-untyped-def]
    return int(page.inner_text("#discharges").replace(",", ""))


def test_a_lead_reads_the_year_and_downloads_the_discharges(browser_page, live, clock) -> None:
    address, services = live
    seed_year(services.engine, DISCHARGES, end=clock.now, seed=17, flows=services.flows)
    page = browser_page
    sign_in(page, address)
    page.click("nav >> text=Reports")
    page.wait_for_selector("h1:has-text('Programme report')")
    assert _shown(page) == _count(services)  # the default: the 90 days up to today

    page.fill("#from", "2025-11-25")
    page.fill("#to", "2026-11-24")
    page.click("#period button[type=submit]")
    page.wait_for_url(re.compile(r"from=2025-11-25"))
    shown = _shown(page)
    assert DISCHARGES <= shown <= DISCHARGES + 1  # the year, and the live fixture's patient
    charts = page.locator(".chart svg")
    assert charts.count() >= 5  # reach, weeks, acknowledgement times, the first funnel
    for index in range(charts.count()):
        chart = charts.nth(index)
        if not chart.is_visible():
            continue  # a funnel folded away
        box = chart.bounding_box()
        panel = chart.locator("xpath=ancestor::*[contains(@class,'panel')][1]").bounding_box()
        assert box and panel and 0 < box["width"] <= panel["width"]
    assert "Observational, not a trial" in page.inner_text("#observational")
    assert page.locator("#by-group tbody tr").count() >= 6  # flows × languages
    page.screenshot(path=str(SCREENSHOTS / "reports.png"), full_page=True)

    page.select_option("#flow", "heart_failure")
    page.click("#period button[type=submit]")
    page.wait_for_url(re.compile(r"flow=heart_failure"))
    heart = _shown(page)
    assert 0 < heart < shown
    with page.expect_download() as download_info:
        page.click("#download-discharges")
    rows = list(csv.DictReader(io.StringIO(
        download_info.value.path().read_text(encoding="utf-8"))))
    assert len(rows) == heart and {row["flow"] for row in rows} == {"heart_failure"}

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{address}/reports?from=2025-11-25&to=2026-11-24")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing wider than the phone
    page.screenshot(path=str(SCREENSHOTS / "reports-phone.png"), full_page=True)
