"""Admins' pages: flows (edit, check at the line, diff, test, diagram, propose, and a second
admin's sign-off before publishing), the "try a reply" box, and the care team."""

from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from assistant.authoring import flow_diagram, flow_editor, flow_signoff
from assistant.authoring.call_length import call_length
from assistant.care_team.roster import RosterError, add_user, deactivate, set_backup
from assistant.conversation.reading_numbers import UNIT_NAMES
from assistant.conversation.understanding import KINDS, interpret
from assistant.records.accounts import AccountError, set_password
from assistant.records.care_records import FlowProposal
from assistant.records.db import transaction
from assistant.records.models import FlowVersion, User
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
    return render_template("admin_flows.html", rows=rows,
                           pending=flow_signoff.pending(services))


@bp.route("/flows/<flow_id>", methods=["GET", "POST"])
def edit_flow(flow_id: str) -> tuple[str, int]:
    """Check a draft, or propose it for publication (a second admin signs it off)."""
    services = _services()
    if flow_id not in services.flows.flows:
        abort(404)
    if request.method == "GET":
        text = flow_editor.published_text(services, flow_id)
        return _flow_page(flow_id, text, flow_editor.check(services, flow_id, text))
    text = request.form.get("source", "").replace("\r\n", "\n")  # browsers send CRLF
    action = request.form.get("action", "check")
    if action == "propose":
        result, proposal = flow_signoff.propose(services, flow_id, text, current_user.username,
                                                request.form.get("note"))
        return _flow_page(flow_id, text, result, proposed=proposal,
                          status=200 if proposal else 400)
    if action != "check":
        abort(400, f"unknown action {action!r}")
    result = flow_editor.check(services, flow_id, text)
    return _flow_page(flow_id, text, result, status=200 if result.ok else 400)


@bp.post("/flows/<flow_id>/proposals/<int:proposal_id>/sign-off")
def sign_off(flow_id: str, proposal_id: int) -> tuple[str, int]:
    services = _services()
    try:
        result, proposal, version = flow_signoff.sign_off(services, flow_id, proposal_id,
                                                          current_user.username)
    except flow_signoff.SignOffRefused as exc:
        return _refused(flow_id, exc)
    if version is None:  # its checks fail now: the proposed text, with the problems
        return _flow_page(flow_id, proposal.source_text, result, status=400)
    return _flow_page(flow_id, proposal.source_text, result, version=version)


@bp.post("/flows/<flow_id>/proposals/<int:proposal_id>/send-back")
def send_back(flow_id: str, proposal_id: int) -> ResponseReturnValue:
    services = _services()
    try:
        flow_signoff.send_back(services, flow_id, proposal_id, current_user.username,
                               request.form.get("reason", ""))
    except flow_signoff.SignOffRefused as exc:
        return _refused(flow_id, exc)
    return redirect(url_for("admin.edit_flow", flow_id=flow_id), 303)


def _refused(flow_id: str, refusal: flow_signoff.SignOffRefused) -> tuple[str, int]:
    if refusal.status == 404 or flow_id not in _services().flows.flows:
        abort(404)
    text = flow_editor.published_text(_services(), flow_id)
    return _flow_page(flow_id, text, flow_editor.check(_services(), flow_id, text),
                      refusal=str(refusal), status=refusal.status)


def _flow_page(flow_id: str, text: str, result: flow_editor.Check, *, status: int = 200,
               proposed: FlowProposal | None = None, version: FlowVersion | None = None,
               refusal: str | None = None) -> tuple[str, int]:
    """The editor with the draft, its problems (by line), its diff against the version in
    force, the flow's diagram and the proposals waiting for a second admin."""
    services = _services()
    in_force = flow_editor.published_text(services, flow_id)
    page = render_template(
        "admin_flow.html", flow_id=flow_id, text=text, result=result, version=version,
        proposed=proposed, refusal=refusal,
        diagram=flow_diagram.mermaid(result.flow) if result.flow else "",
        diff=flow_editor.diff(in_force, text, flow_id) if text != in_force else "",
        error_lines=sorted({p.line for p in result.problems if p.line}),
        pending=flow_signoff.pending(services, flow_id),
        sent_back=flow_signoff.last_sent_back(services, flow_id))
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
