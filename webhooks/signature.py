"""`X-Twilio-Signature` checking against the public URL Twilio called (not `request.url`,
which a proxy or TLS terminator changes)."""

from __future__ import annotations

from flask import Request
from twilio.request_validator import RequestValidator

from assistant.foundation.config import Settings


def public_url(settings: Settings, request: Request) -> str:
    query = request.query_string.decode()
    return settings.public_base_url.rstrip("/") + request.path + (f"?{query}" if query else "")


def is_signed_by_twilio(settings: Settings, request: Request) -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    validator = RequestValidator(settings.twilio_auth_token)
    return validator.validate(public_url(settings, request), request.form, signature)
