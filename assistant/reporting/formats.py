"""A report as text for a terminal, JSON for a program, and CSV (one figure a row, with its
numerator and denominator) for a spreadsheet. All three say the same figures, from one
list of rows, so they cannot drift apart."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from assistant.foundation.text import spreadsheet_text
from assistant.reporting.figures import Share, Spread
from assistant.reporting.report import Report

CSV_COLUMNS = ("section", "measure", "flow", "language", "count", "of", "value", "unit")


@dataclass(frozen=True)
class Row:
    section: str
    measure: str
    count: float | None = None
    of: int | None = None
    value: float | None = None
    unit: str = ""
    flow: str = ""
    language: str = ""


def _share(section: str, measure: str, share: Share, **where: str) -> Row:
    rate = share.rate
    return Row(section, measure, share.count, share.of,
               None if rate is None else round(100 * rate, 2), "%", **where)


def _spread(section: str, measure: str, spread: Spread, unit: str, scale: float = 1) -> list[Row]:
    def scaled(value: float | None) -> float | None:
        return None if value is None else round(value / scale, 2)

    return [Row(section, f"{measure} median", value=scaled(spread.median), of=spread.n,
                unit=unit),
            Row(section, f"{measure} 90th percentile", value=scaled(spread.p90), of=spread.n,
                unit=unit)]


def rows(report: Report) -> Iterator[Row]:
    reach, speed, safety = report.reach, report.speed, report.safety
    yield Row("scope", "discharges", report.discharges)
    yield _share("reach", "reached (completed check-in)", reach.reached)
    yield _share("reach", "never reached", reach.never)
    for attempt, share in reach.cumulative():
        yield _share("reach", f"reached by attempt {attempt}", share)
    for attempt, count in reach.by_attempt.items():
        yield _share("reach", f"reached on attempt {attempt}", Share(count, report.discharges))
    for channel, count in reach.by_channel.items():
        yield _share("reach", f"reached by {channel}", Share(count, reach.reached.count))
    yield from _spread("speed", "discharge to first reply", speed.first_reply_seconds, "hours",
                       3600)
    yield from _spread("speed", "discharge to first attempt", speed.first_attempt_seconds,
                       "hours", 3600)
    yield _share("speed", "TCM contact within 2 business days", speed.tcm_met)
    yield Row("speed", "TCM contacts missed", speed.tcm_missed)
    yield Row("speed", "TCM deadlines still ahead", speed.tcm_pending)
    yield Row("safety", "alerts per 100 discharges", safety.alerts, report.discharges,
              _round(safety.per_100(safety.alerts)), "per 100")
    for severity, count in safety.by_severity.items():
        yield Row("safety", f"{severity} alerts per 100 discharges", count, report.discharges,
                  _round(safety.per_100(count)), "per 100")
    for severity, reason, count in safety.by_reason:
        yield Row("safety", f"{severity} alerts: {reason}", count, report.discharges,
                  _round(safety.per_100(count)), "per 100")
    for ack in safety.acknowledgement:
        yield from _spread("safety", f"{ack.severity} time to acknowledge", ack.minutes,
                           "minutes")
        if ack.deadline_minutes is not None:
            yield _share("safety", f"{ack.severity} acknowledged within "
                                   f"{ack.deadline_minutes} min", ack.within_deadline)
    yield Row("safety", "alerts paged again", safety.repaged)
    yield Row("safety", "alerts escalated to the backup", safety.escalated)
    engagement = report.engagement
    yield _share("engagement", "opted out", engagement.opted_out)
    yield Row("engagement", "SMS sent", engagement.sms_messages)
    yield Row("engagement", "SMS segments sent", engagement.sms_segments)
    yield Row("engagement", "SMS segments per discharge",
              value=_round(engagement.segments_per_discharge()))
    for funnel in engagement.funnels:
        for step in funnel.steps:
            yield _share("engagement", f"answered: {step.question_id}", step.completion,
                         flow=funnel.flow)
            yield _share("engagement", f"unclear replies: {step.question_id}",
                         step.unclear_share, flow=funnel.flow)
    outcomes = report.outcomes
    yield _share("outcomes", "readmitted within 30 days, reached", outcomes.reached)
    yield _share("outcomes", "readmitted within 30 days, never reached", outcomes.not_reached)
    interval = outcomes.interval
    difference = outcomes.difference
    yield Row("outcomes", "difference (reached − never reached)",
              value=None if difference is None else round(100 * difference, 2), unit="points")
    yield Row("outcomes", "difference 95% CI low",
              value=None if interval is None else round(100 * interval.low, 2), unit="points")
    yield Row("outcomes", "difference 95% CI high",
              value=None if interval is None else round(100 * interval.high, 2), unit="points")
    for group in report.groups:
        where = {"flow": group.flow, "language": group.language}
        yield Row("by flow and language", "discharges", group.discharges, **where)
        yield _share("by flow and language", "reached", group.reached, **where)
        yield _share("by flow and language", "opted out", group.opted_out, **where)
        yield Row("by flow and language", "alerts per 100 discharges", group.alerts,
                  group.discharges, _round(group.alerts_per_100), "per 100", **where)
        yield _share("by flow and language", "readmitted within 30 days", group.readmitted,
                     **where)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def to_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows(report):
        writer.writerow([_cell(getattr(row, column)) for column in CSV_COLUMNS])
    return out.getvalue()


def _cell(value: Any) -> Any:
    # Flow ids and question ids come from the flow editor: never a formula in a spreadsheet.
    return spreadsheet_text(value) if isinstance(value, str) else "" if value is None else value


def to_json(report: Report) -> str:
    scope = report.scope
    body = {
        "scope": {"from": scope.start.isoformat(), "to": scope.end.isoformat(),
                  "flow": scope.flow, "time_zone": scope.time_zone},
        "generated_at": report.generated_at.isoformat() + "Z",
        "figures": [{key: value for key, value in vars(row).items()} for row in rows(report)],
        "tcm_misses": [
            {"episode_id": miss.episode_id, "patient_id": miss.patient_id,
             "discharged_at": miss.discharged_at.isoformat() + "Z",
             "deadline": miss.deadline.isoformat() + "Z",
             "first_contact_at": miss.first_contact_at.isoformat() + "Z"
             if miss.first_contact_at else None} for miss in report.speed.tcm_misses],
        "weeks": [{"week_of": week.starts.isoformat(), "discharges": week.discharges,
                   "reached": week.reached, "alerts": week.alerts} for week in report.weeks],
        "warning": report.outcomes.warning,
    }
    return json.dumps(body, indent=2, ensure_ascii=False)


def to_text(report: Report) -> str:
    lines = [f"Carecall report: {report.scope.label}", ""]
    section = None
    for row in rows(report):
        if row.section != section:
            section = row.section
            lines += ["", section.upper()]
        where = " / ".join(part for part in (row.flow, row.language) if part)
        label = f"{where}: {row.measure}" if where else row.measure
        lines.append(f"  {label:<58} {_said(row)}")
    lines += ["", "NOTE: " + report.outcomes.warning]
    return "\n".join(lines) + "\n"


def _said(row: Row) -> str:
    if row.unit == "%":
        rate = "–" if row.value is None else f"{row.value:.1f}%"
        return f"{int(row.count or 0):,} of {row.of or 0:,} ({rate})"
    if row.value is None and row.count is None:
        return "–"
    if row.value is None:
        return f"{int(row.count or 0):,}"
    unit = f" {row.unit}" if row.unit else ""
    return f"{row.value:,.1f}{unit}"

