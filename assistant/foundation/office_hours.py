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
    """Days and hours; hours that close before they open run overnight ("Mon-Sun
    20:00-08:00": from 20:00 on each listed day until 08:00 the next morning)."""

    days: frozenset[int]
    opens: time
    closes: time

    @property
    def overnight(self) -> bool:
        return self.closes <= self.opens

    def _windows(self, local: datetime, calendar: BusinessCalendar | None,
                 within_days: int) -> list[tuple[datetime, datetime]]:
        """Open windows (local, aware) starting from the day before `local`'s date. With no
        `calendar`, holidays are working days (on-call rotas cover them)."""
        tz = local.tzinfo
        windows = []
        for offset in range(-1, within_days + 1):
            day = local.date() + timedelta(days=offset)
            if day.weekday() not in self.days or (calendar and calendar.is_holiday(day)):
                continue
            end_day = day + timedelta(days=1) if self.overnight else day
            windows.append((datetime.combine(day, self.opens, tz),
                            datetime.combine(end_day, self.closes, tz)))
        return windows

    def open_at(self, moment: datetime, zone: str, calendar: BusinessCalendar | None) -> bool:
        """`moment` is naive UTC. `calendar` None: open on holidays too."""
        local = moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))
        return any(start <= local < end for start, end in self._windows(local, calendar, 0))

    def next_open(self, moment: datetime, zone: str, calendar: BusinessCalendar | None,
                  at_least: timedelta = timedelta(0), within_days: int = 21) -> datetime | None:
        """The first moment at or after `moment` (naive UTC) when these hours are open with
        `at_least` still to run before they close, as naive UTC; None if they do not open
        within `within_days`. `calendar` None: open on holidays too."""
        local = moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))
        for opens, closes in self._windows(local, calendar, within_days):
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
    if opens == closes:
        raise ValueError("the hours open and close at the same time; write 'always' for round "
                         "the clock, or hours like Mon-Fri 08:00-17:00 (or 20:00-08:00 for a "
                         "night)")
    # A range may wrap the week ("Fri-Mon"); hours may run overnight ("20:00-08:00").
    days = range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
    return OfficeHours(frozenset(days), opens, closes)
