"""`/twilio/voice/*`: what to say and hear on a call. Signed like every Twilio webhook; a
failure inside still answers TwiML, apologising and pointing to the care team."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app, request

from assistant.conversation.turns import emergency_prompts
from assistant.outreach.twiml import speak_then_hang_up
from assistant.outreach.voice_calls import CallEvent, VoiceCalls
from assistant.safety import assess
from assistant.services import Services

from .signature import is_signed_by_twilio

log = logging.getLogger(__name__)
bp = Blueprint("twilio_voice", __name__, url_prefix="/twilio/voice")


def _services() -> Services:
    return current_app.extensions["carecall"]


def _calls() -> VoiceCalls:
    return current_app.extensions["carecall.voice"]


def _twiml(xml: str) -> Response:
    return Response(xml, status=200, mimetype="application/xml")


def _event() -> CallEvent:
    form = request.form
    return CallEvent(
        call_sid=form.get("CallSid", ""), from_number=form.get("From", ""),
        to_number=form.get("To", ""), answered_by=form.get("AnsweredBy", ""),
        call_status=form.get("CallStatus", ""), speech=form.get("SpeechResult", ""),
        confidence=_float(form.get("Confidence")), digits=form.get("Digits", ""),
    )


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _int_arg(name: str) -> int:
    value = request.args.get(name, "")
    if not value.isdigit():
        abort(400)
    return int(value)


@bp.before_request
def require_twilio_signature() -> None:
    if not is_signed_by_twilio(_services().settings, request):
        log.warning("rejected unsigned or wrongly signed request to %s", request.path)
        abort(403)
    if not request.form.get("CallSid"):
        abort(400)


@bp.post("/answer")
def answer() -> Response:
    return _twiml(_calls().answer(_int_arg("checkin"), _event()))


@bp.post("/gather")
def gather() -> Response:
    return _twiml(_calls().gather(_int_arg("checkin"), _int_arg("turn"), _event()))


@bp.post("/incoming")
def incoming() -> Response:
    return _twiml(_calls().incoming(_event()))


@bp.post("/status")
def status() -> Response:
    _calls().status(_event())
    return Response("", status=204)


@bp.errorhandler(Exception)
def never_500(error: Exception) -> Response:
    if getattr(error, "code", None) in (400, 403, 404, 405):
        return Response("", status=error.code)  # type: ignore[attr-defined]
    log.exception("voice webhook failed", exc_info=error)
    services = _services()
    values = {"callback": services.settings.callback_number,
              "provider": services.settings.provider_name}
    # What was said is not stored (that is what failed): promise nothing, but what the
    # patient just said is still read for warning signs.
    emergencies = assess(request.values.get("SpeechResult", "")).emergencies
    prompt_ids = [f"{prompt_id}_offline" for prompt_id in emergency_prompts(emergencies)] \
        if emergencies else ["outage_call"]
    return _twiml(speak_then_hang_up(
        [services.prompts.render(prompt_id, "en", "voice", **values) for prompt_id in prompt_ids],
        "en"))
