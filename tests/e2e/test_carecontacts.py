"""A stay enrolled with its diagnoses, PCP and pharmacy: the nurse reads them on the patient
page, on a phone, with the numbers to tap."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from assistant.intake.care_contacts import CareContact
from assistant.intake.stays import record_stay
from assistant.intake.validation import validate_discharge
from assistant.records.db import transaction
from assistant.records.models import Patient

from .conftest import SCREENSHOTS, sign_in


def test_the_patient_page_shows_diagnoses_pcp_and_pharmacy_on_a_phone(browser_page,
                                                                       live) -> None:
    address, services = live
    now = services.clock()
    discharge = validate_discharge(
        services.settings, services.flows, now=now, name="Rosa Rivera", dob="1942-03-14",
        phone="+12015550190", flow="heart_failure",
        discharged=(now - timedelta(days=2)).isoformat(timespec="minutes") + "+00:00",
        diagnoses=["I50.22 Chronic systolic heart failure", "N18.3 Chronic kidney disease"],
        pcp=CareContact("Dr. Ana Lee", "+1 201 555 0100"),
        pharmacy=CareContact("Main Street Pharmacy", "+1 201 555 0111"))
    with transaction(services.sessions) as session:
        record_stay(session, services, discharge, now)
        patient_id = session.scalar(select(Patient.id).where(Patient.name == "Rosa Rivera"))
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, address)
    page.goto(f"{address}/patients/{patient_id}")
    stay = page.locator("#stay")
    assert "I50.22 Chronic systolic heart failure, N18.3 Chronic kidney disease" in \
        stay.inner_text()
    contacts = page.locator("section[aria-labelledby=contacts-h]")
    assert contacts.locator("a[href='tel:+12015550100']").inner_text() == "+12015550100"
    assert "Main Street Pharmacy" in contacts.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    contacts.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "patient-care-contacts-phone.png"))
