"""The patients the team is following now: discharged in the last 30 days and not opted out,
each with where their follow-up stands (next and last check-in, open alerts, who has them),
in the order a nurse asks for. A few queries for the whole list, not a few per patient."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from assistant.conversation.escalation import SEVERITY_ORDER
from assistant.records.models import Alert, CheckIn, Episode, Patient

ACTIVE_DAYS = 30
# Still ahead of the patient: the next check-in is the earliest of these.
_AHEAD = ("scheduled", "claimed", "sent", "in_progress")
ORDERS = {
    "severity": "Most severe first",
    "discharge": "Newest discharge first",
    "next_checkin": "Next check-in first",
    "name": "Name",
}


@dataclass
class ActivePatient:
    patient: Patient
    episode: Episode
    age: int
    days_since_discharge: int
    next_checkin: CheckIn | None = None
    last_checkin: CheckIn | None = None
    open_alerts: int = 0
    top_severity: str | None = None
    assignees: list[str] = field(default_factory=list)


def age_in_years(born: date, now: datetime, zone: str) -> int:
    """Age on today's date in the patient's own zone."""
    today = now.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).date()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def active_patients(session: Session, now: datetime, order: str = "severity",
                    limit: int = 500) -> list[ActivePatient]:
    episodes = session.scalars(
        select(Episode).join(Patient, Episode.patient_id == Patient.id)
        .options(joinedload(Episode.patient))
        .where(Episode.discharged_at >= now - timedelta(days=ACTIVE_DAYS),
               Patient.opted_out_at.is_(None))
        .order_by(Episode.discharged_at.desc(), Episode.id.desc())
    ).all()
    latest: dict[int, Episode] = {}
    for episode in episodes:  # newest first: a readmission's stay is the one followed
        latest.setdefault(episode.patient_id, episode)
    rows = {episode.id: ActivePatient(
        episode.patient, episode, age_in_years(episode.patient.dob, now,
                                               episode.patient.time_zone),
        max(0, (now - episode.discharged_at).days)) for episode in latest.values()}
    if rows:
        _add_checkins(session, rows)
        _add_alerts(session, rows)
    return sorted(rows.values(), key=_SORT_KEYS.get(order, _SORT_KEYS["severity"]))[:limit]


def _add_checkins(session: Session, rows: dict[int, ActivePatient]) -> None:
    for checkin in session.scalars(select(CheckIn).where(CheckIn.episode_id.in_(rows))
                                   .order_by(CheckIn.due_at, CheckIn.id)):
        row = rows[checkin.episode_id]
        if checkin.status in _AHEAD:
            row.next_checkin = row.next_checkin or checkin
        elif checkin.status != "cancelled":
            row.last_checkin = checkin  # ordered by due time: the latest one wins


def _add_alerts(session: Session, rows: dict[int, ActivePatient]) -> None:
    assignees: dict[int, set[str]] = defaultdict(set)
    for alert in session.scalars(select(Alert).where(Alert.episode_id.in_(rows),
                                                     Alert.status != "resolved")):
        row = rows[alert.episode_id]
        if alert.assignee:
            assignees[alert.episode_id].add(alert.assignee)
        if alert.kind != "alert":
            continue
        row.open_alerts += 1
        if row.top_severity is None or (SEVERITY_ORDER.get(alert.severity, 9)
                                        < SEVERITY_ORDER.get(row.top_severity, 9)):
            row.top_severity = alert.severity
    for episode_id, names in assignees.items():
        rows[episode_id].assignees = sorted(names)


_FAR = datetime.max


_SORT_KEYS = {
    "severity": lambda r: (SEVERITY_ORDER.get(r.top_severity or "", 9), -r.open_alerts,
                           -r.episode.discharged_at.timestamp()),
    "discharge": lambda r: (-r.episode.discharged_at.timestamp(), r.patient.name),
    "next_checkin": lambda r: (r.next_checkin.due_at if r.next_checkin else _FAR,
                               r.patient.name),
    "name": lambda r: (r.patient.name.lower(), r.patient.id),
}
