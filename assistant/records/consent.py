"""Opting out and back in: recorded on the patient, applied to every pending check-in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from assistant.records.models import CheckIn, Episode, Patient

OPTED_OUT = "opted_out"


def _episode_ids(patient: Patient):  # type: ignore[no-untyped-def]
    return select(Episode.id).where(Episode.patient_id == patient.id)


def opt_out(session: Session, patient: Patient, now: datetime) -> int:
    """Record the opt-out and cancel what is still scheduled; returns how many."""
    patient.opted_out_at = now
    result = session.execute(
        update(CheckIn)
        .where(CheckIn.episode_id.in_(_episode_ids(patient)), CheckIn.status == "scheduled")
        .values(status="cancelled", cancel_reason=OPTED_OUT, ended_at=now)
    )
    return result.rowcount  # type: ignore[attr-defined]


def opt_in(session: Session, patient: Patient, now: datetime) -> int:
    """Lift the opt-out and restore the future check-ins it cancelled; returns how many."""
    patient.opted_out_at = None
    result = session.execute(
        update(CheckIn)
        .where(CheckIn.episode_id.in_(_episode_ids(patient)), CheckIn.status == "cancelled",
               CheckIn.cancel_reason == OPTED_OUT, CheckIn.due_at > now)
        .values(status="scheduled", cancel_reason=None, ended_at=None)
    )
    return result.rowcount  # type: ignore[attr-defined]
