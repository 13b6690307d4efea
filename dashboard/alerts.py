"""The alert queue (most severe and newest first, with the evidence beside each), a patient's
conversation, and the inbound messages that could not be processed and wait for a person."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from sqlalchemy import case, select
from sqlalchemy.orm import Session, joinedload

from assistant.audit import record
from assistant.db import transaction
from assistant.models import Alert, Message, Patient
from assistant.services import Services

bp = Blueprint("dashboard", __name__, template_folder="templates")

_SEVERITY_RANK = case({"emergency": 0, "urgent": 1, "routine": 2}, value=Alert.severity)


def _services() -> Services:
    return current_app.extensions["carecall"]


def _alerts(session: Session) -> list[Alert]:
    return list(session.scalars(
        select(Alert).options(joinedload(Alert.patient)).where(Alert.kind == "alert")
        .order_by((Alert.status == "resolved"), _SEVERITY_RANK, Alert.created_at.desc())
        .limit(500)
    ))


def _tasks(session: Session) -> list[Alert]:
    """Open tasks, the nearest deadline first."""
    return list(session.scalars(
        select(Alert).options(joinedload(Alert.patient))
        .where(Alert.kind == "task", Alert.status != "resolved")
        .order_by(Alert.due_at, Alert.id).limit(500)
    ))


@bp.get("/")
def alert_queue() -> str:
    with _services().sessions() as session:
        unprocessed = list(session.scalars(
            select(Message).where(Message.direction == "in", Message.status == "error")
            .order_by(Message.created_at.desc()).limit(100)
        ))
        return render_template("alerts.html", alerts=_alerts(session), tasks=_tasks(session),
                               unprocessed=unprocessed)


@bp.get("/alerts/<int:alert_id>")
def alert_detail(alert_id: int) -> str:
    services = _services()
    with transaction(services.sessions) as session:
        alert = session.get(Alert, alert_id)
        if alert is None:
            abort(404)
        record(session, actor=_viewer(), action="viewed", subject="alert", subject_id=alert_id,
               now=services.clock())
        return render_template("alert.html", alert=alert, events=list(alert.events),
                               patient=alert.patient)


def _viewer() -> str:
    """Who is looking; until sign-in arrives, the address the request came from."""
    return f"anonymous@{request.remote_addr or 'unknown'}"


@bp.get("/patients/<int:patient_id>")
def patient_timeline(patient_id: int) -> str:
    services = _services()
    with transaction(services.sessions) as session:
        patient = session.get(Patient, patient_id)
        if patient is None:
            abort(404)
        record(session, actor=_viewer(), action="viewed", subject="patient",
               subject_id=patient_id, now=services.clock())
        messages = list(session.scalars(
            select(Message).where(Message.patient_id == patient_id).order_by(Message.id)))
        alerts = list(session.scalars(
            select(Alert).where(Alert.patient_id == patient_id).order_by(Alert.id.desc())))
        return render_template("patient.html", patient=patient, messages=messages,
                               alerts=alerts)


@bp.get("/tasks.json")
def task_feed():  # type: ignore[no-untyped-def]
    with _services().sessions() as session:
        return jsonify([
            {
                "id": task.id, "reason": task.reason, "summary": task.summary,
                "status": task.status, "patient": task.patient.name,
                "patient_id": task.patient_id,
                "due_at": task.due_at.isoformat(timespec="seconds") + "Z" if task.due_at else None,
                "evidence": task.evidence,
            }
            for task in _tasks(session)
        ])


@bp.get("/alerts.json")
def alert_feed():  # type: ignore[no-untyped-def]
    with _services().sessions() as session:
        return jsonify([
            {
                "id": alert.id, "severity": alert.severity, "reason": alert.reason,
                "summary": alert.summary, "question": alert.question_id,
                "status": alert.status, "patient": alert.patient.name,
                "patient_id": alert.patient_id,
                "created_at": alert.created_at.isoformat(timespec="seconds") + "Z",
                "evidence": alert.evidence,
            }
            for alert in _alerts(session)
        ])
