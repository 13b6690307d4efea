"""FHIR R4. In: `POST /fhir/r4/Bundle` takes a discharge as a Bundle (Patient, finished
Encounter, Conditions, Appointment), with the same API tokens and the same result as the ADT
feed; answers are OperationOutcomes, as FHIR clients expect. Out: `GET /fhir/r4/Observation`
(and QuestionnaireResponse, Flag, Task) with `_lastUpdated`, as searchset Bundles."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from flask import Blueprint, Response, current_app, g, request

from assistant.intake.adt import apply_discharge
from assistant.intake.caregiver_intake import Origin
from assistant.intake.fhir_in import FhirProblem, read_bundle
from assistant.intake.fhir_out import TYPES, changed_since
from assistant.intake.flow_choice import FlowTable
from assistant.intake.validation import EnrollmentError
from assistant.records.audit import record
from assistant.records.db import transaction
from assistant.services import Services

from .bearer import signed_in_system

bp = Blueprint("fhir", __name__, url_prefix="/fhir/r4")
FHIR_JSON = "application/fhir+json"


def _services() -> Services:
    return current_app.extensions["carecall"]


def _outcome(status: int, severity: str, code: str, texts: list[str]) -> Response:
    body = {"resourceType": "OperationOutcome",
            "issue": [{"severity": severity, "code": code, "diagnostics": text}
                      for text in texts]}
    return Response(json.dumps(body), status, mimetype=FHIR_JSON)


@bp.before_request
def require_token() -> Response | None:
    if signed_in_system():
        return None
    return _outcome(401, "error", "login", ["a valid API token is required: "
                                            "Authorization: Bearer <token>"])


@bp.post("/Bundle")
def post_bundle() -> Response:
    document: Any = request.get_json(silent=True, force=True)
    if not isinstance(document, dict) or document.get("resourceType") != "Bundle":
        return _outcome(400, "error", "structure", ["send a FHIR R4 Bundle as JSON"])
    try:
        fields = read_bundle(document)
    except FhirProblem as exc:
        return _outcome(422, "error", "invalid", exc.problems)
    services = _services()
    table: FlowTable = current_app.extensions.setdefault(
        "carecall.flow_table", FlowTable.load(known_flows=set(services.flows.flows)))
    now = services.clock()
    try:
        with transaction(services.sessions) as session:
            # A Bundle lists the patient's contacts, not their consent to share: as for ADT.
            origin = Origin("api", g.api_client, states_consent=False)
            outcome = apply_discharge(session, services, fields, table, now, origin)
            record(session, actor=g.api_client, action="received", subject="fhir_bundle",
                   subject_id=outcome.episode_id or "-", now=now, detail=outcome.detail)
    except EnrollmentError as exc:
        return _outcome(422, "error", "invalid", exc.problems)
    return _outcome(201 if outcome.stay == "created" else 200, "information", "informational",
                    [outcome.detail])


@bp.get("/<kind>")
def search(kind: str) -> Response:
    """Observations, QuestionnaireResponses, Flags and Tasks; `_lastUpdated=geYYYY-MM-DD…`
    returns those changed since (the usual way a hospital system polls)."""
    if kind not in TYPES:
        return _outcome(404, "error", "not-supported",
                        [f"{kind} is not served here; try {', '.join(TYPES)}"])
    since = None
    last_updated = request.args.get("_lastUpdated", "")
    if last_updated:
        try:
            since = _moment(last_updated)
        except ValueError:
            return _outcome(400, "error", "value", [
                f"_lastUpdated={last_updated!r}: write it like ge2026-11-20T00:00:00Z"])
    services = _services()
    with transaction(services.sessions) as session:
        resources = list(changed_since(session, kind, since, services.settings.public_base_url))
        record(session, actor=g.api_client, action="viewed", subject=f"fhir_{kind}",
               subject_id="*", now=services.clock(), detail=f"{len(resources)} resources")
    bundle = Bundle.model_validate({
        "resourceType": "Bundle", "type": "searchset", "total": len(resources),
        "entry": [{"fullUrl": f"{request.url_root}fhir/r4/{kind}/{r['id']}", "resource": r,
                   "search": {"mode": "match"}} for r in resources]})
    return Response(json.dumps(bundle.model_dump(mode="json", exclude_none=True)), 200,
                    mimetype=FHIR_JSON)


def _moment(text: str) -> datetime:
    """ge/gt/eq prefixes are read as "at or after" (FHIR's date search, as a poller uses it);
    the time is UTC unless it says otherwise."""
    value = text[2:] if text[:2] in ("ge", "gt", "eq") else text
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
