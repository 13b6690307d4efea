"""The TCM worklist, one discharge's TCM page with its forms, and the CSV export: thin views
over assistant.care_team.tcm_record (what a nurse records) and tcm_status (where it stands).
Every view and every change is audited; bad input gets the page back with the error, 400."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy.orm import Session

from assistant.care_team.tcm_export import to_csv
from assistant.care_team.tcm_record import (
    TcmError,
    attempts_for,
    log_attempt,
    parse_day,
    parse_local_time,
    set_face_to_face,
    set_medication_review,
    start_of_day,
)
from assistant.care_team.tcm_status import WORKLIST_DAYS, TcmStatus, tcm_statuses, worklist
from assistant.records.audit import record
from assistant.records.care_records import MEDICATION_REVIEWERS, TCM_OUTCOMES
from assistant.records.db import transaction
from assistant.records.models import Episode, User
from assistant.services import Services
from dashboard.auth import restrict

bp = Blueprint("tcm", __name__, url_prefix="/tcm", template_folder="templates")
restrict(bp, "coordinator", "admin")


def _services() -> Services:
    return current_app.extensions["carecall"]


def _zone() -> str:
    """The team's clock: what nurses type times in and read them in."""
    return _services().settings.default_timezone


@bp.get("")
def worklist_page() -> str:
    show = request.args.get("show", "open")
    if show not in ("open", "all"):
        abort(400, "show must be open or all")
    services = _services()
    with transaction(services.sessions) as session:
        rows = worklist(session, services.clock(), only_open=show == "open")
        _audit(session, "viewed", "tcm_worklist", "*", f"{len(rows)} discharges, {show}; "
               f"patients {_patients(rows)}")
        return render_template("tcm_list.html", rows=rows, show=show, days=WORKLIST_DAYS,
                               left=time_left, since=_default_since().isoformat())


@bp.get("/<int:episode_id>")
def episode_page(episode_id: int) -> str:
    services = _services()
    with transaction(services.sessions) as session:
        _audit(session, "viewed", "tcm", episode_id)
        return _render(session, episode_id)


@bp.post("/<int:episode_id>/attempts")
def add_attempt(episode_id: int) -> Response | tuple[str, int]:
    def change(session: Session, episode: Episode, user: User, now: datetime) -> None:
        at = parse_local_time(request.form.get("at", ""), _zone())
        log_attempt(session, episode, user, outcome=request.form.get("outcome", ""), at=at,
                    now=now, spoke_with=request.form.get("spoke_with"),
                    note=request.form.get("note"))
    return _change(episode_id, "attempt", change)


@bp.post("/<int:episode_id>/face-to-face")
def face_to_face(episode_id: int) -> Response | tuple[str, int]:
    def change(session: Session, episode: Episode, user: User, now: datetime) -> None:
        visit = parse_day(request.form.get("face_to_face_on", ""), "face-to-face visit")
        set_face_to_face(session, episode, user, visit, now)
    return _change(episode_id, "face_to_face", change)


@bp.post("/<int:episode_id>/medication-review")
def medication_review(episode_id: int) -> Response | tuple[str, int]:
    def change(session: Session, episode: Episode, user: User, now: datetime) -> None:
        on = parse_day(request.form.get("medication_review_on", ""), "medication review")
        set_medication_review(session, episode, user, on=on, by=request.form.get("by", ""),
                              role=request.form.get("role", ""), now=now)
    return _change(episode_id, "medication_review", change)


@bp.get("/export.csv")
def export_csv() -> Response:
    """Discharges since `since` (YYYY-MM-DD, the team's clock; default: the worklist's 30
    days), every one, open or not."""
    text = request.args.get("since") or _default_since().isoformat()
    try:
        day = parse_day(text, "since")
    except TcmError as exc:
        abort(400, str(exc))
    since = start_of_day(day, _zone())
    services = _services()
    with transaction(services.sessions) as session:
        statuses = tcm_statuses(session, services.clock(), since=since)
        body, count = to_csv(statuses)
        _audit(session, "exported", "tcm", "*", f"{count} rows, discharged since {day}; "
               f"patients {_patients(statuses)}")
    return Response(body, mimetype="text/csv", headers={  # the parsed day, never raw text
        "Content-Disposition": f'attachment; filename="tcm-since-{day.isoformat()}.csv"',
        "Cache-Control": "no-store"})


Change = Callable[[Session, Episode, User, datetime], None]


def _change(episode_id: int, form: str, change: Change) -> Response | tuple[str, int]:
    """Apply one form in one transaction; a refusal shows the page again with the message
    and what the nurse typed, and changes nothing."""
    services = _services()
    now = services.clock()
    try:
        with transaction(services.sessions) as session:
            episode = _episode(session, episode_id)
            change(session, episode, session.get_one(User, current_user.id), now)
    except TcmError as exc:
        with transaction(services.sessions) as session:
            _audit(session, "viewed", "tcm", episode_id, f"refused {form}: {exc}")
            return _render(session, episode_id, error=str(exc), form=form,
                           typed=request.form), 400
    return redirect(url_for("tcm.episode_page", episode_id=episode_id, _anchor=form), 303)


def _render(session: Session, episode_id: int, error: str | None = None,
            form: str | None = None, typed: object = None) -> str:
    services = _services()
    episode = _episode(session, episode_id)
    status = tcm_statuses(session, services.clock(), episode_ids=[episode_id])[0]
    now_local = services.clock().replace(tzinfo=UTC).astimezone(ZoneInfo(_zone()))
    return render_template(
        "tcm_episode.html", status=status, episode=episode, patient=episode.patient,
        attempts=attempts_for(session, episode_id), error=error, form=form,
        typed=typed or {}, outcomes=TCM_OUTCOMES, roles=MEDICATION_REVIEWERS,
        zone=_zone(), now_local=now_local.strftime("%Y-%m-%dT%H:%M"),
        today=now_local.date().isoformat(), left=time_left, me=current_user.username)


def _episode(session: Session, episode_id: int) -> Episode:
    episode = session.get(Episode, episode_id)
    if episode is None:
        abort(404)
    return episode


def _patients(statuses: list[TcmStatus]) -> str:
    """Whose records were read, for an accounting of disclosures."""
    return ", ".join(str(i) for i in sorted({s.episode.patient_id for s in statuses})) or "none"


def _audit(session: Session, action: str, subject: str, subject_id: object,
           detail: str | None = None) -> None:
    record(session, actor=current_user.username, action=action, subject=subject,
           subject_id=subject_id, now=_services().clock(), detail=detail)


def _default_since() -> date:
    now = _services().clock().replace(tzinfo=UTC).astimezone(ZoneInfo(_zone()))
    return (now - timedelta(days=WORKLIST_DAYS)).date()


def time_left(left: timedelta | None) -> str:
    """"2 d 5 h left", "40 min left", "missed"; "" once the contact is made."""
    if left is None:
        return ""
    if left.total_seconds() < 0:
        return "missed"
    hours, seconds = divmod(int(left.total_seconds()), 3600)
    if hours >= 24:
        return f"{hours // 24} d {hours % 24} h left"
    if hours:
        return f"{hours} h {seconds // 60} min left"
    return f"{seconds // 60} min left"
