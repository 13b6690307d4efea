"""`/api/v1/`: JSON for hospital systems, with a bearer token. A discharge is validated as
`carecall enroll` validates it; bad input is a 400 that says what is wrong and writes nothing."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant.care_team.caregivers import caregivers_of
from assistant.foundation.local_time import local_iso
from assistant.intake.cancellation import REASONS, cancel_episodes
from assistant.intake.care_contacts import contact_from_json, diagnoses_from_json
from assistant.intake.caregiver_intake import Origin, from_json
from assistant.intake.enrollment import EnrollmentError, validate_discharge
from assistant.intake.readmissions import (
    ReadmissionError,
    admission_moment,
    record_readmission,
    stop_follow_up,
)
from assistant.intake.stays import record_stay
from assistant.intake.validation import IDENTIFIER
from assistant.outreach.checkin_list import list_checkins
from assistant.records.audit import record
from assistant.records.db import transaction
from assistant.records.models import MAX_ROW_ID, Alert, CheckIn, Episode, Patient
from assistant.records.phones import InvalidPhone, to_e164
from assistant.services import Services

from .bearer import signed_in_system
from .openapi import OPENAPI

bp = Blueprint("api", __name__, url_prefix="/api/v1")
DISCHARGE_FIELDS = {"name", "dob", "phone", "discharged", "flow", "lang", "tz", "medications",
                    "appointment", "appointment_with", "appointment_at_place",
                    "discharge_weight", "mrn", "mrn_authority", "visit_number", "caregivers",
                    "diagnoses", "pcp", "pharmacy"}


def _services() -> Services:
    return current_app.extensions["carecall"]


def _problem(status: int, message: str, problems: list[str] | None = None) -> ResponseReturnValue:
    """`error` says it in one line; `problems` lists each problem of the request, all at once."""
    return jsonify({"error": message, "problems": problems or [message]}), status


@bp.before_request
def require_token() -> ResponseReturnValue | None:
    if not signed_in_system():
        return _problem(401, "a valid API token is required: Authorization: Bearer <token>")
    problem = _query_problem()
    return _problem(400, problem) if problem else None


def _query_problem() -> str | None:
    """Unknown query parameters and values outside a documented list are refused, so a typo
    (`?stauts=open`) is an error rather than an unfiltered answer."""
    rule = request.url_rule.rule if request.url_rule else ""
    path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)
    operation = OPENAPI["paths"].get(path, {}).get(request.method.lower(), {})
    allowed = {p["name"]: p["schema"] for p in operation.get("parameters", [])
               if p["in"] == "query"}
    for name in request.args:
        if name not in allowed:
            return (f"unknown query parameter {name!r}; this takes "
                    f"{', '.join(sorted(allowed)) or 'none'}")
        choices = allowed[name].get("enum")
        if choices and any(value not in choices for value in request.args.getlist(name)):
            return f"{name} must be one of {', '.join(choices)}"
    return None


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


@bp.post("/discharges")
def record_discharge() -> ResponseReturnValue:
    body = _json_body()
    if not body:
        return _problem(400, "send a JSON object with name, dob, phone, discharged and flow")
    problems = [f"unknown field {name!r}" for name in sorted(set(body) - DISCHARGE_FIELDS)]
    problems += [f"missing {name}" for name in ("name", "dob", "phone", "discharged", "flow")
                 if not body.get(name)]
    services = _services()
    discharge = None
    caregivers, unread = from_json(body.get("caregivers"))
    diagnoses, unread_diagnoses = diagnoses_from_json(body.get("diagnoses"))
    (pcp, unread_pcp), (pharmacy, unread_pharmacy) = (contact_from_json(body, "pcp"),
                                                      contact_from_json(body, "pharmacy"))
    problems += unread + unread_diagnoses + unread_pcp + unread_pharmacy
    try:
        discharge = validate_discharge(
            services.settings, services.flows, now=services.clock(),
            name=str(body.get("name") or ""), dob=str(body.get("dob") or ""),
            phone=str(body.get("phone") or ""), discharged=str(body.get("discharged") or ""),
            flow=str(body.get("flow") or ""), lang=str(body.get("lang", "en")),
            time_zone=body.get("tz"), medication_rows=body.get("medications") or [],
            appointment=_text(body.get("appointment")),
            appointment_with=_text(body.get("appointment_with")),
            appointment_place=_text(body.get("appointment_at_place")),
            baseline={"weight": body["discharge_weight"]} if body.get("discharge_weight")
            else None, mrn=_text(body.get("mrn")), mrn_authority=_text(body.get("mrn_authority")),
            visit_number=_text(body.get("visit_number")), caregivers=caregivers,
            diagnoses=diagnoses, pcp=pcp, pharmacy=pharmacy,
        )
    except EnrollmentError as exc:
        # An empty field's own complaint ("phone '' is not …") repeats "missing phone".
        problems += [p for p in exc.problems if "''" not in p and p != _NAME_EMPTY]
    if problems or discharge is None:
        return _problem(400, "; ".join(problems), problems)
    now = services.clock()
    with transaction(services.sessions) as session:
        recorded = record_stay(session, services, discharge, now, Origin("api", g.api_client))
        episode = recorded.episode
        if recorded.outcome != "unchanged":
            record(session, actor=g.api_client, action=recorded.outcome, subject="episode",
                   subject_id=episode.id, now=now, detail="; ".join(recorded.changes) or None)
        zone = episode.patient.time_zone
        result = {
            "outcome": recorded.outcome, "changes": recorded.changes,
            "episode_id": episode.id, "phone": episode.patient.phone, "flow": episode.flow_id,
            "mrn": episode.patient.mrn, "visit_number": episode.visit_number,
            "tcm_deadline": local_iso(episode.tcm_deadline, zone),
            "checkins": [{"id": c.id, "due_at": local_iso(c.due_at, zone),
                          "channel": c.channel, "status": c.status}
                         for c in episode.checkins],
            "caregivers": [{"id": c.id, "name": c.name, "relationship": c.relationship_to_patient,
                            "phone": c.phone, "language": c.language, "consent": c.consent,
                            "proxy": c.is_proxy, "active": c.active}
                           for c in caregivers_of(session, episode.patient_id)],
            "diagnoses": list(episode.diagnoses or []),
            "care_contacts": episode.care_contacts or {},
            "warnings": recorded.notes,
        }
    return jsonify(result), 201 if recorded.outcome == "created" else 200


_NAME_EMPTY = "name is empty; give the patient's full name"


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


@bp.post("/episodes/<int:episode_id>/cancel")
def cancel_episode(episode_id: int) -> ResponseReturnValue:
    reason = str(_json_body().get("reason", "manual"))
    if reason not in REASONS:
        return _problem(400, f"reason must be one of {', '.join(REASONS)}")
    services = _services()
    with transaction(services.sessions) as session:
        if session.get(Episode, episode_id) is None:
            return _problem(404, f"no episode {episode_id}")
        count = cancel_episodes(session, services.dialogue, [episode_id], reason,
                                services.clock())
        record(session, actor=g.api_client, action="cancelled", subject="episode",
               subject_id=episode_id, now=services.clock(), detail=reason)
    return jsonify({"episode_id": episode_id, "cancelled": count})


@bp.post("/readmissions")
def record_admission() -> ResponseReturnValue:
    """An admission reported by the hospital's system: recorded once (201, or 200 when it was
    on record already), and the follow-up of the stays it follows stops, as for ADT A01."""
    body = _json_body()
    if not body:
        return _problem(400, "send a JSON object with mrn (or patient_id) and admitted_at")
    problems = [f"unknown field {name!r}" for name in sorted(set(body) - READMISSION_FIELDS)]
    problems += _admission_problems(body)
    if problems:
        return _problem(400, "; ".join(problems), problems)
    try:
        return _record_admission(body)
    except IntegrityError:  # the same visit recorded at the same moment by another request
        return _record_admission(body)


READMISSION_FIELDS = {"mrn", "mrn_authority", "patient_id", "admitted_at", "visit_number"}


def _admission_problems(body: dict[str, Any]) -> list[str]:
    problems = [f"{name} must be an identifier (letters, digits, . _ / -, at most 64)"
                for name in ("mrn", "mrn_authority", "visit_number")
                if name in body and not _identifier(body[name], name == "mrn_authority")]
    patient_id = body.get("patient_id")
    if "patient_id" in body and not (isinstance(patient_id, int) and not
                                     isinstance(patient_id, bool) and
                                     1 <= patient_id <= MAX_ROW_ID):
        problems.append("patient_id must be a patient's id, a whole number")
    if ("mrn" in body) == ("patient_id" in body):
        problems.append("give the patient's mrn (with mrn_authority when the hospital has "
                        "several) or patient_id, one of them")
    elif "mrn_authority" in body and "mrn" not in body:
        problems.append("mrn_authority goes with mrn")
    if not isinstance(body.get("admitted_at"), str) or not body["admitted_at"].strip():
        problems.append("missing admitted_at: the admission's date and time, ISO 8601")
    return problems


def _identifier(value: object, may_be_empty: bool) -> bool:
    """The hospital's ids as `carecall enroll` takes them ("" for no MRN authority)."""
    return isinstance(value, str) and (IDENTIFIER.fullmatch(value) is not None
                                       or (may_be_empty and value == ""))


