"""What every page shares: the stylesheet and vendored scripts (served from here, nothing
from outside), and the header's "on call now"."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, current_app, request
from flask_login import current_user

from assistant.care_team.promises import on_duty
from assistant.foundation.local_time import local_iso
from assistant.services import Services
from dashboard.auth import AUTOMATIC

# Open to everyone: the sign-in page is styled too. Nothing here is about a patient.
assets = Blueprint("assets", __name__, static_folder="static", static_url_path="/assets")


def _services() -> Services:
    return current_app.extensions["carecall"]


def _header() -> dict[str, Any]:
    """Who is on duty now, for the header of every signed-in page, and the clock's time."""
    services = _services()
    now = services.clock()
    if not current_user.is_authenticated or request.endpoint in AUTOMATIC:
        return {"now": now}  # a page's own poll renders no header
    with services.sessions() as session:
        people = [(user.name, user.phone) for user in on_duty(session, services.settings,
                                                                now)]
    return {"on_call_now": people, "now": now}


def local_time(moment: object, zone: str | None = None) -> str:
    """A stored (UTC) time as local time with its zone's abbreviation, e.g. "2026-11-27
    10:05 EST": every time on a page says which clock it is."""
    if not isinstance(moment, datetime):
        return ""
    zone = zone or _services().settings.default_timezone
    local = moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))
    return local.strftime("%Y-%m-%d %H:%M %Z")


def local_stamp(text: object, zone: str | None = None) -> str:
    """An ISO time kept in JSON (alert evidence), shown like `local_time`."""
    if not isinstance(text, str):
        return ""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return local_time(moment, zone)


def init_app(app: Flask) -> None:
    app.register_blueprint(assets)
    app.context_processor(_header)
    app.add_template_filter(local_time, "local")
    app.add_template_filter(local_stamp, "local_stamp")
    app.add_template_global(local_iso, "local_iso")
