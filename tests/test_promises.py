"""Every promise a shipped flow makes to a patient is one the alert's severity and the roster
will keep: a test walks every rule of every flow, in both languages and on both channels, at
the hours that matter (a weekday morning, a weekday evening, a Friday evening, a weekend with
nobody on the roster)."""

from __future__ import annotations

import re
from datetime import datetime
from types import SimpleNamespace

import pytest

from assistant.care_team.promises import Promises, on_duty
from assistant.care_team.roster import add_user
from assistant.records.db import transaction

WEEKDAY_HOURS = "Mon-Fri 08:00-17:00"
# (label, UTC moment, the roster, the day an urgent call comes, the day a routine one comes)
SCENARIOS = [
    ("Tuesday 10:00", datetime(2026, 11, 24, 15, 0), WEEKDAY_HOURS, "today", "tomorrow"),
    ("Tuesday 16:30", datetime(2026, 11, 24, 21, 30), WEEKDAY_HOURS, "tomorrow", "tomorrow"),
    ("Tuesday 20:30", datetime(2026, 11, 25, 1, 30), WEEKDAY_HOURS, "tomorrow", "tomorrow"),
    ("Friday 18:00", datetime(2026, 11, 27, 23, 0), WEEKDAY_HOURS, "monday", "monday"),
    ("Saturday, round the clock", datetime(2026, 11, 28, 15, 0), "always", "today", "monday"),
    ("Saturday, nobody", datetime(2026, 11, 28, 15, 0), None, "monday", "monday"),
]
FIXED_DAYS = re.compile(r"\b(today|tomorrow|tonight|hoy|mañana|esta noche)\b", re.I)


@pytest.mark.parametrize(("label", "now", "hours", "urgent_day", "routine_day"), SCENARIOS,
                         ids=[s[0] for s in SCENARIOS])
def test_every_rule_promises_what_the_roster_delivers(services, label: str, now: datetime,
                                                      hours: str | None, urgent_day: str,
                                                      routine_day: str) -> None:
    promises = Promises(services.settings)
    wording = services.dialogue.wording
    with transaction(services.sessions) as session:
        if hours:
            add_user(session, services.settings, username="nina", name="Nina", role="coordinator",
                     phone="+12015550160", email=None, on_call=hours, now=now, actor="test")
        checked = 0
        for flow in services.flows.flows.values():
            for rule in flow.rules:
                promise = promises.for_severity(session, rule.severity, "America/New_York", now,
                                                rule.off_duty)
                expected = {"urgent": urgent_day, "routine": routine_day,
                            "emergency": "today"}[promise.severity]
                assert promise.day == expected, (flow.id, rule.id, label)
                if rule.off_duty == "routine":  # urgent only when a nurse calls the same day
                    assert promise.severity == ("urgent" if urgent_day == "today" else "routine")
                if promise.severity == "urgent" and promise.day == "today" and hours:
                    # Someone on the roster is on duty when the call is promised.
                    assert on_duty(session, services.settings, promise.call_from), (flow.id,
                                                                                    rule.id)
                if not rule.say:
                    continue
                for language in flow.languages:
                    patient = SimpleNamespace(language=language, first_name="Alex")
                    when = wording.when_words(promise, patient)  # type: ignore[arg-type]
                    for channel in ("sms", "voice"):
                        template = wording.prompts.languages[language][rule.say].for_channel(
                            channel)
                        said = wording.say(rule.say, patient, channel, flow, when=when)  # type: ignore[arg-type]
                        if promise.severity == "emergency":
                            assert "911" in said or "988" in said, (flow.id, rule.id)
                        # A day is promised only through {when}, never written in.
                        assert not FIXED_DAYS.search(template.replace("{when}", "")), (
                            flow.id, rule.id, language, template)
                        if "{when}" in template:
                            assert when in said
                        checked += 1
        assert checked > 100


def test_a_request_for_a_call_is_urgent_by_day_and_waits_for_the_morning_by_night(
        services) -> None:
    promises = Promises(services.settings)
    with transaction(services.sessions) as session:
        add_user(session, services.settings, username="nina", name="Nina", role="coordinator",
                 phone="+12015550160", email=None, on_call=WEEKDAY_HOURS,
                 now=datetime(2026, 11, 24, 15, 0), actor="test")
        day = promises.for_severity(session, "urgent", "America/New_York",
                                    datetime(2026, 11, 24, 15, 0), "routine")
        early = promises.for_severity(session, "urgent", "America/New_York",
                                      datetime(2026, 11, 24, 11, 0), "routine")  # 06:00
        night = promises.for_severity(session, "urgent", "America/New_York",
                                      datetime(2026, 11, 25, 3, 0), "routine")
    assert (day.severity, day.day) == ("urgent", "today")
    assert (early.severity, early.day) == ("urgent", "today")  # a nurse starts at 08:00
    assert (night.severity, night.day) == ("routine", "tomorrow")


def test_a_patient_in_another_zone_hears_their_own_day(services) -> None:
    """A Hawaii patient at 16:00 their time is already past the New York team's day."""
    promises = Promises(services.settings)
    with transaction(services.sessions) as session:
        add_user(session, services.settings, username="nina", name="Nina", role="coordinator",
                 phone="+12015550160", email=None, on_call=WEEKDAY_HOURS,
                 now=datetime(2026, 11, 24, 15, 0), actor="test")
        promise = promises.for_severity(session, "urgent", "Pacific/Honolulu",
                                        datetime(2026, 11, 25, 2, 0))  # Tue 16:00 in Honolulu
    assert promise.day == "tomorrow"  # Wednesday 08:00 in New York is Wednesday 03:00 there
