"""Times in the patient's own zone: stored as naive UTC, shown with the patient's offset, and
moved into the hours a patient may be contacted. Here rather than in scheduling because the
care team's screens and escalation need them too, and they know nothing of flows."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def to_utc_naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def local_iso(moment: datetime | None, zone: str) -> str | None:
    """ISO 8601 with the patient's UTC offset, e.g. 2026-11-24T10:00:00-05:00."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).isoformat(timespec="seconds")


def local_today(now: datetime, zone: str) -> date:
    """The calendar day it is now (naive UTC `now`) in `zone`."""
    return now.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).date()


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
