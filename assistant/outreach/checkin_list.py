"""The list behind `carecall checkins` (and later the dashboard): check-ins with the
patient's own clock and the episode's TCM deadline."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from assistant.foundation.local_time import local_iso
from assistant.records.models import CheckIn, Episode, Patient


def list_checkins(session: Session, *, phone: str | None = None, status: str | None = None,
                  by_deadline: bool = False, limit: int = 10_000) -> list[dict[str, Any]]:
    query = (
        select(CheckIn)
        .join(Episode, CheckIn.episode_id == Episode.id)
        .join(Patient, Episode.patient_id == Patient.id)
        .options(joinedload(CheckIn.episode).joinedload(Episode.patient))
    )
    if phone:
        query = query.where(Patient.phone == phone)
    if status:
        query = query.where(CheckIn.status == status)
    order = [Episode.tcm_deadline, CheckIn.due_at] if by_deadline else [CheckIn.due_at]
    rows = session.scalars(query.order_by(*order, CheckIn.id).limit(limit)).all()
    return [
        {
            "id": checkin.id,
            "phone": checkin.episode.patient.phone,
            "flow": checkin.episode.flow_id,
            "due_at": local_iso(checkin.due_at, checkin.episode.patient.time_zone),
            "channel": checkin.channel,
            "attempt": checkin.attempt,
            "status": checkin.status,
            "tcm_deadline": local_iso(checkin.episode.tcm_deadline,
                                      checkin.episode.patient.time_zone),
        }
        for checkin in rows
    ]
