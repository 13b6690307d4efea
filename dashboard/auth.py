"""Signing in to the pages (Flask-Login): sessions that expire when the person is idle (a page
refreshing itself is not the person), that end everywhere on sign-out, a new password or
deactivation, a lock after repeated failures, roles for what a person may do."""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, current_user, login_user, logout_user
from werkzeug.wrappers import Response

from assistant.records.accounts import AccountError, end_sessions, sign_in
from assistant.records.db import transaction
from assistant.records.models import MAX_ROW_ID, User
from assistant.services import Services

bp = Blueprint("auth", __name__, template_folder="../dashboard/templates")
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in."


@dataclass
class SignedIn:
    """The person behind a session, as Flask-Login wants them."""

    id: int
    username: str
    role: str
    session_version: int = 0
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    def get_id(self) -> str:
        """The user and the session version: a session made before the version was raised
        no longer loads anyone."""
        return f"{self.id}:{self.session_version}"


def _services() -> Services:
    return current_app.extensions["carecall"]


@login_manager.user_loader
def load_user(session_id: str) -> SignedIn | None:
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()) or int(user_id) > MAX_ROW_ID:
        return None
    with _services().sessions() as db:
        user = db.get(User, int(user_id))
        if user is None or not user.active or user.session_version != int(version):
            return None
        return SignedIn(user.id, user.username, user.role, user.session_version)


# Requests a page makes by itself (its feeds, and its own refresh, which asks with auto=1):
# they do not count as the person being there.
AUTOMATIC = frozenset({"dashboard.alert_feed", "dashboard.task_feed",
                       "dashboard.worklist_fragment"})


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.register_blueprint(bp)
    app.before_request(_idle_sign_out)


def _idle_sign_out() -> Response | None:
    """Idle time counts from the last thing the person did, not from a page's own refresh: a
    forgotten screen signs itself out."""
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return None  # nobody signed in (Twilio's webhooks): not even a user to look up
    if not current_user.is_authenticated:
        return None
    now = time.time()  # the wall clock, as the session cookie's own expiry uses
    automatic = request.endpoint in AUTOMATIC or request.args.get("auto") == "1"
    last = session.get("seen", now)
    if now - last > current_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds():
        logout_user()
        session.clear()
        return login_manager.unauthorized()
    if not automatic:
        session["seen"] = now
    return None


def restrict(blueprint: Blueprint, *roles: str) -> None:
    """Every page of `blueprint` needs someone signed in with one of `roles`."""
    @blueprint.before_request
    def signed_in_with_role() -> Response | None:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role not in roles:
            abort(403)
        return None


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if not target or urlsplit(target).netloc or not target.startswith("/"):
        return url_for("dashboard.alert_queue")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    error = None
    if request.method == "POST":
        services = _services()
        signed_in = None
        with transaction(services.sessions) as db:
            # Caught inside the transaction: a failure (and a lock) must be saved too.
            try:
                user = sign_in(db, request.form.get("username", "").strip(),
                               request.form.get("password", ""), services.clock())
                signed_in = SignedIn(user.id, user.username, user.role, user.session_version)
            except AccountError as exc:
                error = str(exc)
        if signed_in is not None:
            session.clear()  # a fresh session: no fixation
            session.permanent = True  # expires after the idle time
            session["seen"] = time.time()
            login_user(signed_in)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", error=error), 401 if error else 200  # type: ignore[return-value]


@bp.post("/logout")
def logout() -> Response:
    """Signing out ends this person's sessions everywhere, not only this cookie: a copy of it
    (a shared computer, a stolen cookie) stops working too."""
    if current_user.is_authenticated:
        services = _services()
        with transaction(services.sessions) as db:
            user = db.get(User, current_user.id)
            if user is not None:
                end_sessions(user)
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))
