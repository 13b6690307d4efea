"""What the reports page shows beside the numbers: the figures in words ("41.2%", "49 h",
"–" when there is nothing to say) and the charts, drawn on the server."""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

from assistant.reporting.engagement import FlowFunnel
from assistant.reporting.figures import Share
from assistant.reporting.outcomes import wilson
from assistant.reporting.report import Report
from assistant.reporting.safety import AckTimes
from dashboard.report_charts import Bar, Bucket, FunnelStep, bar_chart, histogram, weekly_columns
from dashboard.report_charts import funnel as funnel_chart

NOTHING = "–"
CHANNELS = {"sms": "Text (SMS)", "voice": "Call", "fallback": "Text after an unanswered call"}
LANGUAGES = {"en": "English", "es": "Spanish"}


class Said:
    """The template's number formatting, in one place (the page reads `fmt.percent(...)`)."""

    @staticmethod
    def count(value: int | None) -> str:
        return NOTHING if value is None else f"{value:,}"

    @staticmethod
    def number(value: float | None) -> str:
        return NOTHING if value is None else f"{value:,.1f}"

    @staticmethod
    def percent(share: Share) -> str:
        return NOTHING if share.rate is None else f"{100 * share.rate:.1f}%"

    @staticmethod
    def percent_of(count: int, of: int) -> str:
        return Said.percent(Share(count, of))

    @staticmethod
    def share(share: Share) -> str:
        return str(share)

    @staticmethod
    def hours(seconds: float | None) -> str:
        if seconds is None:
            return NOTHING
        hours = seconds / 3600
        if hours < 1:
            return f"{seconds / 60:.0f} min"
        return f"{hours:.1f} h" if hours < 10 else f"{hours:,.0f} h"

    @staticmethod
    def minutes(value: float | None) -> str:
        if value is None:
            return NOTHING
        if value < 60:
            return f"{value:.0f} min" if value >= 1 else f"{60 * value:.0f} s"
        return f"{value / 60:.1f} h"

    @staticmethod
    def points(value: float | None) -> str:
        """A difference of two rates, in percentage points."""
        return NOTHING if value is None else f"{100 * value:+.1f} points"

    @staticmethod
    def wilson(share: Share) -> str:
        if not share.of:
            return NOTHING
        interval = wilson(share.count, share.of)
        return f"{100 * interval.low:.1f}–{100 * interval.high:.1f}%"

    @staticmethod
    def channel(channel: str) -> str:
        return CHANNELS.get(channel, channel)

    @staticmethod
    def language(code: str) -> str:
        return LANGUAGES.get(code, code)

    @staticmethod
    def reason(reason: str) -> str:
        return reason.replace("_", " ")


ATTEMPTS = {"1": "1st", "2": "2nd", "3": "3rd", "4+": "4th+"}


@dataclass
class Charts:
    reach: Markup
    weeks: Markup
    acknowledgement: list[tuple[str, Markup]] = field(default_factory=list)
    funnels: list[tuple[FlowFunnel, Markup]] = field(default_factory=list)


def charts_for(report: Report) -> Charts:
    """Every chart of the page, as inline SVG."""
    reach = report.reach
    bars = [Bar(ATTEMPTS[bucket], _share_of(count, reach.discharges),
                f"{count:,} of {reach.discharges:,} discharges")
            for bucket, count in reach.by_attempt.items()]
    never = reach.never
    bars.append(Bar("Never", _share_of(never.count, never.of),
                    f"{never.count:,} of {never.of:,} discharges"))
    return Charts(
        reach=bar_chart(bars, title="Reached on which attempt", chart_id="reach-by-attempt",
                        percent=True, description="Share of the period's discharges first "
                        "reached on each attempt (texts, calls and reminders counted), and "
                        "never reached."),
        weeks=weekly_columns(
            [(week.starts, (week.discharges, week.reached, week.alerts))
             for week in report.weeks],
            title="Discharges, reached and alerts, by week of discharge", chart_id="weeks",
            series_labels=("Discharges", "Reached", "Alerts")),
        acknowledgement=[(f"Time to acknowledge: {ack.severity}", _acknowledgement(ack))
                         for ack in report.safety.acknowledgement if ack.acknowledged],
        funnels=[(funnel, _funnel(funnel)) for funnel in report.engagement.funnels
                 if funnel.steps],
    )


def _share_of(count: int, of: int) -> float:
    return 100 * count / of if of else 0.0


def _acknowledgement(ack: AckTimes) -> Markup:
    label = (f"deadline {ack.deadline_minutes} min" if ack.deadline_minutes is not None
             else None)
    return histogram([Bucket(name, count) for name, count in ack.histogram],
                     title=f"Time to acknowledge, {ack.severity} alerts",
                     chart_id=f"ack-{ack.severity}", deadline_label=label,
                     deadline_index=ack.deadline_bucket)


def _funnel(funnel: FlowFunnel) -> Markup:
    steps = [FunnelStep(step.wording, step.answered, funnel.conversations)
             for step in funnel.steps]
    return funnel_chart(steps, title=f"{funnel.title}: check-ins that answered each question",
                        chart_id=f"funnel-{funnel.flow}")
