"""The Flask app factory: the web side of the composition root."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from functools import partial

from flask import Flask, Response, abort, jsonify, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import IntegerConverter

from assistant.foundation.text import CONTROL_CHARACTERS
from assistant.outreach.health import health
from assistant.outreach.voice_calls import VoiceCalls
from assistant.records.models import MAX_ROW_ID
from assistant.safety import warm_up
from assistant.services import Services
from dashboard import auth, layout
from dashboard.admin import bp as admin_bp
from dashboard.alerts import bp as dashboard_bp
from dashboard.api import bp as api_bp
from dashboard.fhir import bp as fhir_bp
from dashboard.integrations import bp as integrations_bp
from dashboard.openapi import OPENAPI
from dashboard.patients import bp as patients_bp
from dashboard.reports import bp as reports_bp
from dashboard.simulator import bp as simulator_bp
from dashboard.tcm import bp as tcm_bp
from webhooks.sms import bp as twilio_bp
from webhooks.voice import bp as voice_bp


class RowId(IntegerConverter):
    """`<int:...>` in our URLs: a positive id that fits the id columns."""

    def __init__(self, map, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)


def create_app(services: Services) -> Flask:
    app = Flask(__name__)
    settings = services.settings
    app.config.update(
        # Without a configured key (the demo, tests) sessions last only as long as the process.
        SECRET_KEY=settings.secret_key or secrets.token_hex(32),
        MAX_CONTENT_LENGTH=256 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_base_url.startswith("https://"),
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.idle_minutes),
        SESSION_REFRESH_EACH_REQUEST=True,
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.extensions["carecall"] = services
    warm_up()  # the safety net's word lists, before the first patient's reply
    # A row id too large for the database is simply not found (not a database error).
    app.url_map.converters["int"] = RowId
    app.extensions["carecall.voice"] = VoiceCalls(services)
    csrf = CSRFProtect(app)
    # Twilio's requests are signed and the API uses tokens: neither carries a CSRF token.
    for blueprint in (twilio_bp, voice_bp, api_bp, fhir_bp):
        csrf.exempt(blueprint)
    app.register_blueprint(twilio_bp)
    app.register_blueprint(voice_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(fhir_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(patients_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(integrations_bp)
    app.register_blueprint(simulator_bp)
    app.register_blueprint(tcm_bp)
    app.register_blueprint(reports_bp)
    auth.init_app(app)
    layout.init_app(app)
    app.before_request(_refuse_control_characters)
    app.after_request(partial(_security_headers, https=settings.public_base_url.startswith(
        "https://")))
    app.add_url_rule("/openapi.json", "openapi", lambda: jsonify(OPENAPI))
    app.add_url_rule("/health", "health", lambda: _health(services))
    return app


# Scripts only from our own files (vendored, under /assets): none inline, none from elsewhere.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' "
                           "'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
                           "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# Twilio's webhooks keep every character: a patient's text with a NUL in it is still stored.
SIGNED_BY_TWILIO = frozenset({"twilio", "twilio_voice"})


def _health(services: Services) -> Response:
    """No patient data and no sign-in, for monitoring. Always 200 while this process runs:
    with the database away it still answers Twilio (spooling texts), so a load balancer must
    keep it in rotation; the body's status says "down"."""
    return Response(json.dumps(health(services)), 200, mimetype="application/json",
                    headers={"Cache-Control": "no-store"})


def _refuse_control_characters() -> None:
    """A NUL or another control character in a person's query or form is refused with 400
    (PostgreSQL cannot store a NUL, and no form needs one)."""
    if request.blueprint in SIGNED_BY_TWILIO:
        return
    values = [*request.args.values(), request.path]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += request.form.values()
    if any(CONTROL_CHARACTERS.search(value) for value in values):
        message = "control characters are not allowed"
        if request.path.startswith("/api/"):  # the API answers in JSON, as documented
            abort(Response(json.dumps({"error": message}), 400, mimetype="application/json"))
        abort(400, message)


def _security_headers(response: Response, https: bool) -> Response:
    """What a browser should refuse for us: framing (clickjacking), scripts, sniffed types,
    and our URLs (which may name a page about a patient) sent on to other sites."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if https:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response
