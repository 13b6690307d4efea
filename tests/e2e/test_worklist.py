"""The coordinator's worklist and an alert in a real browser: filters, assign to me, the
list updating itself, local times, the alert page at phone width, and a caregiver's answer
with whom to call."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assistant.conversation.escalation import evidence, raise_alert
from assistant.records.db import transaction
from assistant.records.models import Episode
from tests.e2e.conftest import SCREENSHOTS, sign_in

pytestmark = pytest.mark.browser


def _fits(page) -> None:  # type: ignore[no-untyped-def]
    """Nothing runs off a phone's screen."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def test_the_worklist_filters_assigns_and_updates_itself(browser_page, live) -> None:
    address, services = live
    page = browser_page
    page.clock.install()  # the 15-second poll runs on a clock the test moves
    sign_in(page, address)
    page.goto(f"{address}/")
    page.wait_for_selector("h1:has-text('Worklist')")
    assert page.locator("tr[data-alert-id]").count() == 2
    assert "EST" in page.inner_text("#worklist")  # local time, with its zone
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "alerts.png"), full_page=True)

    page.select_option("select[name=severity]", "urgent")
    page.click("button:has-text('Show')")
    page.wait_for_url(lambda url: "severity=urgent" in url)
    assert page.locator("tr[data-alert-id]").count() == 1
    page.click("button.assign-me")
    page.wait_for_selector("tr[data-alert-id]:has-text('Nora Diaz')")
    assert "severity=urgent" in page.url  # back where the nurse was, filters and all
    assert "Nora Diaz" in page.inner_text("tr[data-alert-id]")
    page.select_option("select[name=severity]", "")
    page.select_option("select[name=assignee]", "me")
    page.click("button:has-text('Show')")
    page.wait_for_url(lambda url: "assignee=me" in url)
    assert page.locator("tr[data-alert-id]").count() == 1
    assert "Feels worse" in page.inner_text("tr[data-alert-id]")

    # A new alert appears by itself at the next poll, with no reload of the page.
    page.goto(f"{address}/")
    page.evaluate("window.notReloaded = true")
    with transaction(services.sessions) as session:
        episode = session.scalars(select(Episode)).one()
        raise_alert(session, patient_id=episode.patient_id, episode_id=episode.id,
                    conversation_id=None, reason="symptom_words", severity="urgent",
                    summary="Reply mentions dizzy and could not be read", question_id=None,
                    evidence=evidence(None, None, "so dizzy today", None, services.clock()),
                    now=services.clock())
    page.clock.fast_forward(16_000)
    page.wait_for_selector("text=Reply mentions dizzy and could not be read")
    assert page.evaluate("window.notReloaded") is True

    page.set_viewport_size({"width": 390, "height": 800})
    page.reload()
    page.wait_for_selector("tr[data-alert-id]")
    _fits(page)
    page.screenshot(path=str(SCREENSHOTS / "alerts-phone.png"), full_page=True)


def test_the_alert_page_reads_on_a_phone(browser_page, live) -> None:
    address, _ = live
    page = browser_page
    sign_in(page, address)
    page.goto(f"{address}/")
    page.click("text=Feels worse than at discharge")
    page.wait_for_selector("text=What the patient said")
    content = page.inner_text("main")
    assert "Compared with when you left the hospital" in content  # the question, in words
    assert "Worse" in content and "True" not in content
    page.screenshot(path=str(SCREENSHOTS / "alert.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 800})
    page.reload()
    _fits(page)
    page.screenshot(path=str(SCREENSHOTS / "alert-phone.png"), full_page=True)
    page.click("#assign-to-me")
    page.wait_for_selector("dd:has-text('Nora Diaz')")
