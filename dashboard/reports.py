"""The reports page (coordinators and admins): the programme's figures over a period, with
charts drawn on the server, and the downloads for analysts (the figures as CSV or JSON, one
row per discharge as CSV). A thin view over assistant.reporting; every view and download is
audited, and a bad period or flow gets the form back with what to fix (400)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context
from flask_login import current_user
from sqlalchemy.orm import Session

from assistant.foundation.local_time import local_today
from assistant.records.audit import record
from assistant.records.db import transaction
from assistant.reporting.discharge_export import csv_lines, discharge_rows
from assistant.reporting.formats import to_csv, to_json
from assistant.reporting.report import Report, build_report
from assistant.reporting.scope import ReportScope, ScopeError
from assistant.services import Services
from dashboard.auth import restrict
from dashboard.report_page import Said, charts_for

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")
restrict(bp, "coordinator", "admin")


def _services() -> Services:
    return current_app.extensions["carecall"]


def _scope() -> ReportScope:
    services = _services()
    zone = services.settings.default_timezone
    return ReportScope.from_text(
        request.args.get("from"), request.args.get("to"), request.args.get("flow"),
        today=local_today(services.clock(), zone), time_zone=zone,
        known_flows=sorted(services.flows.flows))


def _report(session: Session, scope: ReportScope) -> Report:
    services = _services()
    return build_report(session, scope, flows=services.flows, settings=services.settings,
                        now=services.clock(), wording=services.dialogue.wording)


def _audit(session: Session, action: str, subject: str, scope: ReportScope,
           detail: str = "") -> None:
    record(session, actor=current_user.username, action=action, subject=subject,
           subject_id=scope.flow or "*", now=_services().clock(),
           detail=f"{scope.label}{detail}")


@bp.errorhandler(ScopeError)
def _refused(error: ScopeError) -> tuple[str, int]:
    """A period or flow the report cannot be about: the form again, saying what to fix."""
    message = str(error)
    return render_template("reports.html", report=None, error=message, form=request.args,
                           flows=sorted(_services().flows.flows.items()), fmt=Said), 400


@bp.get("")
def page() -> str:
    scope = _scope()
    services = _services()
    with transaction(services.sessions) as session:
        report = _report(session, scope)
        _audit(session, "viewed", "report", scope)
    return render_template("reports.html", report=report, error=None, charts=charts_for(report),
                           form={"from": scope.start.isoformat(), "to": scope.end.isoformat(),
                                 "flow": scope.flow or ""},
                           flows=sorted(services.flows.flows.items()), fmt=Said)


@bp.get("/figures.<any(csv, json):form>")
def figures(form: str) -> Response:
    scope = _scope()
    with transaction(_services().sessions) as session:
        report = _report(session, scope)
        _audit(session, "exported", "report", scope, f" ({form})")
    body = to_csv(report) if form == "csv" else to_json(report)
    return _download(body, f"carecall-report-{_file_part(scope)}.{form}",
                     "text/csv" if form == "csv" else "application/json")


@bp.get("/discharges.csv")
def discharges() -> Response:
    scope = _scope()
    services = _services()
    with transaction(services.sessions) as session:
        _audit(session, "exported", "discharges", scope)

    def lines():  # type: ignore[no-untyped-def]
        # Streamed a batch at a time: a year of a large hospital is a large file.
        with transaction(services.sessions) as session:
            yield from csv_lines(discharge_rows(session, scope, services.clock()))

    return _download(stream_with_context(lines()),
                     f"carecall-discharges-{_file_part(scope)}.csv", "text/csv")


def _file_part(scope: ReportScope) -> str:
    flow = f"-{scope.flow}" if scope.flow else ""
    return f"{scope.start.isoformat()}-to-{scope.end.isoformat()}{flow}"


def _download(body: object, name: str, kind: str) -> Response:
    response = Response(body, mimetype=kind)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
