"""Safety: how many alerts the programme raises (per 100 discharges, by severity and reason),
how fast the care team acknowledges them against each severity's deadline, and how often a
nurse had to be paged again or the backup called."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import CTE, Subquery, case, func, literal, select
from sqlalchemy.orm import Session

from assistant.foundation.config import Settings
from assistant.records.models import Alert
from assistant.reporting.figures import Share, Spread
from assistant.reporting.reach import spread
from assistant.reporting.sql_time import seconds_between

SEVERITIES = ("emergency", "urgent", "routine")
# The time-to-acknowledge buckets: each one's label and upper bound in minutes.
BUCKETS = (("<5 min", 5), ("5–15 min", 15), ("15–30 min", 30), ("30–60 min", 60),
           ("1–2 h", 120), ("2–4 h", 240), ("4–8 h", 480), ("8–24 h", 1440), (">24 h", None))
BUCKET_MINUTES = tuple(bound for _, bound in BUCKETS if bound is not None)


@dataclass(frozen=True)
class AckTimes:
    severity: str
    alerts: int
    acknowledged: int
    minutes: Spread  # raised to acknowledged
    deadline_minutes: int | None  # None: routine, read in the next morning's digest
    within_deadline: Share  # of all this severity's alerts
    histogram: list[tuple[str, int]]

    @property
    def deadline_bucket(self) -> int | None:
        """How many buckets lie wholly within the deadline (where its marker goes)."""
        if self.deadline_minutes is None:
            return None
        return sum(1 for bound in BUCKET_MINUTES if bound <= self.deadline_minutes)


@dataclass(frozen=True)
class Safety:
    discharges: int
    alerts: int
    by_severity: dict[str, int]
    by_reason: list[tuple[str, str, int]]  # severity, reason, alerts; most first
    acknowledgement: list[AckTimes]
    repaged: int  # sent again past the deadline
    escalated: int  # gone on to the backup

    def per_100(self, count: int) -> float | None:
        return 100 * count / self.discharges if self.discharges else None


def deadline_minutes(settings: Settings, severity: str) -> int | None:
    return {"emergency": settings.ack_minutes_emergency,
            "urgent": settings.ack_minutes_urgent}.get(severity)


def safety(session: Session, cohort: CTE, discharges: int, settings: Settings) -> Safety:
    alerts = (select(Alert).join(cohort, cohort.c.episode_id == Alert.episode_id)
              .where(Alert.kind == "alert").subquery("alerts"))
    reasons = session.execute(
        select(alerts.c.severity, alerts.c.reason, func.count())
        .group_by(alerts.c.severity, alerts.c.reason)
        .order_by(func.count().desc(), alerts.c.severity, alerts.c.reason)).all()
    by_severity = dict.fromkeys(SEVERITIES, 0)
    for severity, _reason, count in reasons:
        by_severity[severity] = by_severity.get(severity, 0) + count
    repaged, escalated = session.execute(select(
        func.count(alerts.c.renotified_at), func.count(alerts.c.escalated_at))).one()
    taken = seconds_between(alerts.c.acknowledged_at, alerts.c.created_at)
    acknowledgement = [_ack_times(session, alerts, taken, severity, by_severity[severity],
                                  deadline_minutes(settings, severity))
                       for severity in SEVERITIES]
    return Safety(discharges, sum(by_severity.values()), by_severity,
                  [(s, r, c) for s, r, c in reasons], acknowledgement, repaged, escalated)


def _ack_times(session: Session, alerts: Subquery, taken: object, severity: str, count: int,
               deadline: int | None) -> AckTimes:
    of_severity = alerts.c.severity == severity
    minutes = spread(session, select(taken / 60).where(  # type: ignore[operator]
        of_severity, alerts.c.acknowledged_at.is_not(None)))
    bucket = case(*[(taken < bound * 60, literal(index))  # type: ignore[operator]
                    for index, bound in enumerate(BUCKET_MINUTES)],
                  else_=literal(len(BUCKET_MINUTES)))
    counts = dict(session.execute(
        select(bucket, func.count()).where(of_severity, alerts.c.acknowledged_at.is_not(None))
        .group_by(bucket)).all())
    histogram = [(label, int(counts.get(index, 0))) for index, (label, _) in enumerate(BUCKETS)]
    within = 0
    if deadline is not None:
        within = session.scalar(select(func.count()).where(
            of_severity, alerts.c.acknowledged_at.is_not(None),
            taken <= deadline * 60)) or 0  # type: ignore[operator]
    return AckTimes(severity, count, minutes.n, minutes, deadline, Share(within, count),
                    histogram)
