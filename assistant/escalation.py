"""Escalation: which of a flow's rules an answer triggers, and the alerts they raise."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .flows import AnswerView, Flow, Rule
from .models import Alert

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
    evidence: dict[str, Any],
    now: datetime,
) -> Alert:
    """Open an alert, or add the evidence to the open one for the same episode and reason."""
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
            evidence=[evidence],
            status="open",
            created_at=now,
            updated_at=now,
        )
        session.add(alert)
    else:
        alert.evidence = [*alert.evidence, evidence]
        if SEVERITY_ORDER[severity] < SEVERITY_ORDER[alert.severity]:
            alert.severity = severity
        alert.updated_at = now
    session.flush()
    return alert


def evidence(question_id: str | None, value: Any, raw: str, message_id: int | None,
             now: datetime) -> dict[str, Any]:
    """What a coordinator sees beside an alert: the answer and the message behind it."""
    return {
        "question": question_id,
        "value": value,
        "raw": raw,
        "message_id": message_id,
        "at": now.isoformat(timespec="seconds"),
    }
