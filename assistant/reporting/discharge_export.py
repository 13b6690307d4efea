"""One CSV row per discharge with what became of it, for the hospital's own analysts (who
join it to their records by MRN and visit number). Its columns are documented, one by one,
in docs/REPORTS.md; a test keeps the two lists equal."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from assistant.foundation.text import spreadsheet_text
from assistant.records.interfaces import Readmission
from assistant.records.models import Alert, CheckIn, Episode, Patient
from assistant.reporting.episode_facts import episode_facts
from assistant.reporting.scope import ReportScope
from assistant.reporting.sql_time import seconds_between

COLUMNS = (
    "episode_id", "patient_id", "mrn", "mrn_authority", "visit_number", "flow", "language",
    "discharged_at", "disposition", "checkins_planned", "checkins_completed", "reached",
    "reach_channel", "attempts_to_reach", "first_attempt_at", "first_reply_at",
    "hours_to_first_reply", "opted_out", "alerts_emergency", "alerts_urgent",
    "alerts_routine", "tcm_deadline", "tcm_first_contact_at", "tcm_contact",
    "readmitted_30", "days_to_readmission",
)
BATCH = 2000


def discharge_rows(session: Session, scope: ReportScope, now: datetime
                   ) -> Iterator[dict[str, Any]]:
    """The rows, read from the database a batch at a time (a year is a large file)."""
    cohort = scope.cohort()
    facts = episode_facts(cohort)
    checkins = (select(CheckIn.episode_id, func.count().label("planned"),
                       func.sum(case((CheckIn.status == "completed", 1), else_=0))
                       .label("completed"))
                .join(cohort, cohort.c.episode_id == CheckIn.episode_id)
                .group_by(CheckIn.episode_id).subquery("checkin_counts"))
    severity_counts = [func.sum(case((Alert.severity == severity, 1), else_=0)).label(severity)
                       for severity in ("emergency", "urgent", "routine")]
    alerts = (select(Alert.episode_id, *severity_counts)
              .join(cohort, cohort.c.episode_id == Alert.episode_id)
              .where(Alert.kind == "alert").group_by(Alert.episode_id).subquery("alert_counts"))
    readmission = (select(Readmission.index_episode_id.label("episode_id"),
                          func.min(Readmission.days_after_discharge).label("days"))
                   .join(cohort, cohort.c.episode_id == Readmission.index_episode_id)
                   .group_by(Readmission.index_episode_id).subquery("first_readmission"))
    query = (
        select(facts, Patient.id.label("patient_id"), Patient.mrn, Patient.mrn_authority,
               Episode.visit_number, Episode.disposition, checkins.c.planned,
               checkins.c.completed, alerts.c.emergency, alerts.c.urgent, alerts.c.routine,
               readmission.c.days,
               seconds_between(facts.c.first_reply_at, facts.c.discharged_at).label("reply_s"))
        .join(Episode, Episode.id == facts.c.episode_id)
        .join(Patient, Patient.id == Episode.patient_id)
        .outerjoin(checkins, checkins.c.episode_id == facts.c.episode_id)
        .outerjoin(alerts, alerts.c.episode_id == facts.c.episode_id)
        .outerjoin(readmission, readmission.c.episode_id == facts.c.episode_id)
        .order_by(facts.c.discharged_at, facts.c.episode_id)
        .execution_options(yield_per=BATCH))
    for row in session.execute(query).mappings():
        yield _row(row, now)


def _row(row: Any, now: datetime) -> dict[str, Any]:
    contact, deadline = row["tcm_first_contact_at"], row["tcm_deadline"]
    if deadline is None:
        tcm = ""
    elif contact is not None and contact <= deadline:
        tcm = "in_time"
    elif contact is None and deadline > now:
        tcm = "pending"
    else:
        tcm = "late" if contact is not None else "missed"
    reply = row["reply_s"]
    return {
        "episode_id": row["episode_id"], "patient_id": row["patient_id"], "mrn": row["mrn"],
        "mrn_authority": row["mrn_authority"], "visit_number": row["visit_number"],
        "flow": row["flow"], "language": row["language"],
        "discharged_at": _stamp(row["discharged_at"]), "disposition": row["disposition"],
        "checkins_planned": row["planned"] or 0, "checkins_completed": row["completed"] or 0,
        "reached": row["reached"], "reach_channel": row["reach_channel"],
        "attempts_to_reach": row["attempts_to_reach"] if row["reached"] else None,
        "first_attempt_at": _stamp(row["first_attempt_at"]),
        "first_reply_at": _stamp(row["first_reply_at"]),
        "hours_to_first_reply": None if reply is None else round(float(reply) / 3600, 1),
        "opted_out": row["opted_out"], "alerts_emergency": row["emergency"] or 0,
        "alerts_urgent": row["urgent"] or 0, "alerts_routine": row["routine"] or 0,
        "tcm_deadline": _stamp(deadline), "tcm_first_contact_at": _stamp(contact),
        "tcm_contact": tcm, "readmitted_30": row["readmitted_30"],
        "days_to_readmission": row["days"],
    }


def _stamp(moment: datetime | str | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, str):  # SQLite hands back a subquery's times as text
        moment = datetime.fromisoformat(moment)
    return moment.replace(microsecond=0).isoformat() + "Z"


def csv_lines(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    """The header, then a line per row: for a file or a streamed download alike."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: spreadsheet_text(value) if isinstance(value, str)
                         else "" if value is None else value for key, value in row.items()})
        yield _taken(buffer)
    yield _taken(buffer)


def _taken(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def write_csv(rows: Iterator[dict[str, Any]], out: Any) -> int:
    """Write the rows to a text file; how many there were."""
    count = -1
    for count, line in enumerate(csv_lines(rows)):  # noqa: B007 (the count is the point)
        out.write(line)
    return count
