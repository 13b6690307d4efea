"""In a real browser: a heart-failure patient's page after three weigh-ins by text (the weight
chart drawn on the server), a note added by the nurse, at desktop and phone width; and the
list of active patients. Screenshots go to docs/screenshots."""

from __future__ import annotations

import pytest

from carecall.demo import http_poster
from carecall.simulator import SimulatedPhone
from tests.conftest import AUTH_TOKEN, SERVICE_NUMBER
from tests.e2e.conftest import SCREENSHOTS, sign_in
from tests.support.patient_checkins import HF_NAME, HF_PHONE, heart_failure_stay, weigh_in

pytestmark = pytest.mark.browser


def test_a_weight_chart_after_three_check_ins_and_a_note_at_desktop_and_phone_width(
        browser_page, live, clock) -> None:
    address, services = live
    episode = heart_failure_stay(services)
    phone = SimulatedPhone(HF_PHONE, SERVICE_NUMBER, AUTH_TOKEN, address, http_poster(address))
    for weight in ("181", "182.5", "184 lbs"):
        weigh_in(services, phone, episode, weight)
        clock.advance(days=1)
    page = browser_page
    sign_in(page, address)
    page.click("text=Active patients")
    page.wait_for_selector("#active-patients")
    names = page.locator("#active-patients tbody tr td[data-label=Patient] strong")
    assert names.all_inner_texts() == ["Alex Rivera", HF_NAME]  # the emergency first
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "active-patients.png"), full_page=True)
    page.select_option("#order", "discharge")
    page.click("button:has-text('Sort')")
    page.wait_for_url("**order=discharge")
    assert names.all_inner_texts() == [HF_NAME, "Alex Rivera"]  # newest discharge first
    page.click(f"text={HF_NAME}")
    chart = page.locator("#trend-panel-weight svg[role=img]")
    chart.wait_for()
    assert page.locator("#trend-panel-weight svg circle").count() == 3
    assert "Weight (lb)" in page.inner_text("#trend-panel-weight h3")
    page.fill("#note-body", "Called Maria: weighs at 7 am, scale works. Lasix taken daily.")
    page.click("#add-note")
    page.wait_for_selector("text=Called Maria: weighs at 7 am")
    assert "nora" in page.inner_text("#notes article")
    assert page.get_attribute(f"a[href='tel:{HF_PHONE}']", "class") == "call"
    page.click("text=Add a caregiver")
    page.fill("#caregiver-form input[name=name]", "Rosa Lopez")
    page.fill("#caregiver-form input[name=relationship]", "daughter")
    page.fill("#caregiver-form input[name=phone]", "555-12")
    page.click("#add-caregiver")
    page.wait_for_selector("#caregiver-errors")
    assert "is not a valid number" in page.inner_text("#caregiver-errors")
    page.fill("#caregiver-form input[name=phone]", "(201) 555-0177")
    page.check("#caregiver-form input[name=consent]")
    page.click("#add-caregiver")
    page.wait_for_selector("#caregivers a[href='tel:+12015550177']")
    page.screenshot(path=str(SCREENSHOTS / "patient.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    chart.wait_for()
    assert chart.bounding_box()["width"] <= 390  # type: ignore[index]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off
    page.screenshot(path=str(SCREENSHOTS / "patient-phone.png"), full_page=True)
    page.goto(f"{address}/patients/active")
    page.wait_for_selector("#active-patients td[data-label='Open alerts']")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # cards, not a table
