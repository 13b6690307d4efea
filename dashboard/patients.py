"""The patient side of the workbench: finding a patient, the patient's page (the stay, answers
in words, trends, notes, caregivers, the conversation) and the list of active patients.
Every page here shows patients' information: coordinators and admins only, every view and
every change audited."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from assistant.care_team.caregivers import (
    CaregiverError,
    NewCaregiver,
    add_caregiver,
    deactivate_caregiver,
)
from assistant.care_team.notes import MAX_NOTE, NoteError, add_note
from assistant.outreach.active_patients import ORDERS, active_patients
from assistant.records.audit import record
from assistant.records.care_records import Caregiver
from assistant.records.db import transaction
from assistant.records.models import Patient
from assistant.services import Services
from dashboard.auth import restrict
from dashboard.patient_view import current_episode, patient_page

bp = Blueprint("patients", __name__, template_folder="templates")
restrict(bp, "coordinator", "admin")


def _services() -> Services:
    return current_app.extensions["carecall"]


def _audit(session: Session, action: str, subject: str, subject_id: object = "*",
           detail: str | None = None) -> None:
    record(session, actor=current_user.username, action=action, subject=subject,
           subject_id=subject_id, now=_services().clock(), detail=detail)


def _patient(session: Session, patient_id: int) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None:
        abort(404)
    return patient


def _page(session: Session, patient: Patient, status: int = 200,
          **form: object) -> tuple[str, int]:
    """The patient's page; after a refused form, with the problem and what was typed."""
    services = _services()
    _audit(session, "viewed", "patient", patient.id)
    view = patient_page(session, services, patient)
    flow = services.flows.flows.get(view.episode.flow_id) if view.episode else None
    return render_template("patient.html", page=view, patient=patient,
                           flow_title=flow.title if flow else None, max_note=MAX_NOTE,
                           form=form), status


@bp.get("/patients/<int:patient_id>")
def patient_timeline(patient_id: int) -> tuple[str, int]:
    with transaction(_services().sessions) as session:
        return _page(session, _patient(session, patient_id))


@bp.post("/patients/<int:patient_id>/notes")
def note_add(patient_id: int) -> Response | tuple[str, int]:
    services = _services()
    body = request.form.get("body", "")
    with transaction(services.sessions) as session:
        patient = _patient(session, patient_id)
        episode = current_episode(session, patient.id)
        try:
            add_note(session, patient, body, author=current_user.username,
                     now=services.clock(),
                     episode_id=episode.id if episode else None)
        except NoteError as exc:
            return _page(session, patient, 400, note_error=str(exc), note_text=body)
    return redirect(url_for("patients.patient_timeline", patient_id=patient_id) + "#notes")


@bp.post("/patients/<int:patient_id>/caregivers")
def caregiver_add(patient_id: int) -> Response | tuple[str, int]:
    services = _services()
    form = request.form
    given = NewCaregiver(
        name=form.get("name", ""), relationship=form.get("relationship", ""),
        phone=form.get("phone", ""), language=form.get("language", "en"),
        consent=form.get("consent") == "yes", is_proxy=form.get("is_proxy") == "yes")
    with transaction(services.sessions) as session:
        patient = _patient(session, patient_id)
        try:
            add_caregiver(session, patient, given, source="dashboard",
                          actor=current_user.username,
                          default_region=services.settings.default_region,
                          now=services.clock())
        except CaregiverError as exc:
            return _page(session, patient, 400, caregiver_errors=exc.problems, caregiver=given)
    return redirect(url_for("patients.patient_timeline", patient_id=patient_id)
                    + "#caregivers")


@bp.post("/patients/<int:patient_id>/caregivers/<int:caregiver_id>/inactive")
def caregiver_inactive(patient_id: int, caregiver_id: int) -> Response:
    services = _services()
    with transaction(services.sessions) as session:
        caregiver = session.get(Caregiver, caregiver_id)
        if caregiver is None or caregiver.patient_id != patient_id:
            abort(404)
        deactivate_caregiver(session, caregiver, actor=current_user.username,
                             now=services.clock())
    return redirect(url_for("patients.patient_timeline", patient_id=patient_id)
                    + "#caregivers")


@bp.get("/patients/active")
def active() -> str:
    """Order is in the URL (it names no patient); an unknown one falls back to severity."""
    services = _services()
    order = request.args.get("order", "severity")
    if order not in ORDERS:
        order = "severity"
    with transaction(services.sessions) as session:
        rows = active_patients(session, services.clock(), order)
        _audit(session, "viewed", "active_patients", detail="listed patients " + (
            ", ".join(str(row.patient.id) for row in rows) or "none"))
        titles = {flow_id: flow.title for flow_id, flow in services.flows.flows.items()}
        return render_template("active_patients.html", rows=rows, order=order, orders=ORDERS,
                               titles=titles)


@bp.route("/patients", methods=["GET", "POST"])
def patient_search() -> str:
    """Searched by POST, so a patient's name or phone never sits in a URL (browser history,
    proxy and server logs); the audit log keeps which patients were found, not the words."""
    query = request.form.get("q", "").strip() if request.method == "POST" else ""
    found: list[Patient] = []
    if query:
        with transaction(_services().sessions) as session:
            digits = "".join(ch for ch in query if ch.isdigit())
            condition = Patient.name.ilike(f"%{query}%")
            if len(digits) >= 4:
                condition = condition | Patient.phone.contains(digits)
            found = list(session.scalars(select(Patient).where(condition)
                                         .order_by(Patient.name).limit(100)))
            _audit(session, "viewed", "patient_search", detail="found patients " + (
                ", ".join(str(patient.id) for patient in found) or "none"))
    return render_template("patients.html", query=query, patients=found)
