"""A daughter answers her father's check-in; the nurse sees who answered and whom to call."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assistant.care_team.caregivers import NewCaregiver, add_caregiver
from assistant.outreach.dispatch import dispatch_due
from assistant.records.db import transaction
from assistant.records.models import Patient
from carecall.demo import http_poster
from carecall.simulator import SimulatedPhone
from tests.conftest import AUTH_TOKEN, SERVICE_NUMBER
from tests.e2e.conftest import SCREENSHOTS, sign_in
from tests.helpers import DOB_REPLY, enroll_patient, make_first_checkin_due

pytestmark = pytest.mark.browser
DAUGHTER = "+12015550188"


def test_a_caregiver_answers_and_the_nurse_knows_whom_to_call(browser_page, live) -> None:
    address, services = live
    episode_id = enroll_patient(services, phone="+12015550124", name="Sam Ortiz")
    with transaction(services.sessions) as session:
        patient = session.scalars(select(Patient).where(Patient.name == "Sam Ortiz")).one()
        add_caregiver(session, patient, NewCaregiver("Maria Ortiz", "daughter", DAUGHTER, "en",
                                                     consent=True, is_proxy=True),
                      source="dashboard", actor="test", default_region="US",
                      now=services.clock())
    make_first_checkin_due(services, episode_id)
    dispatch_due(services, "w1")
    daughter = SimulatedPhone(DAUGHTER, SERVICE_NUMBER, AUTH_TOKEN, address,
                              http_poster(address))
    daughter.text(DOB_REPLY)
    replies = daughter.text("worse, he is more tired")
    assert any("will call you today" in reply for reply in replies)

    page = browser_page
    sign_in(page, address)
    page.click("tr[data-alert-id]:has-text('Sam Ortiz') >> text=Feels worse than at discharge")
    page.wait_for_selector("#respondent")
    assert "Maria Ortiz" in page.inner_text("#respondent")
    assert page.get_attribute("#respondent a", "href") == f"tel:{DAUGHTER}"
    assert "answered by Maria Ortiz (daughter)" in page.inner_text("main")
    page.screenshot(path=str(SCREENSHOTS / "caregiver-alert.png"), full_page=True)
