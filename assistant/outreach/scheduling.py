"""When each check-in is due: days after discharge, at a local time, inside allowed hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from assistant.conversation.flows import Flow
from assistant.foundation.business_days import BusinessCalendar
from assistant.foundation.local_time import into_allowed_hours, to_utc_naive


@dataclass(frozen=True)
class PlannedCheckIn:
    label: str
    due_at: datetime  # naive UTC
    channel: str
    fallback: str | None = None


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
