"""The alert queue: most severe and newest first, with the evidence beside each."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from sqlalchemy import case, select
from sqlalchemy.orm import joinedload

from assistant.models import Alert

bp = Blueprint("dashboard", __name__, template_folder="templates")

_SEVERITY_RANK = case({"emergency": 0, "urgent": 1, "routine": 2}, value=Alert.severity)


def _alerts() -> list[Alert]:
    services = current_app.extensions["carecall"]
    with services.sessions() as session:
        return list(session.scalars(
            select(Alert).options(joinedload(Alert.patient))
            .order_by((Alert.status == "resolved"), _SEVERITY_RANK, Alert.created_at.desc())
            .limit(500)
        ))


@bp.get("/")
def alert_queue() -> str:
    return render_template("alerts.html", alerts=_alerts())


@bp.get("/alerts.json")
def alert_feed():  # type: ignore[no-untyped-def]
    return jsonify([
        {
            "id": alert.id, "severity": alert.severity, "reason": alert.reason,
            "summary": alert.summary, "question": alert.question_id, "status": alert.status,
            "patient": alert.patient.name, "phone": alert.patient.phone,
            "created_at": alert.created_at.isoformat(timespec="seconds") + "Z",
            "evidence": alert.evidence,
        }
        for alert in _alerts()
    ])
