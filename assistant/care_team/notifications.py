"""Getting alerts to a coordinator in time.

Emergency and urgent alerts go to the on-call coordinator by SMS and e-mail: a link and the
alert's number, never health information. Past its severity's acknowledgement deadline an
alert is sent again, and past the deadline once more it goes to the backup. Routine alerts
wait for the daily digest. Every step is saved on the alert, so a restarted worker carries on
where the last one stopped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from assistant.care_team.alert_lifecycle import add_event
from assistant.care_team.mailer import Mailer
from assistant.care_team.roster import on_call_now
from assistant.records.db import transaction
from assistant.records.models import Alert, User
from assistant.telephony.channels import SendError, SendOutcomeUnknown

if TYPE_CHECKING:  # the wiring (assistant.services) imports this module
    from assistant.services import Services

log = logging.getLogger(__name__)
NOTIFIED_SEVERITIES = ("emergency", "urgent")


@dataclass
class NotificationReport:
    notified: list[int] = field(default_factory=list)
    renotified: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    digests: int = 0


def alert_link(services: Services, alert_id: int) -> str:
    return services.url(f"/alerts/{alert_id}")


def notification_text(services: Services, alert: Alert, again: bool = False) -> str:
    """What the coordinator's phone shows: no name, no symptom, just where to look."""
    prefix = "Reminder: " if again else ""
    return (f"{prefix}Carecall {alert.severity.upper()} alert {alert.id} needs you: "
            f"{alert_link(services, alert.id)} Reply ACK {alert.id} when you have it.")


class Notifier:
    def __init__(self, services: Services, mailer: Mailer) -> None:
        self.services = services
        self.mailer = mailer

    def deadline(self, alert: Alert) -> timedelta:
        settings = self.services.settings
        minutes = (settings.ack_minutes_emergency if alert.severity == "emergency"
                   else settings.ack_minutes_urgent)
        return timedelta(minutes=minutes)

    def run(self) -> NotificationReport:
        """One worker tick: new alerts out, overdue ones again or to the backup, digest."""
        report = NotificationReport()
        now = self.services.clock()
        with self.services.sessions() as session:
            pending = session.scalars(select(Alert.id).where(
                Alert.kind == "alert", Alert.status == "open",
                Alert.severity.in_(NOTIFIED_SEVERITIES))
                .order_by(case({"emergency": 0}, value=Alert.severity, else_=1), Alert.id)).all()
        for alert_id in pending:
            with transaction(self.services.sessions) as session:
                alert = session.get_one(Alert, alert_id, with_for_update=True)
                step = self._next_step(alert, now)
                if step is not None and self._send(session, alert, step, now):
                    getattr(report, step).append(alert_id)
        report.digests = self._digest(now)
        return report

    def _next_step(self, alert: Alert, now: datetime) -> str | None:
        if alert.status != "open":
            return None
        if alert.notified_at is None:
            return "notified"
        if alert.renotified_at is None and now >= alert.notified_at + self.deadline(alert):
            return "renotified"
        if (alert.escalated_at is None and alert.renotified_at is not None
                and now >= alert.renotified_at + self.deadline(alert)):
            return "escalated"
        return None

    def _send(self, session: Session, alert: Alert, step: str, now: datetime) -> bool:
        services = self.services
        if step == "notified":
            user = on_call_now(session, services.settings, now)
        elif step == "renotified":
            user = session.get(User, alert.notified_user_id) if alert.notified_user_id else None
        else:
            first = session.get(User, alert.notified_user_id) if alert.notified_user_id else None
            user = first.backup if first is not None else None
        if user is None:
            # Tried again every tick, so the alert goes out as soon as someone is added.
            log.error("alert %s: nobody to notify (%s); add coordinators and backups with "
                      "'carecall users'", alert.id, step)
            return False
        text = notification_text(services, alert, again=step != "notified")
        reached = []
        if user.phone:
            try:
                services.sms.send(user.phone, text)
                reached.append("sms")
            except (SendError, SendOutcomeUnknown) as exc:
                log.warning("alert %s: SMS to %s failed: %s", alert.id, user.username, exc)
        if user.email and self.mailer.enabled:
            try:
                self.mailer.send(user.email, f"[Carecall] {alert.severity.upper()} alert "
                                 f"{alert.id}", text)
                reached.append("email")
            except OSError as exc:
                log.warning("alert %s: e-mail to %s failed: %s", alert.id, user.username, exc)
        setattr(alert, f"{step}_at", now)
        if step == "notified":
            alert.notified_user_id = user.id
        add_event(session, alert, step, "carecall", now,
                  f"{user.username} by {', '.join(reached) or 'nothing (both failed)'}")
        return True

    def _digest(self, now: datetime) -> int:
        """Once a day at the digest hour: routine alerts not yet sent, to each coordinator."""
        settings = self.services.settings
        local = now.replace(tzinfo=UTC).astimezone(ZoneInfo(settings.default_timezone))
        if local.hour != settings.digest_hour or not self.mailer.enabled:
            return 0
        with transaction(self.services.sessions) as session:
            routine = list(session.scalars(select(Alert).where(
                Alert.severity == "routine", Alert.status != "resolved",
                Alert.digested_at.is_(None)).order_by(Alert.id)))
            if not routine:
                return 0
            lines = [f"- alert {a.id}: {alert_link(self.services, a.id)}" for a in routine]
            body = (f"{len(routine)} routine item(s) are waiting in Carecall:\n"
                    + "\n".join(lines))
            sent = 0
            for user in session.scalars(select(User).where(
                    User.role == "coordinator", User.active.is_(True), User.email.is_not(None))):
                try:
                    self.mailer.send(user.email or "", "[Carecall] Daily digest", body)
                    sent += 1
                except OSError as exc:
                    log.warning("digest to %s failed: %s", user.username, exc)
            if sent:
                for alert in routine:
                    alert.digested_at = now
            return sent
