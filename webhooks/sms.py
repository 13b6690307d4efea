"""`/twilio/sms` (a patient's text) and `/twilio/status` (delivery reports)."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy import select
from twilio.twiml.messaging_response import MessagingResponse

from assistant.outreach.inbound import InboundSms, receive_sms
from assistant.outreach.inbound_cleaning import cleaned
from assistant.outreach.outage import answer_and_spool
from assistant.records.db import transaction
from assistant.records.models import Message
from assistant.services import Services

from .signature import is_signed_by_twilio

log = logging.getLogger(__name__)
bp = Blueprint("twilio", __name__, url_prefix="/twilio")

# Delivery states in the order Twilio moves through them; a late callback never moves back.
STATUS_ORDER = ["pending", "accepted", "scheduled", "queued", "sending", "sent", "delivered",
                "undelivered", "failed", "read"]


def _services() -> Services:
    return current_app.extensions["carecall"]


def _twiml(replies: list[str], status: int = 200) -> Response:
    response = MessagingResponse()
    for text in replies:
        response.message(text)
    return Response(str(response), status=status, mimetype="application/xml")


@bp.before_request
def require_twilio_signature() -> None:
    if not is_signed_by_twilio(_services().settings, request):
        log.warning("rejected unsigned or wrongly signed request to %s", request.path)
        abort(403)


@bp.post("/sms")
def sms() -> Response:
    form = request.form
    sid = form.get("MessageSid") or form.get("SmsSid")
    if not sid or not form.get("From"):
        return _twiml([], status=400)
    services = _services()
    text = cleaned(InboundSms(sid=sid, from_number=form["From"], to_number=form.get("To", ""),
                              body=form.get("Body", "")))
    if services.spool.has_waiting():
        # Texts from the outage come first: this one joins them, in order, and the answers
        # go out by SMS as the spool is replayed.
        return _twiml(answer_and_spool(services, text))  # which starts the replay
    return _twiml(receive_sms(services, text))


@bp.post("/status")
def status() -> Response:
    sid, new_status = request.form.get("MessageSid"), request.form.get("MessageStatus")
    if not sid or new_status not in STATUS_ORDER:
        return Response("", status=400)
    services = _services()
    with transaction(services.sessions) as session:
        message = session.scalar(select(Message).where(Message.provider_sid == sid))
        if message is not None and _is_later(message.status, new_status):
            message.status = new_status
            message.error = request.form.get("ErrorCode") or message.error
    return Response("", status=204)


def _is_later(current: str, new: str) -> bool:
    order = {name: index for index, name in enumerate(STATUS_ORDER)}
    return order.get(new, -1) > order.get(current, -1)


@bp.errorhandler(Exception)
def never_500(error: Exception) -> Response:
    if getattr(error, "code", None) in (400, 403, 404, 405):
        return Response("", status=error.code)  # type: ignore[attr-defined]
    log.exception("webhook failed", exc_info=error)
    holding = _services().prompts.render("holding_reply", "en", "sms")
    return _twiml([holding])
