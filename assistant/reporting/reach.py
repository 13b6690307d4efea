"""Reach and speed: who was reached, on which attempt and channel, how soon after discharge,
and whether the human TCM contact came within its two business days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, Subquery, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session

from assistant.records.models import Episode, Patient
from assistant.reporting.figures import Share, Spread
from assistant.reporting.sql_time import percentiles, seconds_between

ATTEMPT_BUCKETS = ("1", "2", "3", "4+")
CHANNELS = ("sms", "voice", "fallback")
MISSES_LISTED = 100


@dataclass(frozen=True)
class Reach:
    discharges: int
    reached: Share
    by_attempt: dict[str, int]  # "1".."4+": reached on that attempt
    by_channel: dict[str, int]  # sms | voice | fallback

    @property
    def never(self) -> Share:
        return Share(self.reached.of - self.reached.count, self.reached.of)

    def cumulative(self) -> list[tuple[str, Share]]:
        """Reached by the n-th attempt: the published programmes' "after several attempts"."""
        total, found = 0, []
        for bucket in ATTEMPT_BUCKETS:
            total += self.by_attempt.get(bucket, 0)
            found.append((bucket, Share(total, self.discharges)))
        return found


@dataclass(frozen=True)
class TcmMiss:
    episode_id: int
    patient_id: int
    patient: str
    discharged_at: datetime
    deadline: datetime
    first_contact_at: datetime | None


@dataclass(frozen=True)
class Speed:
    first_reply_seconds: Spread  # discharge to the patient's first reply
    first_attempt_seconds: Spread  # discharge to our first message or call
    tcm_met: Share  # of those due: contact by the deadline
    tcm_pending: int  # deadline still ahead, no contact yet
    tcm_misses: list[TcmMiss]  # the latest, at most MISSES_LISTED
    tcm_missed: int


def reach(session: Session, facts: Subquery) -> Reach:
    bucket = case((facts.c.attempts_to_reach >= 4, literal("4+")),
                  else_=cast(facts.c.attempts_to_reach, String))
    rows = session.execute(
        select(facts.c.reached, bucket.label("bucket"), facts.c.reach_channel, func.count())
        .group_by(facts.c.reached, bucket, facts.c.reach_channel)).all()
    discharges = sum(count for *_, count in rows)
    reached = sum(count for was, _b, _c, count in rows if was)
    by_attempt = dict.fromkeys(ATTEMPT_BUCKETS, 0)
    by_channel = dict.fromkeys(CHANNELS, 0)
    for was, attempt, channel, count in rows:
        if not was:
            continue
        # A check-in completed with no attempt recorded (an inbound text that opened it) is
        # reached at the first.
        by_attempt[attempt if attempt in by_attempt and attempt != "0" else "1"] += count
        by_channel[channel if channel in by_channel else "sms"] += count
    return Reach(discharges, Share(reached, discharges), by_attempt, by_channel)


def speed(session: Session, facts: Subquery, now: datetime) -> Speed:
    reply = seconds_between(facts.c.first_reply_at, facts.c.discharged_at)
    attempt = seconds_between(facts.c.first_attempt_at, facts.c.discharged_at)
    reply_spread = spread(session, select(reply).where(facts.c.first_reply_at.is_not(None)))
    attempt_spread = spread(session,
                             select(attempt).where(facts.c.first_attempt_at.is_not(None)))
    contact, deadline = facts.c.tcm_first_contact_at, facts.c.tcm_deadline
    met = and_(contact.is_not(None), contact <= deadline)
    pending = and_(contact.is_(None), deadline > now)
    missed = and_(deadline.is_not(None), ~met, ~pending)
    met_n, pending_n, missed_n = session.execute(select(
        func.coalesce(func.sum(case((met, 1), else_=0)), 0),
        func.coalesce(func.sum(case((pending, 1), else_=0)), 0),
        func.coalesce(func.sum(case((missed, 1), else_=0)), 0))).one()
    misses = [TcmMiss(*row) for row in session.execute(
        select(facts.c.episode_id, Patient.id, Patient.name, facts.c.discharged_at, deadline,
               contact)
        .join(Episode, Episode.id == facts.c.episode_id)
        .join(Patient, Patient.id == Episode.patient_id)
        .where(missed)
        .order_by(deadline.desc(), facts.c.episode_id.desc()).limit(MISSES_LISTED))]
    return Speed(reply_spread, attempt_spread, Share(int(met_n), int(met_n) + int(missed_n)),
                 int(pending_n), misses, int(missed_n))


def spread(session: Session, seconds: Select[Any]) -> Spread:
    n, (median, p90) = percentiles(session, seconds, (0.5, 0.9))
    return Spread(n, median, p90)
