"""Outcomes: 30-day readmissions of the patients reached against those never reached, with
the difference's 95% confidence interval, and a plain warning that this compares groups that
were never randomised: patients who answer texts differ from those who do not in ways that
alone change readmissions."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Subquery, case, func, select
from sqlalchemy.orm import Session

from assistant.reporting.episode_facts import READMISSION_DAYS
from assistant.reporting.figures import Share

Z_95 = 1.959963984540054
WARNING = ("Observational, not a trial: patients who answer a check-in differ from those who "
           "do not (health, age, support at home, a working phone), and those differences "
           "alone change readmissions. A gap between these groups is not the programme's "
           "effect; only a randomised comparison shows that.")


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def wilson(count: int, of: int, z: float = Z_95) -> Interval:
    """The Wilson score interval of a proportion: sound at small counts and near 0 or 1,
    where the textbook p ± z·SE interval strays outside 0..1."""
    if of == 0:
        return Interval(0.0, 1.0)
    p = count / of
    centre = p + z * z / (2 * of)
    half = z * math.sqrt(p * (1 - p) / of + z * z / (4 * of * of))
    scale = 1 + z * z / of
    return Interval((centre - half) / scale, (centre + half) / scale)


def difference_interval(first: Share, second: Share, z: float = Z_95) -> Interval | None:
    """Newcombe's hybrid score interval for first.rate − second.rate (his method 10, 1998),
    built from each group's Wilson interval."""
    if not first.of or not second.of:
        return None
    p1, p2 = first.count / first.of, second.count / second.of
    one, two = wilson(first.count, first.of, z), wilson(second.count, second.of, z)
    difference = p1 - p2
    return Interval(difference - math.sqrt((p1 - one.low) ** 2 + (two.high - p2) ** 2),
                    difference + math.sqrt((one.high - p1) ** 2 + (p2 - two.low) ** 2))


@dataclass(frozen=True)
class Outcomes:
    eligible: int  # discharged at least 30 days ago: their 30 days are over
    too_recent: int  # the rest of the period's discharges, not yet counted
    reached: Share  # readmitted within 30 days, of those reached
    not_reached: Share  # readmitted within 30 days, of those never reached
    warning: str = WARNING

    @property
    def difference(self) -> float | None:
        if self.reached.rate is None or self.not_reached.rate is None:
            return None
        return self.reached.rate - self.not_reached.rate

    @property
    def interval(self) -> Interval | None:
        return difference_interval(self.reached, self.not_reached)


def outcomes(session: Session, facts: Subquery, now: datetime) -> Outcomes:
    cutoff = now - timedelta(days=READMISSION_DAYS)
    # One expression object in both places: PostgreSQL matches GROUP BY to the select list
    # by its text, bound parameters' names included.
    over = case((facts.c.discharged_at <= cutoff, 1), else_=0)
    rows = session.execute(
        select(over, facts.c.reached, func.count(),
               func.coalesce(func.sum(facts.c.readmitted_30), 0))
        .group_by(over, facts.c.reached)).all()
    counts = {(int(eligible), int(reached)): (int(n), int(readmitted))
              for eligible, reached, n, readmitted in rows}
    reached_n, reached_back = counts.get((1, 1), (0, 0))
    missed_n, missed_back = counts.get((1, 0), (0, 0))
    recent = sum(n for (eligible, _), (n, _r) in counts.items() if not eligible)
    return Outcomes(reached_n + missed_n, recent, Share(reached_back, reached_n),
                    Share(missed_back, missed_n))
