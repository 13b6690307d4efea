"""Business days: weekends and public holidays (US federal by default) are not working days.

The TCM deadline and check-ins planned "N business days after discharge" count these, so a
Friday-evening discharge before a Monday holiday is first contacted on Tuesday.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays


class BusinessCalendar:
    """`calendar` is a country code with an optional subdivision ("US", "US-CA"), or "" for
    weekends only."""

    def __init__(self, calendar: str = "US") -> None:
        self.calendar = calendar

    def is_holiday(self, day: date) -> bool:
        return _is_holiday(self.calendar, day)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and not self.is_holiday(day)

    def add(self, start: date, business_days: int) -> date:
        """The `business_days`-th business day after `start` (0: `start` or the next one)."""
        day = start
        if business_days == 0:
            while not self.is_business_day(day):
                day += timedelta(days=1)
            return day
        counted = 0
        while counted < business_days:
            day += timedelta(days=1)
            if self.is_business_day(day):
                counted += 1
        return day


def check_calendar(calendar: str) -> None:
    """Raise ValueError with a clear message when the calendar name is unknown."""
    if not calendar:
        return
    country, _, subdivision = calendar.partition("-")
    try:
        holidays.country_holidays(country, subdiv=subdivision or None)
    except NotImplementedError as exc:
        raise ValueError(f"holiday calendar {calendar!r} is unknown; use a country code such "
                         "as US, optionally with a subdivision such as US-CA, or leave it "
                         "empty for weekends only") from exc


@cache
def _is_holiday(calendar: str, day: date) -> bool:
    """Shared by every calendar object: building the holidays of a year is slow, and an
    import of thousands of discharges asks about the same few weeks again and again."""
    return day in _holidays(calendar)


@cache
def _holidays(calendar: str) -> holidays.HolidayBase | dict:
    if not calendar:
        return {}
    country, _, subdivision = calendar.partition("-")
    return holidays.country_holidays(country, subdiv=subdivision or None)
