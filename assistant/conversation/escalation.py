"""Escalation: which of a flow's rules an answer triggers, and the alerts they raise."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.care_team.alert_lifecycle import add_event
from assistant.care_team.tcm_record import TCM_TASK
from assistant.conversation.flows import AnswerView, Flow, Rule
from assistant.records.care_records import TcmRecord
from assistant.records.models import Alert, Episode

SEVERITY_ORDER = {"emergency": 0, "urgent": 1, "routine": 2}


def triggered_rules(
    flow: Flow, question_id: str, answers: Mapping[str, AnswerView]
) -> list[Rule]:
    """Rules that involve the question just answered and now hold, most severe first."""
    matched = [rule for rule in flow.rules_for(question_id) if rule.when.holds(answers)]
    return sorted(matched, key=lambda rule: SEVERITY_ORDER[rule.severity])


def raise_alert(
    session: Session,
    *,
    patient_id: int,
    episode_id: int,
    conversation_id: int | None,
    reason: str,
    severity: str,
    summary: str,
    question_id: str | None,
    evidence: dict[str, Any] | list[dict[str, Any]],
    now: datetime,
    due_at: datetime | None = None,
) -> Alert:
    """Open an alert, or add the evidence to the open one for the same episode and reason.
    `evidence` is one item or several (each answer a rule looked at, the deciding one last).

    A problem found before the episode's TCM deadline also opens the coordinator's task to
    call the patient by then."""
    items = evidence if isinstance(evidence, list) else [evidence]
    alert = session.scalar(
        select(Alert).where(
            Alert.episode_id == episode_id, Alert.reason == reason, Alert.status != "resolved"
        )
    )
    if alert is None:
        alert = Alert(
            patient_id=patient_id,
            episode_id=episode_id,
            conversation_id=conversation_id,
            severity=severity,
            reason=reason,
            question_id=question_id,
            summary=summary,
            evidence=list(items),
            status="open",
            created_at=now,
            updated_at=now,
            kind="task" if due_at else "alert",
            due_at=due_at,
        )
        session.add(alert)
        add_event(session, alert, "raised", "carecall", now, summary)
    else:
        add_evidence(session, alert, items, now)
        worse = SEVERITY_ORDER[severity] < SEVERITY_ORDER[alert.severity]
        if worse:
            alert.severity = severity
        if alert.status == "acknowledged" and alert.severity in ("emergency", "urgent") and (
                worse or conversation_id != alert.conversation_id):
            _reopen(session, alert, now)
        alert.updated_at = now
    session.flush()
    if reason not in (TCM_TASK, "opted_out"):
        open_tcm_task(session, episode_id, "a problem was found in a check-in", now)
    return alert


def _reopen(session: Session, alert: Alert, now: datetime) -> None:
    """An acknowledged alert that got worse, or came back at a later check-in, is open again
    and paged again: the patient has just been told a nurse will call."""
    alert.status = "open"
    alert.notified_at = alert.renotified_at = alert.escalated_at = None
    alert.notified_user_id = None
    add_event(session, alert, "reopened", "carecall", now,
              f"new evidence, now {alert.severity}: paged again")


def add_evidence(session: Session, alert: Alert, items: list[dict[str, Any]],
                 now: datetime) -> None:
    """More of what the patient said, on an alert already raised. The same message seen by
    two rules (or twice by one) is one piece of evidence."""
    def key(item: dict[str, Any]) -> tuple[Any, ...]:
        return item.get("message_id"), item.get("question"), item.get("raw")

    seen = {key(item) for item in alert.evidence}
    fresh = [item for item in items if key(item) not in seen]
    if not fresh:
        return
    alert.evidence = [*alert.evidence, *fresh]
    alert.updated_at = now
    for item in fresh:
        add_event(session, alert, "evidence_added", "carecall", now, item.get("raw"))


def open_tcm_task(session: Session, episode_id: int, why: str, now: datetime) -> Alert | None:
    """The coordinator's task to reach the patient in person before the TCM deadline; an
    automated check-in does not count as that contact. None once the deadline has passed or
    a nurse has made the contact."""
    episode = session.get_one(Episode, episode_id)
    if episode.tcm_deadline is None or episode.tcm_deadline <= now:
        return None
    if session.scalar(select(TcmRecord.first_contact_at).where(
            TcmRecord.episode_id == episode_id)) is not None:
        return None
    existing = session.scalar(select(Alert).where(
        Alert.episode_id == episode_id, Alert.reason == TCM_TASK, Alert.status != "resolved"))
    if existing is not None:
        return existing  # one task per episode; its reason is already on it
    deadline = episode.tcm_deadline.replace(tzinfo=UTC).astimezone(
        ZoneInfo(episode.patient.time_zone)).strftime("%a %b %-d, %H:%M %Z")  # Tue Nov 24, 23:59
    return raise_alert(
        session, patient_id=episode.patient_id, episode_id=episode_id, conversation_id=None,
        reason=TCM_TASK, severity="urgent",
        summary=f"Call the patient before the TCM deadline ({deadline})", question_id=None,
        evidence={"question": None, "value": None, "raw": why, "message_id": None,
                  "at": now.isoformat(timespec="seconds")},
        now=now, due_at=episode.tcm_deadline)


def evidence(question_id: str | None, value: Any, raw: str, message_id: int | None,
             now: datetime, *, asked: str | None = None, medicine: str | None = None,
             answer: str | None = None, channel: str | None = None,
             respondent: str | None = None, respondent_phone: str | None = None,
             ) -> dict[str, Any]:
    """What a coordinator sees beside an alert: the patient's own words (or the key pressed
    on a call), the question as it was asked and the medicine it was about, the answer as it
    was read, and who said it when a caregiver answers for the patient (the one to call)."""
    item: dict[str, Any] = {
        "question": question_id,
        "value": value,
        "raw": raw,
        "message_id": message_id,
        "at": now.isoformat(timespec="seconds"),
    }
    extra = {"asked": asked, "medicine": medicine, "answer": answer, "channel": channel,
             "respondent": respondent, "respondent_phone": respondent_phone}
    item.update({key: value for key, value in extra.items() if value is not None})
    return item