def _record_admission(body: dict[str, Any]) -> ResponseReturnValue:
    services = _services()
    now = services.clock()
    with transaction(services.sessions) as session:
        try:
            patient = _admitted_patient(session, body)
            if patient is None:
                return _problem(404, "no patient with " + (
                    f"MRN {body['mrn']}" if "mrn" in body else f"id {body['patient_id']}"))
            admitted = admission_moment(body["admitted_at"], patient, now)
            recorded = record_readmission(session, patient, admitted, now, source="api",
                                          visit_number=body.get("visit_number"))
        except ReadmissionError as exc:
            return _problem(400, str(exc))
        cancelled, _ = stop_follow_up(session, services.dialogue, patient.id, now,
                                      told_by="reported through the API",
                                      raw=f"API ({g.api_client})", discharged_before=admitted)
        row = recorded.readmission
        outcome = "created" if recorded.created else \
            "updated" if recorded.corrected else "unchanged"
        if outcome != "unchanged":
            record(session, actor=g.api_client, action=outcome, subject="readmission",
                   subject_id=row.id, now=now, detail=recorded.said())
        result = {"outcome": outcome, "id": row.id, "patient_id": row.patient_id,
                  "index_episode_id": row.index_episode_id,
                  "days_after_discharge": row.days_after_discharge,
                  "admitted_at": local_iso(row.admitted_at, patient.time_zone),
                  "visit_number": row.visit_number, "source": row.source,
                  "checkins_cancelled": cancelled}
    return jsonify(result), 201 if recorded.created else 200


