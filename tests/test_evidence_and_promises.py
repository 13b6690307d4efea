"""What a nurse reads on an alert is what raised it, and what the patient is told is what the
alert's severity and the on-call roster will deliver."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from assistant.care_team.roster import add_user
from assistant.records.db import transaction
from assistant.records.models import Alert
from tests.helpers import DOB_REPLY, start_checkin


def _alert(services, reason: str) -> Alert:  # type: ignore[no-untyped-def]
    with services.sessions() as session:
        alert = session.scalars(select(Alert).where(Alert.reason == reason)).one()
        session.expunge(alert)
        return alert


def _roster(services, clock, hours: str) -> None:  # type: ignore[no-untyped-def]
    with transaction(services.sessions) as session:
        add_user(session, services.settings, username="nina", name="Nina Park",
                 role="coordinator", phone="+12015550160", email=None, on_call=hours, now=clock.now,
                 actor="test")


def test_breathing_worse_quotes_the_yes_that_raised_it_before_the_at_rest_no(
        services, phone) -> None:
    start_checkin(services)
    for reply in (DOB_REPLY, "same", "no"):
        phone.text(reply)
    phone.text("yes a bit harder to breathe walking")
    phone.text("no im sitting in my chair its fine")
    evidence = _alert(services, "breathing_worse").evidence
    assert [item["raw"] for item in evidence] == [
        "yes a bit harder to breathe walking", "no im sitting in my chair its fine"]
    assert evidence[0]["asked"] == "Are you more short of breath than usual?"
    assert evidence[0]["answer"] == "Yes"
    assert evidence[1]["asked"] == "Are you short of breath right now, even while resting?"
    assert evidence[1]["answer"] == "No"


def test_side_effects_show_what_the_patient_described(services, phone) -> None:
    start_checkin(services)
    for reply in (DOB_REPLY, "same", "no", "no", "no", "yes"):
        phone.text(reply)
    replies = phone.text("yes")  # side effects
    assert "what is happening" in replies[-1].lower()
    phone.text("my stomach is upset after the new pill")
    evidence = _alert(services, "side_effects").evidence
    assert evidence[0]["answer"] == "Yes"
    assert evidence[-1]["raw"] == "my stomach is upset after the new pill"
    assert evidence[-1]["asked"] == "Please tell us briefly what is happening."


def test_a_request_for_a_call_in_the_day_is_urgent_and_promised_today(
        services, phone, clock) -> None:
    _roster(services, clock, "Mon-Fri 08:00-17:00")
    start_checkin(services)
    for reply in (DOB_REPLY, "same", "no", "no", "no", "yes", "no", "yes", "yes", "0", "0"):
        phone.text(reply)
    replies = phone.text("yes")  # would you like a nurse to call?
    assert any("will call you today" in reply for reply in replies)
    assert _alert(services, "patient_question").severity == "urgent"


def test_a_request_for_a_call_at_night_waits_for_the_morning_and_says_so(
        services, phone, clock) -> None:
    _roster(services, clock, "Mon-Fri 08:00-17:00")
    clock.now = datetime(2026, 11, 25, 1, 30)  # Tuesday 20:30 in New York
    start_checkin(services)
    for reply in (DOB_REPLY, "same", "no", "no", "no", "yes", "no", "yes", "yes", "0", "0"):
        phone.text(reply)
    replies = phone.text("yes")
    assert any("will call you tomorrow" in reply for reply in replies)
    assert not any("today" in reply for reply in replies)
    assert _alert(services, "patient_question").severity == "routine"


def test_an_urgent_sign_on_a_friday_evening_is_promised_for_monday(
        services, phone, clock) -> None:
    """Urgent alerts still go out at once, but the patient is not told "today" when nobody
    is on call until Monday; they are told to call 911 if it gets worse."""
    _roster(services, clock, "Mon-Fri 08:00-17:00")
    clock.now = datetime(2026, 11, 27, 23, 0)  # Friday 18:00 in New York
    start_checkin(services)
    phone.text(DOB_REPLY)
    replies = phone.text("worse")
    assert any("will call you on Monday" in reply for reply in replies)
    assert _alert(services, "feeling_worse").severity == "urgent"


def test_in_spanish_the_day_is_spanish(services, phone, clock) -> None:
    from assistant.records.models import Patient

    _roster(services, clock, "Mon-Fri 08:00-17:00")
    clock.now = datetime(2026, 11, 25, 1, 30)
    start_checkin(services)
    with transaction(services.sessions) as session:
        session.scalars(select(Patient)).one().language = "es"
    phone.text(DOB_REPLY)
    replies = phone.text("peor")
    assert any("le llamará mañana" in reply for reply in replies)
