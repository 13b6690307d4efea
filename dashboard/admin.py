"""Admins' pages: flows (edit, check at the line, diff, test, publish, diagram), the "try a
reply" box, and the care team."""

from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from assistant.authoring import flow_editor
from assistant.authoring.call_length import call_length
from assistant.care_team.roster import RosterError, add_user, deactivate, set_backup
from assistant.conversation.chart import compile_chart
from assistant.conversation.reading_numbers import UNIT_NAMES
from assistant.conversation.understanding import KINDS, interpret
from assistant.records.accounts import AccountError, set_password
from assistant.records.db import transaction
from assistant.records.models import User
from assistant.safety import scan
from assistant.services import Services
from dashboard.auth import restrict

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


restrict(bp, "admin")


def _services() -> Services:
    return current_app.extensions["carecall"]


@bp.get("/flows")
def flows() -> str:
    services = _services()
    rows = []
    with services.sessions() as session:
        for flow in services.flows.flows.values():
            latest = services.versions.latest(session, flow.id)
            rows.append({"flow": flow, "latest": latest,
                         "length": call_length(flow, services.prompts, flow.languages[0])})
    return render_template("admin_flows.html", rows=rows)


@bp.route("/flows/<flow_id>", methods=["GET", "POST"])
def edit_flow(flow_id: str) -> tuple[str, int] | str:
    services = _services()
    if flow_id not in services.flows.flows:
        abort(404)
    in_force = flow_editor.published_text(services, flow_id)
    text = request.form.get("source", in_force) if request.method == "POST" else in_force
    text = text.replace("\r\n", "\n")  # browsers send a textarea with CRLF line ends
    action = request.form.get("action", "check")
    result = flow_editor.check(services, flow_id, text)
    version = None
    if request.method == "POST" and action == "publish":
        result, version = flow_editor.publish(services, flow_id, text, current_user.username)
    diagram = format(compile_chart(result.flow)(), "mermaid") if result.flow else ""
    status = 400 if request.method == "POST" and not (result.flow and not result.problems
                                                       and not result.failures) else 200
    page = render_template(
        "admin_flow.html", flow_id=flow_id, text=text, result=result, version=version,
        diff=flow_editor.diff(in_force, text, flow_id) if text != in_force else "",
        diagram=diagram, error_lines={p.line for p in result.problems})
    return page, status


@bp.route("/try", methods=["GET", "POST"])
def try_reply() -> str:
    outcome = None
    form = request.form
    if request.method == "POST":
        kind = form.get("kind", "yes_no")
        if kind not in KINDS:
            abort(400)
        choices = {c.strip(): () for c in form.get("choices", "").split(",") if c.strip()}
        unit = UNIT_NAMES.get(form.get("unit", "").lower()) or None
        text = form.get("text", "")
        result = interpret(kind, text, unit=unit, choices=choices,
                           language=form.get("lang", "en"))
        outcome = json.dumps({"text": text, "understood": result.understood,
                              "value": result.value, "unit": result.unit,
                              "red_flags": scan(text)}, ensure_ascii=False)
    return render_template("admin_try.html", kinds=KINDS, outcome=outcome, form=form)


@bp.get("/users")
def users(error: str | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    with _services().sessions() as session:
        team = list(session.scalars(select(User).order_by(User.username)))
        return render_template("admin_users.html", team=team, error=error), status


@bp.post("/users")
def add_team_member():  # type: ignore[no-untyped-def]
    services = _services()
    form = request.form
    try:
        with transaction(services.sessions) as session:
            user = add_user(session, services.settings, username=form.get("username", ""),
                            name=form.get("name", ""), role=form.get("role", "coordinator"),
                            phone=form.get("phone") or None, email=form.get("email") or None,
                            on_call=form.get("on_call") or "always", now=services.clock(),
                            actor=current_user.username)
            if form.get("password"):
                set_password(session, user, form["password"], services.clock(),
                             current_user.username)
    except (RosterError, AccountError) as exc:
        return users(str(exc), 400)
    return redirect(url_for("admin.users"))


@bp.post("/users/<username>/backup")
def set_team_backup(username: str):  # type: ignore[no-untyped-def]
    services = _services()
    try:
        with transaction(services.sessions) as session:
            set_backup(session, username, request.form.get("backup", ""), services.clock(),
                       current_user.username)
    except RosterError as exc:
        return users(str(exc), 400)
    return redirect(url_for("admin.users"))


@bp.post("/users/<username>/deactivate")
def deactivate_team_member(username: str):  # type: ignore[no-untyped-def]
    services = _services()
    try:
        with transaction(services.sessions) as session:
            deactivate(session, username, services.clock(), current_user.username)
    except RosterError as exc:
        return users(str(exc), 400)
    return redirect(url_for("admin.users"))