def _admitted_patient(session: Session, body: dict[str, Any]) -> Patient | None:
    """By id, or by MRN: within its authority, or the only patient with that MRN when the
    authority is left out."""
    if "patient_id" in body:
        return session.get(Patient, body["patient_id"])
    query = select(Patient).where(Patient.mrn == body["mrn"])
    if "mrn_authority" in body:
        return session.scalar(query.where(Patient.mrn_authority == body["mrn_authority"]))
    found = list(session.scalars(query.limit(5)))
    if len(found) > 1:
        authorities = ", ".join(sorted(p.mrn_authority or "(none)" for p in found))
        raise ReadmissionError(f"MRN {body['mrn']} is known under several authorities "
                               f"({authorities}); give mrn_authority")
    return found[0] if found else None


def _audit_read(session: Session, subject: str, subject_id: object = "*",
                detail: str | None = None) -> None:
    """Every read of patients' data through the API leaves a line in the audit log."""
    record(session, actor=g.api_client, action="viewed", subject=subject,
           subject_id=subject_id, now=_services().clock(), detail=detail)


@bp.get("/alerts")
def alerts() -> ResponseReturnValue:
    status = request.args.get("status")
    with transaction(_services().sessions) as session:
        _audit_read(session, "alerts", detail=f"status={status}" if status else None)
        query = select(Alert).order_by(Alert.id.desc()).limit(1000)
        if status:
            query = query.where(Alert.status == status)
        return jsonify([
            {"id": a.id, "kind": a.kind, "severity": a.severity, "reason": a.reason,
             "summary": a.summary, "status": a.status, "episode_id": a.episode_id,
             "patient_phone": a.patient.phone,
             "created_at": a.created_at.isoformat(timespec="seconds") + "Z",
             "due_at": a.due_at.isoformat(timespec="seconds") + "Z" if a.due_at else None}
            for a in session.scalars(query)
        ])


@bp.get("/checkins")
def checkins() -> ResponseReturnValue:
    phone = request.args.get("phone")
    if phone:
        try:
            phone = to_e164(phone, _services().settings.default_region)
        except InvalidPhone as exc:
            return _problem(400, str(exc))
    with transaction(_services().sessions) as session:
        rows = list_checkins(session, phone=phone, status=request.args.get("status"))
        _audit_read(session, "checkins", detail=f"{len(rows)} check-ins")
        return jsonify(rows)


@bp.get("/checkins/<int:checkin_id>")
def checkin_result(checkin_id: int) -> ResponseReturnValue:
    with transaction(_services().sessions) as session:
        checkin = session.get(CheckIn, checkin_id)
        if checkin is None:
            return _problem(404, f"no check-in {checkin_id}")
        _audit_read(session, "checkin", checkin_id)
        conversation = checkin.conversation
        return jsonify({
            "id": checkin.id, "status": checkin.status, "flow": checkin.episode.flow_id,
            "answers": {a.question_id: {"value": a.value, "raw": a.raw}
                        for a in (conversation.answers if conversation else [])},
            "alerts": [{"severity": a.severity, "reason": a.reason}
                       for a in session.scalars(select(Alert).where(
                           Alert.conversation_id == (conversation.id if conversation else -1)))],
        })
