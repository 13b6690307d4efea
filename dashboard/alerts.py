"""The alert queue (most severe and newest first, with the evidence beside each), a patient's
conversation, and the inbound messages that could not be processed and wait for a person."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import case, select
from sqlalchemy.orm import Session, joinedload
from werkzeug.wrappers import Response

from assistant.care_team.alert_lifecycle import (
    RESOLUTIONS,
    LifecycleError,
    acknowledge,
    assign,
    resolve,
)
from assistant.care_team.roster import RosterError, find
from assistant.outreach.checkin_list import list_checkins
from assistant.records.audit import record
from assistant.records.db import transaction
from assistant.records.models import Alert, Message, User
from assistant.services import Services
from dashboard.auth import restrict

bp = Blueprint("dashboard", __name__, template_folder="templates")


# Every page here shows patients' information: coordinators and admins only.
restrict(bp, "coordinator", "admin")

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


def _audit_read(session: Session, subject: str, subject_id: object = "*",
                detail: str | None = None) -> None:
    """Every page or feed that shows patients' data leaves a line in the audit log."""
    record(session, actor=_viewer(), action="viewed", subject=subject, subject_id=subject_id,
           now=_services().clock(), detail=detail)


@bp.get("/")
def alert_queue() -> str:
    with transaction(_services().sessions) as session:
        _audit_read(session, "alert_queue",
                    detail="auto-refresh" if request.args.get("auto") else None)
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
        team = list(session.scalars(select(User).where(User.active.is_(True))
                                    .order_by(User.username)))
        return render_template("alert.html", alert=alert, events=list(alert.events),
                               patient=alert.patient, team=team, resolutions=RESOLUTIONS)


def _viewer() -> str:
    return current_user.username


@bp.post("/alerts/<int:alert_id>/ack")
def alert_ack(alert_id: int) -> Response:
    services = _services()
    with transaction(services.sessions) as session:
        alert, user = _alert_and_me(session, alert_id)
        acknowledge(session, alert, user, services.clock())
    return redirect(url_for("dashboard.alert_detail", alert_id=alert_id))


@bp.post("/alerts/<int:alert_id>/assign")
def alert_assign(alert_id: int) -> Response:
    services = _services()
    with transaction(services.sessions) as session:
        alert, _ = _alert_and_me(session, alert_id)
        try:
            assignee = find(session, request.form.get("username", ""))
        except RosterError:
            abort(400)
        assign(session, alert, assignee, current_user.username, services.clock())
    return redirect(url_for("dashboard.alert_detail", alert_id=alert_id))


@bp.post("/alerts/<int:alert_id>/resolve")
def alert_resolve(alert_id: int) -> Response:
    services = _services()
    with transaction(services.sessions) as session:
        alert, user = _alert_and_me(session, alert_id)
        try:
            resolve(session, alert, user, request.form.get("resolution", ""),
                    request.form.get("note") or None, services.clock())
        except LifecycleError:
            abort(400)
    return redirect(url_for("dashboard.alert_detail", alert_id=alert_id))


def _alert_and_me(session: Session, alert_id: int) -> tuple[Alert, User]:
    alert = session.get(Alert, alert_id)
    if alert is None:
        abort(404)
    return alert, session.get_one(User, current_user.id)


@bp.get("/checkins")
def checkin_board() -> str:
    """Upcoming check-ins, unreachable patients, and episodes by TCM deadline."""
    with transaction(_services().sessions) as session:
        _audit_read(session, "checkin_board")
        return render_template(
            "checkins.html",
            upcoming=list_checkins(session, status="scheduled", limit=200),
            unreachable=list_checkins(session, status="unreachable", limit=200),
            deadlines=list_checkins(session, by_deadline=True, limit=200),
        )


@bp.get("/tasks.json")
def task_feed():  # type: ignore[no-untyped-def]
    with transaction(_services().sessions) as session:
        _audit_read(session, "task_feed")
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
    with transaction(_services().sessions) as session:
        _audit_read(session, "alert_feed")
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
