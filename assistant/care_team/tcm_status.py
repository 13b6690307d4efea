"""Where each discharge stands against the TCM rules, computed from what nurses recorded.

- the interactive contact: "met" (someone reached on or before the 2-business-day deadline),
  "attempts" (not reached by then, but two or more separate unsuccessful attempts documented
  by the deadline, which CMS accepts), "missed" (the deadline passed without either), or
  "open" (the deadline is still ahead);
- the face-to-face visit: its day counted from the discharge day (day 0) on the patient's
  clock; by day 7 the visit fits CPT 99496 (when decision making is of high complexity) or
  99495; by day 14 only 99495; later it is not billable as TCM;
- the medication review: done no later than the face-to-face visit, or late, or missing.

The automated check-in is shown beside these (its first completed time) and counts for none
of them. One set of rules serves the worklist, the episode's page and the export.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from assistant.care_team.tcm_record import UNSUCCESSFUL, discharge_day, local_day
from assistant.records.care_records import TcmContactAttempt, TcmRecord
from assistant.records.models import CheckIn, Episode

WORKLIST_DAYS = 30
HIGH_COMPLEXITY_DAYS = 7  # CPT 99496
MODERATE_COMPLEXITY_DAYS = 14  # CPT 99495
REQUIRED_ATTEMPTS = 2


@dataclass(frozen=True)
class TcmStatus:
    """One discharge's TCM standing at `now`. Times are naive UTC; days are the patient's."""

    episode: Episode
    record: TcmRecord | None
    attempts: list[TcmContactAttempt]
    checkin_completed_at: datetime | None  # the automated check-in: never the contact
    checkin_status: str  # the latest check-in's status, or "none"
    now: datetime
    discharge_date: date = field(init=False)
    today: date = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "discharge_date", discharge_day(self.episode))
        object.__setattr__(self, "today",
                           local_day(self.now, self.episode.patient.time_zone))

    @property
    def deadline(self) -> datetime | None:
        return self.episode.tcm_deadline

    @property
    def first_contact_at(self) -> datetime | None:
        return self.record.first_contact_at if self.record else None

    @property
    def first_contact_by(self) -> str | None:
        return self.record.first_contact_by if self.record else None

    @property
    def last_attempt(self) -> TcmContactAttempt | None:
        return self.attempts[-1] if self.attempts else None

    @property
    def unsuccessful_by_deadline(self) -> int:
        """Separate tries: two logged in the same minute are one."""
        if self.deadline is None:
            return 0
        return len({attempt.at.replace(second=0, microsecond=0) for attempt in self.attempts
                    if attempt.outcome in UNSUCCESSFUL and attempt.at <= self.deadline})

    @property
    def contact(self) -> str:
        """met | attempts | missed | open."""
        reached = self.first_contact_at
        if self.deadline is None:
            return "met" if reached else "open"
        if reached is not None and reached <= self.deadline:
            return "met"
        if self.unsuccessful_by_deadline >= REQUIRED_ATTEMPTS:
            return "attempts"
        if self.now <= self.deadline and reached is None:
            return "open"
        return "missed"

    @property
    def overdue(self) -> bool:
        """Nobody reached and the deadline gone: the first thing a nurse should see."""
        return (self.first_contact_at is None and self.deadline is not None
                and self.now > self.deadline)

    @property
    def time_left(self) -> timedelta | None:
        if self.deadline is None or self.first_contact_at is not None:
            return None
        return self.deadline - self.now

    @property
    def days_since_discharge(self) -> int:
        return (self.today - self.discharge_date).days

    @property
    def face_to_face_on(self) -> date | None:
        return self.record.face_to_face_on if self.record else None

    @property
    def face_to_face_day(self) -> int | None:
        visit = self.face_to_face_on
        return (visit - self.discharge_date).days if visit else None

    @property
    def window_ends(self) -> tuple[date, date]:
        """The last day for a visit within 7 days, and within 14."""
        return (self.discharge_date + timedelta(days=HIGH_COMPLEXITY_DAYS),
                self.discharge_date + timedelta(days=MODERATE_COMPLEXITY_DAYS))

    @property
    def window(self) -> str:
        """within_7_days | within_14_days | after_14_days | pending | missed."""
        day = self.face_to_face_day
        if day is None:
            return "missed" if self.days_since_discharge > MODERATE_COMPLEXITY_DAYS else "pending"
        if day <= HIGH_COMPLEXITY_DAYS:
            return "within_7_days"
        if day <= MODERATE_COMPLEXITY_DAYS:
            return "within_14_days"
        return "after_14_days"

    @property
    def medication_review_on(self) -> date | None:
        return self.record.medication_review_on if self.record else None

    @property
    def medication_review(self) -> str:
        """done (on or before the visit, or before any visit) | late | missing | pending."""
        review, visit = self.medication_review_on, self.face_to_face_on
        if review is not None:
            return "late" if visit is not None and review > visit else "done"
        return "missing" if visit is not None else "pending"

    @property
    def billing(self) -> str:
        """What the record supports so far: "99496 or 99495", "99495", "not billable" or
        "pending". 99496 also needs high-complexity decision making, which is the
        physician's to document, not ours."""
        if self.contact == "missed" or self.window in ("after_14_days", "missed") \
                or self.medication_review in ("late", "missing"):
            return "not billable"
        if self.contact == "open" or self.window == "pending" \
                or self.medication_review != "done":
            return "pending"
        return "99496 or 99495" if self.window == "within_7_days" else "99495"

    @property
    def complete(self) -> bool:
        """Nothing left to record: contact made, visit and medication review on file."""
        return (self.first_contact_at is not None and self.face_to_face_on is not None
                and self.medication_review_on is not None)


