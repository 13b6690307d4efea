"""When each check-in is due: days after discharge, at a local time, inside allowed hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .business_days import BusinessCalendar
from .flows import Flow


@dataclass(frozen=True)
class PlannedCheckIn:
    label: str
    due_at: datetime  # naive UTC
    channel: str
    fallback: str | None = None


def to_utc_naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def local_iso(moment: datetime | None, zone: str) -> str | None:
    """ISO 8601 with the patient's UTC offset, e.g. 2026-11-24T10:00:00-05:00."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).isoformat(timespec="seconds")


def into_allowed_hours(local: datetime, start_hour: int, end_hour: int) -> datetime:
    """Move a local time forward to the next moment the patient may be contacted
    (`end_hour` 24 means until midnight)."""
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    opening = midnight.replace(hour=start_hour)
    closing = midnight + timedelta(hours=end_hour)
    if local < opening:
        return opening
    if local >= closing:
        next_day = (local + timedelta(days=1)).date()
        return datetime.combine(next_day, time(start_hour), tzinfo=local.tzinfo)
    return local


def plan_checkins(
    flow: Flow, discharged_at: datetime, time_zone: str, calendar: BusinessCalendar,
    start_hour: int = 8, end_hour: int = 21, not_before: datetime | None = None,
) -> list[PlannedCheckIn]:
    """Due times for the flow's schedule; `discharged_at` and `not_before` are naive UTC."""
    zone = ZoneInfo(time_zone)
    discharge_local = discharged_at.replace(tzinfo=UTC).astimezone(zone)
    earliest = (not_before or discharged_at).replace(tzinfo=UTC).astimezone(zone)
    planned = []
    for contact in flow.schedule:
        hour, minute = map(int, contact.at.split(":"))
        if contact.business_days:
            day = calendar.add(discharge_local.date(), contact.day)
        else:
            day = discharge_local.date() + timedelta(days=contact.day)
        # Wall-clock time in the patient's zone: zoneinfo picks the right offset on either
        # side of a daylight-saving change.
        local = datetime.combine(day, time(hour, minute), tzinfo=zone)
        local = into_allowed_hours(max(local, earliest), start_hour, end_hour)
        planned.append(PlannedCheckIn(contact.label, to_utc_naive(local), contact.channel,
                                      contact.fallback))
    return planned


def tcm_deadline(discharged_at: datetime, time_zone: str, calendar: BusinessCalendar,
                 business_days: int = 2) -> datetime:
    """End of the second business day after discharge, in the patient's zone (naive UTC)."""
    zone = ZoneInfo(time_zone)
    discharge_day = discharged_at.replace(tzinfo=UTC).astimezone(zone).date()
    last_day = calendar.add(discharge_day, business_days)
    return to_utc_naive(datetime.combine(last_day, time(23, 59), tzinfo=zone))
