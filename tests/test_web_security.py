"""Sign-in, roles, CSRF, cookies and the API's tokens, through Flask's test client."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import func, select

from assistant.records.accounts import issue_token, revoke_token
from assistant.records.db import transaction
from assistant.records.models import Alert, AlertEvent, Patient
from carecall.cli import main
from carecall.web import create_app
from tests.conftest import PASSWORD, csrf_token, signed_in_client
from tests.helpers import DOB_REPLY, start_checkin


def browser(services):  # type: ignore[no-untyped-def]
    client = create_app(services).test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    return client


def test_every_page_needs_sign_in(services) -> None:
    client = browser(services)
    for path in ("/", "/alerts/1", "/patients/1", "/alerts.json", "/tasks.json"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.location


def test_the_session_cookie_is_locked_down(services) -> None:
    signed_in_client(services)
    app = create_app(services)
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(minutes=30)


def test_wrong_passwords_lock_the_account_for_a_while(services, clock) -> None:
    signed_in_client(services, "nora")
    client = browser(services)

    def attempt(password: str) -> tuple[int, str]:
        response = client.post("/login", data={"username": "nora", "password": password,
                                               "csrf_token": csrf_token(client)})
        return response.status_code, response.get_data(as_text=True)

    for _ in range(5):
        assert attempt("guess")[0] == 401
    status, page = attempt(PASSWORD)
    assert status == 401 and "Too many failed sign-ins" in page
    clock.advance(minutes=16)
    assert attempt(PASSWORD)[0] == 302


def test_a_form_without_its_csrf_token_is_refused(services, phone) -> None:
    start_checkin(services)
    phone.text(DOB_REPLY)
    phone.text("worse")
    client = signed_in_client(services)
    assert client.post("/alerts/1/ack").status_code == 400
    assert browser(services).post("/login", data={"username": "nora",
                                                  "password": PASSWORD}).status_code == 400
    with services.sessions() as session:
        assert session.get_one(Alert, 1).status == "open"


def test_sign_in_never_redirects_off_site(services) -> None:
    signed_in_client(services, "nora")
    client = browser(services)
    response = client.post("/login?next=https://evil.example/steal",
                           data={"username": "nora", "password": PASSWORD,
                                 "csrf_token": csrf_token(client)})
    assert response.location == "/"


def test_a_coordinator_acknowledges_assigns_and_resolves(services, phone) -> None:
    start_checkin(services)
    phone.text(DOB_REPLY)
    phone.text("worse")
    client = signed_in_client(services, "nora")
    token = csrf_token(client, "/alerts/1")
    client.post("/alerts/1/ack", data={"csrf_token": token})
    client.post("/alerts/1/assign", data={"csrf_token": token, "username": "nora"})
    client.post("/alerts/1/resolve", data={"csrf_token": token, "resolution": "reached_by_phone",
                                           "note": "feels better after a nap"})
    assert client.post("/alerts/1/resolve", data={"csrf_token": token,
                                                  "resolution": "shrug"}).status_code == 400
    with services.sessions() as session:
        alert = session.get_one(Alert, 1)
        assert (alert.status, alert.resolution) == ("resolved", "reached_by_phone")
        assert [(e.action, e.actor) for e in session.scalars(
            select(AlertEvent).where(AlertEvent.alert_id == 1).order_by(AlertEvent.id))
        ][-3:] == [("acknowledged", "nora"), ("assigned", "nora"), ("resolved", "nora")]


def test_signing_out_ends_the_session(services) -> None:
    client = signed_in_client(services)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert client.get("/").status_code == 302


DISCHARGE = {"name": "Maria Lopez", "dob": "1948-07-02", "phone": "(201) 555-0143",
             "discharged": "2026-11-23T14:30", "flow": "general",
             "medications": [{"name": "Apixaban", "change": "new"}]}


def api(services, token: str | None = None):  # type: ignore[no-untyped-def]
    client = create_app(services).test_client()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client, headers


def token_for(services, name: str = "ehr") -> str:  # type: ignore[no-untyped-def]
    with transaction(services.sessions) as session:
        return issue_token(session, name, services.clock(), "test")


def patients(services) -> int:  # type: ignore[no-untyped-def]
    with services.sessions() as session:
        return session.scalar(select(func.count()).select_from(Patient)) or 0


def test_the_api_needs_a_valid_token(services) -> None:
    token = token_for(services)
    for header in ({}, {"Authorization": "Bearer nope"}, {"Authorization": token}):
        response = create_app(services).test_client().get("/api/v1/alerts", headers=header)
        assert response.status_code == 401 and "token" in response.get_json()["error"]
    with transaction(services.sessions) as session:
        revoke_token(session, "ehr", services.clock(), "test")
    client, headers = api(services, token)
    assert client.get("/api/v1/alerts", headers=headers).status_code == 401


def test_a_discharge_by_api_is_validated_and_scheduled(services) -> None:
    client, headers = api(services, token_for(services))
    response = client.post("/api/v1/discharges", json=DISCHARGE, headers=headers)
    assert response.status_code == 201
    body = response.get_json()
    assert body["phone"] == "+12015550143" and len(body["checkins"]) == 3
    assert body["checkins"][0]["due_at"] == "2026-11-24T10:00:00-05:00"
    assert body["tcm_deadline"] == "2026-11-25T23:59:00-05:00"
    cancelled = client.post(f"/api/v1/episodes/{body['episode_id']}/cancel",
                            json={"reason": "readmitted"}, headers=headers)
    assert cancelled.get_json() == {"episode_id": body["episode_id"], "cancelled": 3}
    result = client.get(f"/api/v1/checkins/{body['checkins'][0]['id']}", headers=headers)
    assert result.get_json()["status"] == "cancelled"


def test_bad_discharges_are_a_clear_400_and_write_nothing(services) -> None:
    client, headers = api(services, token_for(services))
    for bad, message in ((DISCHARGE | {"phone": "12"}, "phone '12'"),
                         (DISCHARGE | {"flow": "cardio"}, "unknown flow 'cardio'"),
                         (DISCHARGE | {"dob": "07/02/1948"}, "write it as YYYY-MM-DD"),
                         (DISCHARGE | {"colour": "blue"}, "unknown field 'colour'"),
                         # Year 1 an hour east of UTC falls off the calendar (was a 500).
                         (DISCHARGE | {"discharged": "0001-01-01T00:00+01:00"}, "out of range"),
                         ({"name": "X"}, "missing dob; missing phone; missing discharged; "
                                         "missing flow")):
        response = client.post("/api/v1/discharges", json=bad, headers=headers)
        assert response.status_code == 400 and message in response.get_json()["error"]
    assert client.post("/api/v1/discharges", data="not json", headers=headers).status_code == 400
    assert client.post("/api/v1/episodes/99/cancel", headers=headers).status_code == 404
    assert patients(services) == 0


def test_the_openapi_document_describes_the_api(services) -> None:
    document = create_app(services).test_client().get("/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {"/api/v1/discharges", "/api/v1/episodes/{episode_id}/cancel",
                                      "/api/v1/readmissions", "/api/v1/alerts",
                                      "/api/v1/checkins", "/api/v1/checkins/{checkin_id}"}


def test_tokens_and_passwords_from_the_command_line(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CARECALL_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()
    token = runner.invoke(main, ["tokens", "issue", "ehr"]).output.strip()
    assert token.startswith("cc_") and len(token) > 40
    assert "ehr" in runner.invoke(main, ["tokens", "list"]).output
    assert runner.invoke(main, ["tokens", "issue", "ehr"]).exit_code == 2
    assert runner.invoke(main, ["tokens", "revoke", "ehr"]).exit_code == 0
    assert "revoked" in runner.invoke(main, ["tokens", "list"]).output
    runner.invoke(main, ["users", "add", "nora", "--name", "Nora"])
    short = runner.invoke(main, ["users", "set-password", "nora", "--password", "short"])
    assert short.exit_code == 2 and "at least 12 characters" in short.stderr
    assert runner.invoke(main, ["users", "set-password", "nora", "--password",
                                PASSWORD]).exit_code == 0


def test_serve_needs_a_secret_key(monkeypatch) -> None:
    monkeypatch.setenv("CARECALL_TWILIO_AUTH_TOKEN", "a-real-looking-token")
    monkeypatch.delenv("CARECALL_SECRET_KEY", raising=False)
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 2 and "CARECALL_SECRET_KEY is not set" in result.stderr


def test_a_misspelt_filter_or_unknown_value_is_refused_not_ignored(services) -> None:
    client, headers = api(services, token_for(services))
    response = client.get("/api/v1/alerts?stauts=open", headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"] == "unknown query parameter 'stauts'; this takes status"
    response = client.get("/api/v1/checkins?status=done", headers=headers)
    assert response.status_code == 400 and "scheduled" in response.get_json()["error"]
    assert client.get("/api/v1/checkins?status=unreachable", headers=headers).status_code == 200
    # An id no database column can hold is simply not found.
    assert client.get(f"/api/v1/checkins/{2**64}", headers=headers).status_code == 404
