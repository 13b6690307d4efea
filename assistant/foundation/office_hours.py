"""When a nurse can take a transferred call: weekdays and hours, such as "Mon-Fri 08:00-17:00",
in the care team's time zone, and never on a holiday."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from assistant.foundation.business_days import BusinessCalendar

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_PATTERN = re.compile(r"^\s*(\w{3})(?:-(\w{3}))?\s+(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class OfficeHours:
    days: frozenset[int]
    opens: time
    closes: time

    def open_at(self, moment: datetime, zone: str, calendar: BusinessCalendar) -> bool:
        """`moment` is naive UTC."""
        local = moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))
        return (local.weekday() in self.days and not calendar.is_holiday(local.date())
                and self.opens <= local.time() < self.closes)

    def next_open(self, moment: datetime, zone: str, calendar: BusinessCalendar,
                  at_least: timedelta = timedelta(0), within_days: int = 21) -> datetime | None:
        """The first moment at or after `moment` (naive UTC) when these hours are open with
        `at_least` still to run before they close, as naive UTC; None if they do not open
        within `within_days`."""
        tz = ZoneInfo(zone)
        local = moment.replace(tzinfo=UTC).astimezone(tz)
        for offset in range(within_days + 1):
            day = local.date() + timedelta(days=offset)
            if day.weekday() not in self.days or calendar.is_holiday(day):
                continue
            opens = datetime.combine(day, self.opens, tz)
            closes = datetime.combine(day, self.closes, tz)
            start = max(opens, local)
            if start < closes and start + at_least <= closes:
                return start.astimezone(UTC).replace(tzinfo=None)
        return None


def parse_office_hours(text: str) -> OfficeHours:
    match = _PATTERN.match(text.lower())
    if not match or match[1] not in DAYS or (match[2] and match[2] not in DAYS):
        raise ValueError("write days and hours like Mon-Fri 08:00-17:00")
    first = DAYS.index(match[1])
    last = DAYS.index(match[2]) if match[2] else first
    opens, closes = time(int(match[3]), int(match[4])), time(int(match[5]), int(match[6]))
    if first > last or opens >= closes:
        raise ValueError("the days and hours must run forward, like Mon-Fri 08:00-17:00")
    return OfficeHours(frozenset(range(first, last + 1)), opens, closes)