def tcm_statuses(session: Session, now: datetime, *, since: datetime | None = None,
                 episode_ids: list[int] | None = None, only_open: bool = False,
                 limit: int | None = None) -> list[TcmStatus]:
    """Discharges at or after `since` (or the given episodes), overdue first, then the
    nearest deadline. A handful of queries whatever the number of rows."""
    query = select(Episode).options(joinedload(Episode.patient))
    if since is not None:
        query = query.where(Episode.discharged_at >= since)
    if episode_ids is not None:
        query = query.where(Episode.id.in_(episode_ids))
    episodes = list(session.scalars(query.order_by(Episode.discharged_at.desc())))
    ids = [episode.id for episode in episodes]
    records = {row.episode_id: row for row in session.scalars(
        select(TcmRecord).where(TcmRecord.episode_id.in_(ids)))}
    attempts: dict[int, list[TcmContactAttempt]] = defaultdict(list)
    for attempt in session.scalars(select(TcmContactAttempt).where(
            TcmContactAttempt.episode_id.in_(ids))
            .order_by(TcmContactAttempt.at, TcmContactAttempt.id)):
        attempts[attempt.episode_id].append(attempt)
    completed, latest = _checkins(session, ids)
    statuses = [TcmStatus(episode, records.get(episode.id), attempts[episode.id],
                          completed.get(episode.id), latest.get(episode.id, "none"), now)
                for episode in episodes]
    if only_open:
        statuses = [status for status in statuses if not status.complete]
    statuses.sort(key=lambda s: (not s.overdue, s.deadline or datetime.max, s.episode.id))
    return statuses[:limit] if limit is not None else statuses


def worklist(session: Session, now: datetime, only_open: bool,
             limit: int = 1000) -> list[TcmStatus]:
    return tcm_statuses(session, now, since=now - timedelta(days=WORKLIST_DAYS),
                        only_open=only_open, limit=limit)


def _checkins(session: Session, ids: list[int]) -> tuple[dict[int, datetime], dict[int, str]]:
    """Per episode: when the first automated check-in was completed, and the status of the
    latest one that has gone out (else of the next one planned)."""
    completed: dict[int, datetime] = {}
    latest: dict[int, str] = {}
    rows = session.execute(
        select(CheckIn.episode_id, CheckIn.status, CheckIn.ended_at, CheckIn.sent_at)
        .where(CheckIn.episode_id.in_(ids)).order_by(CheckIn.due_at, CheckIn.id))
    for episode_id, status, ended_at, sent_at in rows:
        if status == "completed" and ended_at is not None:
            completed.setdefault(episode_id, ended_at)
        if sent_at is not None or status not in ("scheduled", "cancelled"):
            latest[episode_id] = status
        else:
            latest.setdefault(episode_id, status)
    return completed, latest
