"""The TCM record as CSV, one row per discharge, for billing and quality review. The columns
are described in docs/TCM.md; the web page and `carecall export tcm` write the same file."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from typing import Any

from assistant.care_team.tcm_status import TcmStatus
from assistant.foundation.local_time import local_iso
from assistant.foundation.text import spreadsheet_text

COLUMNS = (
    "episode_id", "patient_id", "patient_name", "mrn", "visit_number", "time_zone",
    "discharged_at", "discharge_date", "days_since_discharge",
    "contact_deadline", "contact_status", "first_contact_at", "first_contact_by",
    "attempts", "unsuccessful_attempts_by_deadline", "last_attempt_outcome", "last_attempt_at",
    "automated_checkin_completed_at", "automated_checkin_status",
    "face_to_face_on", "face_to_face_day", "face_to_face_window",
    "medication_review_on", "medication_review_by", "medication_reviewer_role",
    "medication_review_status", "billing",
)


def row(status: TcmStatus) -> dict[str, Any]:
    """One discharge; times with the patient's UTC offset, days as YYYY-MM-DD."""
    episode, patient, tcm = status.episode, status.episode.patient, status.record
    zone = patient.time_zone
    last = status.last_attempt
    return {
        "episode_id": episode.id, "patient_id": patient.id,
        "patient_name": spreadsheet_text(patient.name), "mrn": spreadsheet_text(patient.mrn),
        "visit_number": spreadsheet_text(episode.visit_number),
        "time_zone": zone,
        "discharged_at": local_iso(episode.discharged_at, zone),
        "discharge_date": _day(status.discharge_date),
        "days_since_discharge": status.days_since_discharge,
        "contact_deadline": local_iso(status.deadline, zone),
        "contact_status": status.contact,
        "first_contact_at": local_iso(status.first_contact_at, zone),
        "first_contact_by": spreadsheet_text(status.first_contact_by),
        "attempts": len(status.attempts),
        "unsuccessful_attempts_by_deadline": status.unsuccessful_by_deadline,
        "last_attempt_outcome": last.outcome if last else "",
        "last_attempt_at": local_iso(last.at, zone) if last else "",
        "automated_checkin_completed_at": local_iso(status.checkin_completed_at, zone),
        "automated_checkin_status": status.checkin_status,
        "face_to_face_on": _day(status.face_to_face_on),
        "face_to_face_day": status.face_to_face_day,
        "face_to_face_window": status.window,
        "medication_review_on": _day(status.medication_review_on),
        "medication_review_by": spreadsheet_text(tcm.medication_review_by if tcm else None),
        "medication_reviewer_role": (tcm.medication_reviewer_role if tcm else None) or "",
        "medication_review_status": status.medication_review,
        "billing": status.billing,
    }


def to_csv(statuses: Iterable[TcmStatus]) -> tuple[str, int]:
    """The file's text and how many discharges it holds."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for status in statuses:
        writer.writerow({key: "" if value is None else value
                         for key, value in row(status).items()})
        count += 1
    return out.getvalue(), count


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""
