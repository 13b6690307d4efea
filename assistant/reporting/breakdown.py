"""The headline figures split by flow and language (does the Spanish heart-failure flow reach
as many as the English one?), and the weekly volumes behind the trend chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Subquery, case, func, literal, select
from sqlalchemy.orm import Session

from assistant.records.models import Alert
from assistant.reporting.episode_facts import READMISSION_DAYS
from assistant.reporting.figures import Share
from assistant.reporting.scope import ReportScope
from assistant.reporting.sql_time import week_start


@dataclass(frozen=True)
class Group:
    flow: str
    language: str
    discharges: int
    reached: Share
    opted_out: Share
    alerts: int
    readmitted: Share  # within 30 days, of those whose 30 days are over

    @property
    def alerts_per_100(self) -> float | None:
        return 100 * self.alerts / self.discharges if self.discharges else None


@dataclass(frozen=True)
class Week:
    starts: date  # Monday
    discharges: int
    reached: int
    alerts: int


def groups(session: Session, facts: Subquery, now: datetime) -> list[Group]:
    over = facts.c.discharged_at <= now - timedelta(days=READMISSION_DAYS)
    rows = session.execute(
        select(facts.c.flow, facts.c.language, func.count(), func.sum(facts.c.reached),
               func.sum(facts.c.opted_out), func.sum(case((over, 1), else_=0)),
               func.sum(case((over, facts.c.readmitted_30), else_=0)))
        .group_by(facts.c.flow, facts.c.language)
        .order_by(func.count().desc(), facts.c.flow, facts.c.language)).all()
    alerts = dict(((flow, language), count) for flow, language, count in session.execute(
        select(facts.c.flow, facts.c.language, func.count())
        .join(Alert, Alert.episode_id == facts.c.episode_id).where(Alert.kind == "alert")
        .group_by(facts.c.flow, facts.c.language)))
    return [Group(flow, language, n, Share(int(reached), n), Share(int(opted), n),
                  alerts.get((flow, language), 0), Share(int(back), int(eligible)))
            for flow, language, n, reached, opted, eligible, back in rows]


def weeks(session: Session, facts: Subquery, scope: ReportScope) -> list[Week]:
    """By the week of discharge on the team's calendar (Monday to Sunday in its zone), the
    same days the period is read in."""
    pieces = scope.utc_offsets()
    *changes, (_, last) = pieces
    offset = case(*[(facts.c.discharged_at < until, literal(seconds))
                    for until, seconds in changes], else_=literal(last)) if changes \
        else literal(last)
    # One expression object in the select and the GROUP BY: PostgreSQL matches them by text.
    week = week_start(facts.c.discharged_at, offset)
    counts = session.execute(select(week, func.count(), func.sum(facts.c.reached))
                             .group_by(week).order_by(week)).all()
    alerts = {_as_date(starts): count for starts, count in session.execute(
        select(week, func.count()).join(Alert, Alert.episode_id == facts.c.episode_id)
        .where(Alert.kind == "alert").group_by(week)).all()}
    return [Week(_as_date(starts), n, int(reached), alerts.get(_as_date(starts), 0))
            for starts, n, reached in counts]


def _as_date(value: date | str) -> date:
    """SQLite's date() gives text; PostgreSQL a date."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(value)
