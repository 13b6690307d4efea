"""Which discharges a report is about: those discharged between two dates (inclusive, in the
programme's time zone, as a manager reads a calendar), optionally of one flow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import CTE, Select, and_, exists, select

from assistant.records.models import CheckIn, Episode, Patient

DEFAULT_DAYS = 90


class ScopeError(ValueError):
    """A period or flow a report cannot be about, said so the reader can fix it."""


@dataclass(frozen=True)
class ReportScope:
    start: date
    end: date
    flow: str | None = None
    time_zone: str = "America/New_York"

    @classmethod
    def chosen(cls, start: date | None, end: date | None, flow: str | None, *, today: date,
               time_zone: str) -> ReportScope:
        """The period asked for; without dates, the 90 days up to today."""
        end = end or today
        start = start or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise ScopeError(f"the period starts ({start}) after it ends ({end})")
        return cls(start, end, flow or None, time_zone)

    @classmethod
    def from_text(cls, start: str | None, end: str | None, flow: str | None, *, today: date,
                  time_zone: str, known_flows: list[str]) -> ReportScope:
        """From a form or the command line: days as YYYY-MM-DD, a flow by its id."""
        if flow and flow not in known_flows:
            raise ScopeError(f"unknown flow {flow!r} (known flows: {', '.join(known_flows)})")
        return cls.chosen(_day(start, "from"), _day(end, "to"), flow, today=today,
                          time_zone=time_zone)

    @property
    def utc_bounds(self) -> tuple[datetime, datetime]:
        """[first moment, first moment after] of the period, as stored (naive UTC)."""
        zone = ZoneInfo(self.time_zone)

        def utc(day: date) -> datetime:
            return datetime.combine(day, time(), zone).astimezone(UTC).replace(tzinfo=None)

        return utc(self.start), utc(self.end + timedelta(days=1))

    def utc_offsets(self) -> list[tuple[datetime | None, int]]:
        """The team's clock over the period, in pieces: (until this UTC moment, seconds ahead
        of UTC), the last piece's `until` None. A piece a DST change ends, so a local day or
        week can be read from a stored UTC time in SQL."""
        zone = ZoneInfo(self.time_zone)
        low, high = self.utc_bounds

        def offset(moment: datetime) -> int:
            local = moment.replace(tzinfo=UTC).astimezone(zone)
            return int(local.utcoffset().total_seconds())  # type: ignore[union-attr]

        pieces: list[tuple[datetime | None, int]] = []
        current, moment = offset(low), low
        while moment < high:  # day by day, then to the quarter hour where the clock changed
            step = min(moment + timedelta(days=1), high)
            if offset(step) != current:
                step = moment + timedelta(minutes=15)
                while offset(step) == current:
                    step += timedelta(minutes=15)
                pieces.append((step, current))
                current = offset(step)
            moment = step
        return [*pieces, (None, current)]

    @property
    def label(self) -> str:
        flow = f", flow {self.flow}" if self.flow else ""
        return f"discharged {self.start.isoformat()} to {self.end.isoformat()}{flow}"

    def cohort(self) -> CTE:
        """The discharges, named once in a statement however many parts read them."""
        return self.episodes().cte("cohort")

    def episodes(self) -> Select[tuple[int, str, str]]:
        """The cohort's select: episode id, flow and the patient's language."""
        low, high = self.utc_bounds
        # A discharge the hospital withdrew (ADT A13; A11 for its visit) never sent the
        # patient home: its check-ins were all cancelled for that reason, none went ahead.
        withdrawn = and_(
            exists().where(CheckIn.episode_id == Episode.id,
                           CheckIn.cancel_reason == "hospital_cancelled"),
            ~exists().where(CheckIn.episode_id == Episode.id, CheckIn.status != "cancelled"))
        query = (select(Episode.id.label("episode_id"), Episode.flow_id.label("flow"),
                        Patient.language.label("language"))
                 .join(Patient, Patient.id == Episode.patient_id)
                 .where(Episode.discharged_at >= low, Episode.discharged_at < high, ~withdrawn))
        if self.flow:
            query = query.where(Episode.flow_id == self.flow)
        return query


def _day(text: str | None, name: str) -> date | None:
    if not text or not text.strip():
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ScopeError(f"{name} {text.strip()[:40]!r} is not a day; write it like "
                         "2026-09-01") from None
    if not date(2000, 1, 1) <= day <= date(2100, 12, 31):
        raise ScopeError(f"{name} {day} is outside the years a report can cover")
    return day
