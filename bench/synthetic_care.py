"""The care team's side of a synthetic year: each alert's life (notified, acknowledged after a
lognormal delay, most within the deadline, some paged again or escalated, then resolved), the
coordinator's TCM task, the nurse's TCM contact record and attempts, and readmissions."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from .synthetic_rows import Rows, pick
from .synthetic_talk import RaisedAlert

NURSES = ("nora.k", "omar.d", "priya.s", "sam.t", "lena.m", "jon.r")
ACK_MINUTES = {"emergency": 5, "urgent": 60}  # the settings' defaults
# Median minutes to acknowledge, and the spread (lognormal sigma): about 85% within deadline.
ACK_DELAY = {"emergency": (2.2, 0.8), "urgent": (20.0, 0.95), "routine": (120.0, 1.0)}
RESOLUTIONS = {
    "emergency": (("sent_to_emergency_care", 0.45), ("reached_by_phone", 0.45), ("other", 0.1)),
    "urgent": (("reached_by_phone", 0.6), ("appointment_made", 0.2),
               ("no_action_needed", 0.15), ("other", 0.05)),
    "routine": (("no_action_needed", 0.4), ("reached_by_phone", 0.4),
                ("appointment_made", 0.15), ("other", 0.05)),
}
TCM_TASK = "tcm_contact"
TCM_WARNING = timedelta(hours=12)


@dataclass(frozen=True)
class Episode:
    id: int
    patient_id: int
    discharged_at: datetime
    tcm_deadline: datetime


class Care:
    def __init__(self, rows: Rows, rng: random.Random, end: datetime) -> None:
        self.rows, self.rng, self.end = rows, rng, end

    def _known(self, moment: datetime | None) -> datetime | None:
        """A moment that has happened by the end of the year, or None."""
        return moment if moment is not None and moment <= self.end else None

    def _minutes(self, median: float, sigma: float) -> timedelta:
        return timedelta(minutes=median * self.rng.lognormvariate(0, sigma))

    def alert(self, episode: Episode, conversation_id: int | None, raised: RaisedAlert, *,
              kind: str = "alert", due_at: datetime | None = None,
              resolved: datetime | None = None, resolution: str | None = None) -> None:
        """One alert with its notifications, acknowledgement and resolution, and its events.
        `resolved`: when what it asks for was done (a TCM task closes with the contact)."""
        rng, rows, known = self.rng, self.rows, self._known
        created, severity = raised.at, raised.severity
        deadline = ACK_MINUTES.get(severity)
        notified = digested = renotified = escalated = None
        if deadline is not None:
            notified = created + timedelta(seconds=rng.uniform(2, 20))
            acknowledged = created + self._minutes(*ACK_DELAY[severity])
            if acknowledged > notified + timedelta(minutes=deadline):
                renotified = notified + timedelta(minutes=deadline)
                if acknowledged > renotified + timedelta(minutes=deadline):
                    escalated = renotified + timedelta(minutes=deadline)
        else:
            digested = created + timedelta(hours=rng.uniform(2, 22))  # the morning digest
            acknowledged = digested + self._minutes(*ACK_DELAY["routine"])
        if resolved is None:
            spread = 1.0 if severity == "routine" else 0.9
            resolved = acknowledged + self._minutes(180 if severity == "routine" else 35,
                                                    spread)
            resolution = pick(rng, RESOLUTIONS[severity])
            if rng.random() < 0.03:
                resolved = None  # acknowledged, never closed
        acknowledged = min(acknowledged, resolved) if resolved else acknowledged
        acknowledged, resolved = known(acknowledged), known(resolved)
        renotified, escalated, notified = known(renotified), known(escalated), known(notified)
        digested = known(digested)
        status = "resolved" if resolved else "acknowledged" if acknowledged else "open"
        nurse = rng.choice(NURSES) if acknowledged else None
        alert_id = rows.new_id("alert")
        events = [("raised", "carecall", raised.summary, created),
                  ("notified", "carecall", None, notified),
                  ("renotified", "carecall", None, renotified),
                  ("escalated", "carecall", "to the backup", escalated),
                  ("acknowledged", nurse, None, acknowledged),
                  ("resolved", nurse, resolution, resolved)]
        events = [event for event in events if event[3] is not None]
        t = rows.time
        rows.add("alert", (alert_id, episode.patient_id, episode.id, conversation_id, severity,
                           raised.reason, raised.question_id, raised.summary,
                           rows.json([raised.evidence]), status, nurse, kind, t(due_at),
                           t(acknowledged), t(resolved), resolution if resolved else None,
                           t(notified), t(renotified), t(escalated), t(digested), t(created),
                           t(events[-1][3])))
        for action, actor, detail, at in events:
            rows.add("alert_event", (rows.new_id("alert_event"), alert_id, action,
                                     actor or "carecall", detail, t(at)))

    def tcm(self, episode: Episode, problems: list[datetime]) -> None:
        """The nurse's interactive contact (about 85% before the deadline), the attempts before
        it, the visit and medication review; and the coordinator's task when no nurse had
        reached the patient some hours before the deadline or a check-in found a problem."""
        rng, rows, known = self.rng, self.rows, self._known
        deadline, left = episode.tcm_deadline, episode.discharged_at
        draw = rng.random()
        if draw < 0.85:
            contact: datetime | None = left + (deadline - left - timedelta(hours=1)) * \
                rng.uniform(0.05, 1)
        elif draw < 0.93:
            contact = deadline + timedelta(hours=rng.uniform(2, 96))
        else:
            contact = None
        tries = []
        for _ in range(rng.choice((0, 0, 0, 1, 1, 2)) if contact else rng.choice((0, 1, 2, 3))):
            before = (contact or deadline) - timedelta(hours=rng.uniform(1, 20))
            tries.append(max(before, left + timedelta(minutes=30)))
        attempts = [(at, rng.choice(("no_answer", "no_answer", "voicemail", "wrong_number")))
                    for at in sorted(tries)]
        if contact:
            attempts.append((contact, "reached"))
        attempts = [(at, outcome) for at, outcome in attempts if known(at)]
        task_at = min([deadline - TCM_WARNING, *[p for p in problems if p < deadline]])
        task_at = max(task_at, left)
        reached_first = known(contact) is not None and contact <= task_at  # type: ignore[operator]
        if not reached_first and known(task_at):
            closed = known(contact) or (deadline + timedelta(days=rng.uniform(1, 5))
                                        if rng.random() < 0.7 else None)
            self.alert(episode, None, RaisedAlert(
                TCM_TASK, "urgent", "Call the patient before the TCM deadline", None, task_at,
                {"question": None, "raw": "no nurse has reached the patient yet"}),
                kind="task", due_at=deadline, resolved=closed,
                resolution="reached_by_phone" if contact and closed == contact else "other")
        if not attempts:
            return
        nurse = rng.choice(NURSES)
        for at, outcome in attempts:
            rows.add("tcm_contact_attempt", (
                rows.new_id("tcm_contact_attempt"), episode.id, rows.time(at), outcome, nurse,
                ("patient" if rng.random() < 0.85 else "daughter") if outcome == "reached"
                else None))
        reached = known(contact)
        visit = review = None
        if reached:
            visit = (left + timedelta(days=rng.randint(3, 13))).date() \
                if rng.random() < 0.75 else None
            review = reached.date() if rng.random() < 0.8 else None
            visit = visit if visit and visit <= self.end.date() else None
        updated = attempts[-1][0]
        rows.add("tcm_record", (
            rows.new_id("tcm_record"), episode.id, rows.time(reached), nurse if reached else None,
            rows.day(visit), rows.day(review), nurse if review else None,
            "nurse" if review else None, rows.time(updated), nurse))

    def readmission(self, episode: Episode, admitted: datetime, days: int) -> None:
        rows = self.rows
        number = rows.new_id("readmission")
        rows.add("readmission", (number, episode.patient_id, episode.id, rows.time(admitted),
                                 days, f"SR{number:08d}", "hl7", "A01",
                                 rows.time(admitted + timedelta(minutes=self.rng.uniform(1, 30)))))


