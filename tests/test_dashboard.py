"""The coordinators' pages, through Flask's test client."""

from __future__ import annotations

from tests.conftest import search
from tests.helpers import DOB_REPLY, start_checkin


def test_the_alert_page_lists_the_most_severe_first_with_what_the_patient_said(
        services, phone, coordinator) -> None:
    start_checkin(services)
    phone.text(DOB_REPLY)
    phone.text("worse")
    phone.text("yes <b>it hurts</b>")
    page = coordinator.get("/").get_data(as_text=True)
    assert page.index("Chest pain or pressure") < page.index("Feels worse than at discharge")
    assert "Alex Rivera" in page
    assert "&lt;b&gt;it hurts&lt;/b&gt;" in page  # escaped, never rendered as markup
    feed = coordinator.get("/alerts.json").get_json()
    assert [(a["severity"], a["reason"]) for a in feed] == [
        ("emergency", "chest_pain"), ("urgent", "feeling_worse")]
    assert feed[0]["evidence"][0]["raw"] == "yes <b>it hurts</b>"


def test_a_patient_page_shows_the_whole_conversation(services, phone, coordinator) -> None:
    start_checkin(services)
    phone.text(DOB_REPLY)
    page = coordinator.get("/patients/1").get_data(as_text=True)
    assert "Hi Alex, this is your care team at Riverside Hospital" in page
    assert DOB_REPLY in page
    assert "Compared with when you left the hospital" in page
    assert coordinator.get("/patients/999").status_code == 404


def test_messages_that_failed_processing_are_listed_for_a_person(services, phone, coordinator,
                                                                  monkeypatch) -> None:
    start_checkin(services)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services.dialogue, "reply", broken)
    phone.text("I fell and hit my head")
    page = coordinator.get("/").get_data(as_text=True)
    assert "could not be processed" in page and "I fell and hit my head" in page


def test_the_patient_record_holds_the_stay_the_answers_and_the_transcript(
        services, phone, coordinator) -> None:
    start_checkin(services)
    phone.text(DOB_REPLY)
    phone.text("worse")
    page = coordinator.get("/patients/1").get_data(as_text=True)
    assert "General post-discharge check-in" in page and "TCM contact due by" in page
    assert "do you feel BETTER, the SAME, or WORSE?" in page and ">Worse<" in page  # in words
    assert "Feels worse than at discharge" in page  # the alert, linked
    assert "2026-11-24 10:00" in page  # the check-in, in the patient's own time


def test_patients_are_found_by_name_or_phone(services, coordinator) -> None:
    start_checkin(services)
    assert "Alex Rivera" in search(coordinator, "rivera")
    assert "Alex Rivera" in search(coordinator, "201-555-0123")
    assert "No patient matches" in search(coordinator, "zzz")


def test_the_checkin_board_lists_upcoming_and_unreachable(services, coordinator,
                                                          clock) -> None:
    from assistant.outreach.reminders import follow_up_silent_checkins

    start_checkin(services)
    clock.advance(hours=24)
    follow_up_silent_checkins(services)
    clock.advance(hours=24)
    follow_up_silent_checkins(services)
    page = coordinator.get("/checkins").get_data(as_text=True)
    unreachable = page[page.index("Unreachable patients"):page.index("Upcoming")]
    assert "+12015550123" in unreachable and "unreachable" in unreachable
    upcoming = page[page.index("Upcoming"):page.index("By TCM deadline")]
    assert upcoming.count("scheduled") == 2
