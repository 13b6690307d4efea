"""The API token a hospital system sends (`Authorization: Bearer <token>`), shared by the
JSON API and the FHIR endpoints."""

from __future__ import annotations

from flask import current_app, g, request

from assistant.records.accounts import token_owner
from assistant.services import Services


def signed_in_system() -> bool:
    """True, with `g.api_client` set for the audit log, when a valid token was sent."""
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    services: Services = current_app.extensions["carecall"]
    with services.sessions() as session:
        owner = token_owner(session, token) if token else None
    if owner is None:
        return False
    g.api_client = f"token:{owner.name}"
    return True
