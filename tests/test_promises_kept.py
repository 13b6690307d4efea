"""What a second review of issue 16 found, kept as regressions: "a nurse will call you
today/tomorrow/on Monday" against the roster."""

from __future__ import annotations

from datetime import datetime

import pytest

from assistant.care_team.promises import Promises, on_duty
from assistant.care_team.roster import RosterError, add_user, on_call_now
from assistant.records.db import transaction

THANKSGIVING_10AM = datetime(2026, 11, 26, 15, 0)  # Thursday 26 Nov 2026, 10:00 New York


def _nurse(session, services, hours: str, now: datetime, name: str = "nina"):  # type: ignore[no-untyped-def]
    return add_user(session, services.settings, username=name, name=name.title(),
                    role="coordinator", phone="+12015550777", email=None, on_call=hours,
                    now=now, actor="test")


def test_the_nurse_on_call_every_day_is_on_duty_on_a_holiday(services) -> None:
    """A 7-day on-call rota covers Thanksgiving; the patient with an urgent sign must hear
    "today", and the header must show who is on call."""
    with transaction(services.sessions) as session:
        _nurse(session, services, "Mon-Sun 08:00-20:00", THANKSGIVING_10AM)
        promise = Promises(services.settings).for_severity(
            session, "urgent", "America/New_York", THANKSGIVING_10AM)
        duty = on_duty(session, services.settings, THANKSGIVING_10AM)
        paged = on_call_now(session, services.settings, THANKSGIVING_10AM)
    assert paged is not None  # the page goes out now (fallback to the first coordinator)...
    assert (promise.day, [u.username for u in duty]) == ("today", ["nina"]), promise
    # ...while the patient is told "tomorrow" and the header says nobody is on call.


def test_a_night_on_call_shift_crossing_midnight_can_be_entered(services) -> None:
    """The usual night rota (20:00-08:00) cannot be written: the roster refuses it, so the
    only way to cover nights is "always", and the promise can no longer be honest about
    the hours nobody is on duty."""
    now = datetime(2026, 11, 24, 15, 0)
    with transaction(services.sessions) as session:
        try:
            _nurse(session, services, "Mon-Sun 20:00-08:00", now)
        except RosterError as exc:
            pytest.fail(f"refused: {exc}")


def test_a_new_urgent_request_merged_into_an_acknowledged_alert_pages_someone(
        services, clock, phone) -> None:
    """Night: "can a nurse call me" -> routine alert (no page at night), acknowledged in the
    morning but not yet resolved. At 10:00 the patient asks again, now feeling worse: they are
    told "a nurse will call you today", the request is merged into the acknowledged alert as
    evidence, and nobody is paged."""
    from datetime import timedelta

    from sqlalchemy import select

    from assistant.care_team.alert_lifecycle import acknowledge
    from assistant.care_team.mailer import Mailer
    from assistant.care_team.notifications import Notifier
    from assistant.records.models import Alert, User
    from tests.helpers import enroll_patient

    with transaction(services.sessions) as session:
        _nurse(session, services, "Mon-Fri 08:00-17:00", clock.now)
    enroll_patient(services)
    clock.now = datetime(2026, 11, 25, 3, 0)  # Tuesday 22:00 New York
    phone.text("Can a nurse call me please")
    clock.now = datetime(2026, 11, 25, 14, 0)  # Wednesday 09:00
    with transaction(services.sessions) as session:
        alert = session.scalars(select(Alert).where(Alert.reason == "asked_for_person")).one()
        assert alert.severity == "routine"
        acknowledge(session, alert, session.scalars(select(User)).one(), clock.now)
    clock.advance(hours=1)
    replies = phone.text("I need to talk to a nurse, I feel much worse")
    assert any("today" in reply for reply in replies), replies
    clock.advance(minutes=1)
    report = Notifier(services, Mailer(services.settings)).run()
    with services.sessions() as session:
        alerts = session.scalars(select(Alert).where(Alert.kind == "alert")).all()
        shown = [(a.reason, a.severity, a.status, a.notified_at) for a in alerts]
    assert report.notified, f"promised 'today', nobody paged: {shown}"
    del timedelta
