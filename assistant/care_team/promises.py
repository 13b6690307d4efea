"""When a nurse will really call: the one answer every promise to a patient is worded from.

An urgent alert is paged at once to whoever is on call, so a nurse calls the same day only if
someone is on call now with time left in their shift (at least the urgent acknowledgement
window); otherwise the call comes when the next shift starts. A routine alert is read on the
next business day. The patient hears the day this computes ("today", "tomorrow", "on Monday"),
in their own time zone, and never a day the roster cannot keep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.foundation.business_days import BusinessCalendar
from assistant.foundation.config import Settings
from assistant.foundation.office_hours import parse_office_hours
from assistant.records.models import User


@dataclass(frozen=True)
class CallPromise:
    """What a patient may be told: the alert's severity and when a nurse can first call."""

    severity: str
    call_from: datetime | None  # naive UTC; None: nobody on the roster can ever call
    day: str  # "today" | "tomorrow" | a weekday name in English ("monday"), or "" if unknown


class Promises:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.calendar = BusinessCalendar(settings.holiday_calendar)
        self.office_hours = parse_office_hours(settings.office_hours)

    def for_severity(self, session: Session, severity: str, patient_zone: str,
                     now: datetime, off_duty: str | None = None) -> CallPromise:
        """`off_duty="routine"`: an urgent alert that becomes routine when no nurse can call
        the same day (the patient's own request for a call, at night)."""
        if severity == "emergency":
            return CallPromise("emergency", now, "today")
        if severity == "urgent":
            start = self.next_urgent_call(session, now)
            same_day = start is not None and (_local_day(start, patient_zone)
                                              == _local_day(now, patient_zone))
            if off_duty != "routine" or same_day:
                return CallPromise("urgent", start, self._day_word(start, patient_zone, now))
        start = self.next_business_day_opening(now)
        return CallPromise("routine", start, self._day_word(start, patient_zone, now))

    def next_urgent_call(self, session: Session, now: datetime) -> datetime | None:
        """The first moment a coordinator on the roster is on duty with the urgent
        acknowledgement window still ahead of them (now, if one is)."""
        margin = timedelta(minutes=self.settings.ack_minutes_urgent)
        zone = self.settings.default_timezone
        starts = []
        for hours in on_call_hours(session):
            if hours == "always":
                return now
            # On-call rotas cover holidays; office hours (below) do not.
            start = parse_office_hours(hours).next_open(now, zone, None, margin)
            if start is not None:
                starts.append(start)
        if starts:
            return min(starts)
        # Nobody on the roster: the team's own line is what the patient can count on.
        return self.office_hours.next_open(now, zone, self.calendar, margin)

    def next_business_day_opening(self, now: datetime) -> datetime | None:
        """Routine items are read in office hours on a business day after today."""
        zone = ZoneInfo(self.settings.default_timezone)
        local = now.replace(tzinfo=UTC).astimezone(zone)
        tomorrow = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), zone)
        return self.office_hours.next_open(tomorrow.astimezone(UTC).replace(tzinfo=None),
                                           self.settings.default_timezone, self.calendar)

    @staticmethod
    def _day_word(moment: datetime | None, zone: str, now: datetime) -> str:
        if moment is None:
            return ""
        days = (_local_day(moment, zone) - _local_day(now, zone)).days
        if days <= 0:
            return "today"
        if days == 1:
            return "tomorrow"
        return _local_day(moment, zone).strftime("%A").lower()


def on_call_hours(session: Session) -> list[str]:
    """Each active coordinator's on-call hours, of those who can be paged (a phone or an
    e-mail): a nurse nobody can reach makes no promise."""
    return list(session.scalars(select(User.on_call).where(
        User.role == "coordinator", User.active.is_(True),
        (User.phone.is_not(None)) | (User.email.is_not(None))).order_by(User.id)))


def on_duty(session: Session, settings: Settings, now: datetime) -> list[User]:
    """Who is on duty at this moment, by their own hours (no fallback)."""
    users = session.scalars(select(User).where(
        User.role == "coordinator", User.active.is_(True)).order_by(User.id))
    return [user for user in users if user.on_call == "always" or parse_office_hours(
        user.on_call).open_at(now, settings.default_timezone, None)]


def _local_day(moment: datetime, zone: str):  # type: ignore[no-untyped-def]
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).date()
