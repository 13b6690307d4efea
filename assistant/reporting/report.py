"""A whole report over one scope: what the page, `carecall report` and the JSON/CSV exports
show. Built in one read-only session, a few dozen statements whatever the number of
discharges."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from assistant.conversation.flow_loader import FlowLibrary
from assistant.conversation.wording import Wording
from assistant.foundation.config import Settings
from assistant.reporting.breakdown import Group, Week, groups, weeks
from assistant.reporting.engagement import Engagement, engagement
from assistant.reporting.episode_facts import episode_facts
from assistant.reporting.kept_rows import kept
from assistant.reporting.outcomes import Outcomes, outcomes
from assistant.reporting.reach import Reach, Speed, reach, speed
from assistant.reporting.safety import Safety, safety
from assistant.reporting.scope import ReportScope


@dataclass(frozen=True)
class Report:
    scope: ReportScope
    generated_at: datetime
    discharges: int
    reach: Reach
    speed: Speed
    safety: Safety
    engagement: Engagement
    outcomes: Outcomes
    groups: list[Group]
    weeks: list[Week]


def build_report(session: Session, scope: ReportScope, *, flows: FlowLibrary,
                 settings: Settings, now: datetime, wording: Wording | None = None) -> Report:
    """`wording`: to show each question as asked in the drop-out funnel (else its id)."""
    if session.get_bind().dialect.name == "postgresql":
        # For this transaction only. JIT: the planner misjudges the facts' joins by orders of
        # magnitude (trillions of rows for 20,000 discharges) and compiled for a second to do
        # 0.7 s of work. Memory: a year's answers (3 million for 100,000 discharges) are
        # sorted to be counted, on disk in the default 4 MB.
        session.execute(text("SET LOCAL jit = off"))
        session.execute(text("SET LOCAL work_mem = '64MB'"))
        # A year of a large hospital takes seconds per statement (docs/PERFORMANCE.md): the
        # web's 5 s guard against runaway queries would refuse the report outright.
        session.execute(text("SET LOCAL statement_timeout = '120s'"))
    with kept(session, scope.episodes().subquery("cohort"), "episode_id") as cohort, \
            kept(session, episode_facts(cohort), "episode_id") as facts:
        discharges = session.scalar(select(func.count()).select_from(facts)) or 0
        return Report(
            scope=scope, generated_at=now, discharges=discharges,
            reach=reach(session, facts), speed=speed(session, facts, now),
            safety=safety(session, cohort, discharges, settings),
            engagement=engagement(session, cohort, facts, flows, wording),
            outcomes=outcomes(session, facts, now), groups=groups(session, facts, now),
            weeks=_every_week(scope, weeks(session, facts, scope)),
        )


def _every_week(scope: ReportScope, found: list[Week]) -> list[Week]:
    """Weeks without a discharge shown as zeros, so the chart's gaps are real."""
    by_start = {week.starts: week for week in found}
    monday = scope.start - timedelta(days=scope.start.weekday())
    filled = []
    while monday <= scope.end:
        filled.append(by_start.pop(monday, Week(monday, 0, 0, 0)))
        monday += timedelta(days=7)
    return sorted([*filled, *by_start.values()], key=lambda week: week.starts)
