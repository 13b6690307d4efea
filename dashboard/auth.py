"""Signing in to the pages (Flask-Login): sessions that expire when idle, a lock after
repeated failures, roles for what a person may do."""

from __future__ import annotations

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

from assistant.records.accounts import AccountError, sign_in
from assistant.records.db import transaction
from assistant.records.models import User
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
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    def get_id(self) -> str:
        return str(self.id)


def _services() -> Services:
    return current_app.extensions["carecall"]


@login_manager.user_loader
def load_user(user_id: str) -> SignedIn | None:
    with _services().sessions() as db:
        user = db.get(User, int(user_id)) if user_id.isdigit() else None
        if user is None or not user.active:
            return None
        return SignedIn(user.id, user.username, user.role)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.register_blueprint(bp)


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
                signed_in = SignedIn(user.id, user.username, user.role)
            except AccountError as exc:
                error = str(exc)
        if signed_in is not None:
            session.clear()  # a fresh session: no fixation
            session.permanent = True  # expires after the idle time
            login_user(signed_in)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", error=error), 401 if error else 200  # type: ignore[return-value]


@bp.post("/logout")
def logout() -> Response:
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))
