"""The coordinators' worklist (alerts and tasks, filtered, updating itself), one alert with
its evidence and lifecycle, the check-in board, and the JSON feeds."""

from __future__ import annotations

from typing import Any

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
from sqlalchemy import select
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
from assistant.records.audit import record
from assistant.records.db import transaction
from assistant.records.models import Alert, CheckIn, Conversation, Episode, User
from assistant.services import Services
from dashboard import worklist
from dashboard.auth import restrict

bp = Blueprint("dashboard", __name__, template_folder="templates")


# Every page here shows patients' information: coordinators and admins only.
restrict(bp, "coordinator", "admin")



def _services() -> Services:
    return current_app.extensions["carecall"]


def _tasks(session: Session) -> list[Alert]:
    """Open tasks, the nearest deadline first (the JSON feed)."""
    return worklist.load(session, worklist.Filters(), "").tasks


def _alerts(session: Session) -> list[Alert]:
    """Every alert, unresolved first (the JSON feed, as it always was)."""
    return worklist.load(session, worklist.Filters(status="all"), "").alerts


def _audit_read(session: Session, subject: str, subject_id: object = "*",
                detail: str | None = None) -> None:
    """Every page or feed that shows patients' data leaves a line in the audit log."""
    record(session, actor=_viewer(), action="viewed", subject=subject, subject_id=subject_id,
           now=_services().clock(), detail=detail)


@bp.get("/")
def alert_queue() -> str:
    """The worklist, with the filters in the address (no patient data there)."""
    return _worklist_page("alerts.html", "alert_queue") or ""


@bp.get("/worklist/fragment")
def worklist_fragment() -> Response | str:
    """What the worklist page polls (htmx, every 15 s; a request the page makes by itself,
    so it does not keep a forgotten screen signed in). Nothing changed: 204, and the page is
    not redrawn under the nurse's cursor."""
    return _worklist_page("_worklist.html", "worklist", since=request.args.get("since")) \
        or Response(status=204)


def _worklist_page(template: str, subject: str, since: str | None = None) -> str | None:
    """The page (or its fragment), or None when the list is still the version `since`."""
    services = _services()
    filters = worklist.Filters.from_args(request.args.to_dict(), set(services.flows.flows))
    with transaction(services.sessions) as session:
        _audit_read(session, subject, detail="auto-refresh" if since else None)
        loaded = worklist.load(session, filters, current_user.username)
        if since is not None and since == loaded.version:
            return None
        team = [(user.username, user.name) for user in session.scalars(
            select(User).where(User.active.is_(True)).order_by(User.name))]
        return render_template(
            template, worklist=loaded, filters=filters, team=team, names=dict(team),
            severities=worklist.SEVERITIES, statuses=STATUS_LABELS,
            flows=sorted((flow.id, flow.title) for flow in services.flows.flows.values()),
            back=url_for("dashboard.alert_queue", **filters.as_args()))


STATUS_LABELS = (("active", "open or acknowledged"), ("open", "open"),
                 ("acknowledged", "acknowledged"), ("resolved", "resolved"), ("all", "all"))


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
        assignee = next((user.name for user in team if user.username == alert.assignee),
                        alert.assignee)
        conversation = session.get(Conversation, alert.conversation_id) \
            if alert.conversation_id else None
        return render_template("alert.html", alert=alert, events=list(alert.events),
                               patient=alert.patient, team=team, resolutions=RESOLUTIONS,
                               assignee_name=assignee,
                               respondent=conversation.respondent if conversation else None)


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


@bp.post("/alerts/<int:alert_id>/assign-to-me")
def alert_assign_to_me(alert_id: int) -> Response:
    """One click from the worklist; back to where the nurse was, filters and all."""
    services = _services()
    with transaction(services.sessions) as session:
        alert, me = _alert_and_me(session, alert_id)
        if alert.status != "resolved":
            assign(session, alert, me, current_user.username, services.clock())
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("dashboard.alert_detail", alert_id=alert_id)
    return redirect(target)


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
            upcoming=_checkins(session, CheckIn.status == "scheduled", CheckIn.due_at),
            unreachable=_checkins(session, CheckIn.status == "unreachable", CheckIn.due_at),
            deadlines=_checkins(session, CheckIn.status.in_(_WAITING), Episode.tcm_deadline),
        )


_WAITING = ("scheduled", "claimed", "sent", "in_progress")


def _checkins(session: Session, condition: Any, order: Any) -> list[CheckIn]:
    return list(session.scalars(
        select(CheckIn).join(Episode, CheckIn.episode_id == Episode.id)
        .options(joinedload(CheckIn.episode).joinedload(Episode.patient))
        .where(condition).order_by(order, CheckIn.id).limit(200)))


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
