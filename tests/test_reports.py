"""The report's figures on the worked example of tests/support/report_rows.py (six discharges,
every figure worked out by hand there)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from assistant.reporting.figures import Share
from assistant.reporting.outcomes import difference_interval, wilson
from assistant.reporting.report import Report, build_report
from assistant.reporting.scope import ReportScope, ScopeError
from assistant.services import Services
from tests.conftest import make_services
from tests.support.report_rows import WORKED_EXAMPLE_NOW as NOW
from tests.support.report_rows import seed_worked_example


@pytest.fixture
def services(database_url, settings, network, clock):  # type: ignore[no-untyped-def]
    """On both databases: the SQL differs between them (time arithmetic, weeks, ranks)."""
    built = make_services(settings.with_overrides(database_url=database_url), network, clock)
    yield built
    built.close()


@pytest.fixture
def report(services: Services) -> Report:
    seed_worked_example(services)
    scope = ReportScope(date(2026, 9, 1), date(2026, 11, 24))
    with services.sessions() as session:
        return build_report(session, scope, flows=services.flows, settings=services.settings,
                            now=NOW, wording=services.dialogue.wording)


def test_reach_counts_completed_check_ins_by_attempt_and_channel(report: Report) -> None:
    assert report.discharges == 5
    assert report.reach.reached == Share(3, 5)
    assert report.reach.never == Share(2, 5)
    assert report.reach.by_attempt == {"1": 1, "2": 1, "3": 1, "4+": 0}
    assert report.reach.by_channel == {"sms": 2, "voice": 0, "fallback": 1}
    assert [share for _, share in report.reach.cumulative()] == [
        Share(1, 5), Share(2, 5), Share(3, 5), Share(3, 5)]


def test_speed_is_discharge_to_first_reply_and_the_tcm_deadline(report: Report) -> None:
    speed = report.speed
    # First replies after 49 h (E1), 72 h (E2: 10 Sep 12:00 to 13 Sep 12:00), 30 h (E4) and
    # 24 h (E3, who replied but never finished): sorted 24, 30, 49, 72.
    assert speed.first_reply_seconds.n == 4
    assert speed.first_reply_seconds.median == pytest.approx(30 * 3600)  # the 2nd of 4
    assert speed.first_reply_seconds.p90 == pytest.approx(72 * 3600)  # the 4th of 4
    assert speed.tcm_met == Share(2, 4)  # E1, E4 in time; E2 late; E3 never
    assert speed.tcm_pending == 1  # E5
    assert speed.tcm_missed == 2
    assert [(m.patient, m.first_contact_at) for m in speed.tcm_misses] == [
        ("Patient 3", None), ("Patient 2", datetime(2026, 9, 14, 16))]


def test_safety_counts_alerts_not_tasks_and_times_acknowledgement(report: Report) -> None:
    safety = report.safety
    assert safety.alerts == 4
    assert safety.per_100(safety.alerts) == pytest.approx(80.0)
    assert safety.by_severity == {"emergency": 1, "urgent": 2, "routine": 1}
    assert safety.by_reason[0] == ("urgent", "weight_gain", 2)
    urgent, emergency = (next(a for a in safety.acknowledgement if a.severity == s)
                         for s in ("urgent", "emergency"))
    assert (urgent.minutes.median, urgent.minutes.p90) == (pytest.approx(30),
                                                           pytest.approx(90))
    assert urgent.within_deadline == Share(1, 2)
    assert dict(urgent.histogram)["15–30 min"] == 0 and dict(urgent.histogram)["30–60 min"] == 1
    assert dict(urgent.histogram)["1–2 h"] == 1
    assert urgent.deadline_bucket == 4  # the marker after "30–60 min"
    assert emergency.within_deadline == Share(0, 1)
    assert dict(emergency.histogram)["5–15 min"] == 1
    routine = next(a for a in safety.acknowledgement if a.severity == "routine")
    assert routine.acknowledged == 0 and routine.deadline_minutes is None
    assert (safety.repaged, safety.escalated) == (1, 1)


def test_engagement_funnel_unclear_replies_opt_outs_and_segments(report: Report) -> None:
    engagement = report.engagement
    assert engagement.opted_out == Share(1, 5)
    # 170 GSM-7 characters: 2 segments; "Hola": 1; 80 characters with "á" (UCS-2): 2.
    assert (engagement.sms_messages, engagement.sms_segments) == (3, 5)
    by_flow = {funnel.flow: funnel for funnel in engagement.funnels}
    copd = by_flow["copd"]
    assert copd.conversations == 3
    steps = {step.question_id: step for step in copd.steps}
    assert [step.question_id for step in copd.steps] == ["identity_dob", "feeling"]
    assert steps["identity_dob"].completion == Share(2, 2)
    # E3 stopped at "feeling" (expired) and E4's second check-in (opted out) too.
    assert steps["feeling"].completion == Share(1, 3)
    assert steps["feeling"].unclear_share == Share(1, 2)
    heart = {step.question_id: step for step in by_flow["heart_failure"].steps}
    assert heart["meds_taking"].answered == 1  # two medicines, one conversation
    assert heart["identity_dob"].completion == Share(2, 3)  # E2's first check-in stopped
    assert "date of birth" in heart["identity_dob"].wording.lower()
    assert [flow for flow, _ in engagement.most_unclear()] == []  # under 5 replies: no call


def test_outcomes_compare_readmissions_of_reached_and_never_reached(report: Report) -> None:
    outcomes = report.outcomes
    assert (outcomes.eligible, outcomes.too_recent) == (4, 1)
    assert outcomes.reached == Share(1, 3)  # E1 on day 12; E4's day 45 is beyond 30
    assert outcomes.not_reached == Share(1, 1)  # E3
    assert outcomes.difference == pytest.approx(1 / 3 - 1)
    assert outcomes.interval == difference_interval(Share(1, 3), Share(1, 1))
    assert "not a trial" in outcomes.warning


def test_groups_by_flow_and_language_and_weekly_volumes(report: Report) -> None:
    groups = {(g.flow, g.language): g for g in report.groups}
    assert set(groups) == {("heart_failure", "en"), ("heart_failure", "es"), ("copd", "en")}
    assert groups["copd", "en"].reached == Share(1, 2)
    assert groups["copd", "en"].alerts == 2
    assert groups["heart_failure", "en"].readmitted == Share(1, 1)  # E5 is too recent
    assert groups["heart_failure", "es"].opted_out == Share(0, 1)
    weeks = {week.starts: week for week in report.weeks}
    assert weeks[date(2026, 8, 31)].discharges == 1  # 1 Sep is a Tuesday
    assert weeks[date(2026, 9, 7)].alerts == 1  # E2's emergency (its task is not an alert)
    assert weeks[date(2026, 9, 14)].discharges == 0  # a quiet week is shown, as zero
    assert report.weeks[0].starts == date(2026, 8, 31)
    assert report.weeks[-1].starts == date(2026, 11, 23)


def test_a_flow_scope_counts_only_that_flow(services: Services) -> None:
    seed_worked_example(services)
    scope = ReportScope(date(2026, 9, 1), date(2026, 11, 24), flow="copd")
    with services.sessions() as session:
        report = build_report(session, scope, flows=services.flows, settings=services.settings,
                              now=NOW)
    assert report.discharges == 2 and report.reach.reached == Share(1, 2)
    assert report.safety.alerts == 2


def test_newcombe_interval_matches_the_published_example() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 against 48/80.
    interval = difference_interval(Share(56, 70), Share(48, 80))
    assert interval is not None
    assert (round(interval.low, 4), round(interval.high, 4)) == (0.0524, 0.3339)
    # And his Wilson interval for 81/263: 0.2553 to 0.3662.
    single = wilson(81, 263)
    assert (round(single.low, 4), round(single.high, 4)) == (0.2553, 0.3662)
    assert difference_interval(Share(1, 2), Share(0, 0)) is None


def test_the_default_period_and_a_backwards_one() -> None:
    scope = ReportScope.chosen(None, None, None, today=date(2026, 11, 24),
                               time_zone="America/New_York")
    assert (scope.start, scope.end) == (date(2026, 8, 27), date(2026, 11, 24))
    # The period is read in the programme's zone: 1 Sep in New York starts at 04:00 UTC.
    september = ReportScope(date(2026, 9, 1), date(2026, 9, 30))
    assert september.utc_bounds == (datetime(2026, 9, 1, 4), datetime(2026, 10, 1, 4))
    with pytest.raises(ScopeError, match="starts"):
        ReportScope.chosen(date(2026, 11, 2), date(2026, 11, 1), None,
                           today=date(2026, 11, 24), time_zone="America/New_York")
