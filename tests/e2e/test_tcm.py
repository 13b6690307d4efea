"""In a real browser: a coordinator works the TCM record of a discharge from the worklist
(a voicemail, then the patient reached, the face-to-face visit, the medication review) and
downloads the export. Screenshots at desktop and phone width go to docs/screenshots."""

from __future__ import annotations

import csv
import io

import pytest

from tests.e2e.conftest import SCREENSHOTS, sign_in
from tests.helpers import enroll_patient

pytestmark = pytest.mark.browser


def test_a_coordinator_fills_the_tcm_record_and_exports_it(browser_page, live, clock) -> None:
    address, services = live  # Alex Rivera, discharged two days ago, said something worrying
    clock.advance(hours=2)  # 12:00 in New York
    page = browser_page
    sign_in(page, address)
    page.click("nav >> text=TCM")
    page.wait_for_selector("h1:has-text('Transitional care')")
    row = page.locator("#tcm-worklist tr[data-episode-id]").first
    assert "Alex Rivera" in row.inner_text()
    assert "does not count" in page.inner_text("#tcm-worklist thead")
    row.locator("text=TCM record").click()
    page.wait_for_selector("h1:has-text('TCM: Alex Rivera')")
    assert page.get_attribute("a.call", "href") == "tel:+12015550123"

    page.select_option("#outcome", "voicemail")
    page.fill("#at", "2026-11-24T11:10")
    page.fill("#note", "Left our number")
    page.click("#log-attempt")
    page.wait_for_selector("tr.attempt:has-text('Left voicemail')")
    assert "not yet" in page.inner_text("#first-contact")

    page.select_option("#outcome", "reached")
    page.fill("#at", "2026-11-24T11:45")
    page.fill("#spoke_with", "patient")
    page.fill("#note", "Feeling better; knows when to call 911")
    page.click("#log-attempt")
    page.wait_for_selector("#first-contact:has-text('2026-11-24 11:45 EST')")
    assert page.locator("tr.attempt").count() == 2

    page.fill("#face_to_face_on", "2026-11-21")  # before the discharge: refused, said why
    page.click("#save-visit")
    page.wait_for_selector("#error")
    assert "before the discharge" in page.inner_text("#error")
    page.fill("#face_to_face_on", "2026-11-24")
    page.click("#save-visit")
    page.wait_for_selector("#window:has-text('within 7 days')")

    page.fill("#medication_review_on", "2026-11-24")
    page.fill("#by", "Sam Patel, PharmD")
    page.select_option("#role", "pharmacist")
    page.click("#save-review")
    page.wait_for_selector("#review:has-text('done 2026-11-24')")
    assert page.inner_text("#billing").startswith("99496 or 99495")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "tcm-record.png"), full_page=True)

    enroll_patient(services, phone="+12015550124", name="Bea Okafor", days_ago=6)
    enroll_patient(services, phone="+12015550125", name="Chen Wei", days_ago=0)
    page.goto(f"{address}/tcm?show=all")
    names = page.locator("#tcm-worklist tr[data-episode-id] td:first-child a:first-child")
    assert names.all_inner_texts() == ["Bea Okafor", "Alex Rivera", "Chen Wei"]
    page.screenshot(path=str(SCREENSHOTS / "tcm.png"), full_page=True)
    with page.expect_download() as download_info:
        page.click("#export")
    text = download_info.value.path().read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 3
    alex = next(row for row in rows if row["patient_name"] == "Alex Rivera")
    assert (alex["patient_name"], alex["contact_status"], alex["attempts"]) == (
        "Alex Rivera", "met", "2")
    assert (alex["first_contact_at"], alex["last_attempt_outcome"]) == (
        "2026-11-24T11:45:00-05:00", "reached")
    assert (alex["face_to_face_on"], alex["face_to_face_day"], alex["face_to_face_window"]) == (
        "2026-11-24", "2", "within_7_days")
    assert (alex["medication_review_by"], alex["medication_reviewer_role"],
            alex["medication_review_status"], alex["billing"]) == (
        "Sam Patel, PharmD", "pharmacist", "done", "99496 or 99495")
    assert alex["automated_checkin_status"] == "handed_over"  # answered, not the contact

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    card = page.locator("#tcm-worklist tr[data-episode-id]").first
    assert card.bounding_box()["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SCREENSHOTS / "tcm-phone.png"), full_page=True)
    page.click("text=TCM record >> nth=1")
    page.wait_for_selector("h1:has-text('TCM: Alex Rivera')")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SCREENSHOTS / "tcm-record-phone.png"), full_page=True)
