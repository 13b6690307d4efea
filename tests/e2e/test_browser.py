"""In a real browser (Debian's Chromium, driven by Playwright): a coordinator signs in,
acknowledges and resolves an alert. Screenshots of the pages go to docs/screenshots."""

from __future__ import annotations

import pytest

from assistant.foundation.config import PROJECT_ROOT
from tests.conftest import PASSWORD
from tests.e2e.conftest import SCREENSHOTS, sign_in

pytestmark = pytest.mark.browser


def test_a_coordinator_signs_in_acknowledges_and_resolves_an_alert(browser_page, live) -> None:
    address, _ = live
    page = browser_page
    page.goto(f"{address}/")
    assert "/login" in page.url
    page.fill("input[name=username]", "nora")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:has-text('Worklist')")
    rows = page.locator("tr[data-alert-id]")
    assert "emergency" in rows.nth(0).inner_text().lower()  # most severe first
    page.click("text=Reports chest pain or pressure")
    page.click("#acknowledge")
    page.wait_for_selector("#alert-status:has-text('acknowledged')")
    page.select_option("select[name=resolution]", "sent_to_emergency_care")
    page.fill("input[name=note]", "Called 911 with her daughter")
    page.click("#resolve")
    page.wait_for_selector("#alert-status:has-text('resolved')")
    assert "sent to emergency care: Called 911 with her daughter" in page.content()
    page.click("dd >> text=Alex Rivera")
    page.wait_for_selector("text=TCM contact due by")  # patient.png: tests/e2e/test_patient.py


def test_a_wrong_password_is_refused_in_the_browser(browser_page, live) -> None:
    address, _ = live
    page = browser_page
    page.goto(f"{address}/login")
    page.fill("input[name=username]", "nora")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    page.wait_for_selector("text=Wrong user name or password.")
    page.screenshot(path=str(SCREENSHOTS / "login.png"))


def test_a_simulator_conversation_raises_an_alert(browser_page, live) -> None:
    address, _ = live
    page = browser_page
    page.goto(f"{address}/login")
    page.fill("input[name=username]", "nora")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{address}/simulator")
    page.select_option("select[name=flow]", "general")
    page.click("#start")
    for reply in ("03/14/1950", "worse", "I think I'm having a heart attack"):
        page.fill("input[name=text]", reply)
        page.click("#send")
    page.wait_for_selector("ul.sim-alerts")
    alerts = page.inner_text("ul.sim-alerts")
    assert "Reports chest pain or pressure" in alerts and "Feels worse" in alerts
    page.screenshot(path=str(SCREENSHOTS / "simulator.png"), full_page=True)


def test_a_search_and_the_hl7_feed_page_at_desktop_and_phone_width(browser_page, live) -> None:
    """The search is sent by POST (the name never reaches the address bar), and the interface
    team's page of refused and failed HL7 messages reads on a phone too."""
    from assistant.intake.adt import receive_adt
    from assistant.intake.flow_choice import FlowTable

    address, services = live
    table = FlowTable.load()
    receive_adt(services, (PROJECT_ROOT / "tests/data/hl7/oru_result.hl7").read_text()
                .replace("\n", "\r"), table)
    receive_adt(services, (PROJECT_ROOT / "tests/data/hl7/not_hl7.txt").read_text(), table)
    page = browser_page
    sign_in(page, address)
    for width, suffix in ((1200, ""), (390, "-phone")):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{address}/patients")
        page.fill("input[name=q]", "Rivera")
        page.click("button:has-text('Search')")
        page.wait_for_selector("text=Alex Rivera")
        assert "Rivera" not in page.url
        page.screenshot(path=str(SCREENSHOTS / f"patient-search{suffix}.png"), full_page=True)
        page.click("text=HL7 feed")
        page.wait_for_selector("text=LAB000001")
        page.screenshot(path=str(SCREENSHOTS / f"hl7-feed{suffix}.png"), full_page=True)

