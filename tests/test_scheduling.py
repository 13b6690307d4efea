"""When check-ins are due: business days, holidays, the patient's own clock, daylight saving."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from assistant.conversation.flow_loader import load_flow_file
from assistant.conversation.flows import Flow, PlannedContact
from assistant.conversation.prompts import PromptCatalogue
from assistant.foundation.business_days import BusinessCalendar
from assistant.foundation.config import PROJECT_ROOT
from assistant.outreach.scheduling import plan_checkins, tcm_deadline

US = BusinessCalendar("US")
GENERAL = load_flow_file(PROJECT_ROOT / "flows" / "general.yaml",
                         PromptCatalogue.load(PROJECT_ROOT / "prompts"))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC).replace(tzinfo=None)


def local(moment: datetime, zone: str) -> str:
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).isoformat(timespec="minutes")


def one_contact(**kwargs) -> Flow:  # type: ignore[no-untyped-def]
    return Flow("f", "f", ("en",), {}, (), (PlannedContact(**kwargs),), {})


def test_friday_evening_before_a_monday_holiday() -> None:
    # Friday 4 September 2026, 18:30 in Chicago; Monday 7 September is Labor Day.
    discharged = utc("2026-09-04T18:30-05:00")
    first, *_ = plan_checkins(GENERAL, discharged, "America/Chicago", US)
    assert local(first.due_at, "America/Chicago") == "2026-09-08T10:00-05:00"  # Tuesday
    deadline = tcm_deadline(discharged, "America/Chicago", US)
    assert local(deadline, "America/Chicago") == "2026-09-09T23:59-05:00"  # Wednesday
    assert first.due_at < deadline


def test_weekends_are_not_business_days_but_calendar_days_count_them() -> None:
    discharged = utc("2026-11-20T14:00-05:00")  # Friday
    business = plan_checkins(one_contact(label="b", day=2, at="10:00", channel="sms",
                                         business_days=True), discharged, "America/New_York", US)
    calendar = plan_checkins(one_contact(label="c", day=2, at="10:00", channel="sms"),
                             discharged, "America/New_York", US)
    assert local(business[0].due_at, "America/New_York").startswith("2026-11-24T10:00")
    assert local(calendar[0].due_at, "America/New_York").startswith("2026-11-22T10:00")


def test_thanksgiving_is_skipped_and_a_calendar_can_be_weekends_only() -> None:
    assert US.add(date(2026, 11, 25), 1) == date(2026, 11, 27)
    assert BusinessCalendar("").add(date(2026, 11, 25), 1) == date(2026, 11, 26)
    assert BusinessCalendar("US-CA").is_business_day(date(2026, 3, 31)) is False  # Chavez Day


def test_due_times_are_in_the_patients_own_time_zone() -> None:
    discharged = utc("2026-11-23T12:00-08:00")
    first, *_ = plan_checkins(GENERAL, discharged, "America/Los_Angeles", US)
    assert first.due_at == datetime(2026, 11, 24, 18, 0)  # 10:00 in Los Angeles


def test_both_daylight_saving_changes_keep_ten_oclock_local() -> None:
    spring = plan_checkins(one_contact(label="s", day=1, at="10:00", channel="sms"),
                           utc("2026-03-07T12:00-05:00"), "America/New_York", US)
    autumn = plan_checkins(one_contact(label="a", day=1, at="10:00", channel="sms"),
                           utc("2026-10-31T12:00-04:00"), "America/New_York", US)
    assert spring[0].due_at == datetime(2026, 3, 8, 14, 0)  # EDT from 2 a.m. that morning
    assert autumn[0].due_at == datetime(2026, 11, 1, 15, 0)  # EST from 2 a.m. that morning


def test_a_time_outside_allowed_hours_moves_to_the_next_opening() -> None:
    late = plan_checkins(one_contact(label="l", day=0, at="22:30", channel="sms"),
                         utc("2026-11-23T12:00-05:00"), "America/New_York", US)
    narrow = plan_checkins(one_contact(label="n", day=1, at="08:30", channel="sms"),
                           utc("2026-11-23T12:00-05:00"), "America/New_York", US,
                           start_hour=10, end_hour=18)
    assert local(late[0].due_at, "America/New_York") == "2026-11-24T08:00-05:00"
    assert local(narrow[0].due_at, "America/New_York") == "2026-11-24T10:00-05:00"


def test_a_late_enrolment_is_due_now_not_in_the_past() -> None:
    discharged = utc("2026-11-16T12:00-05:00")
    now = utc("2026-11-20T11:00-05:00")
    first, *_ = plan_checkins(GENERAL, discharged, "America/New_York", US, not_before=now)
    assert first.due_at == now
