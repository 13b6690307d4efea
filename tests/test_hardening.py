"""What a probe found on the pages, each shown fixed: ids past the columns' range, NULs in a
search, and the headers that tell a browser what to refuse."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token, make_services, search, signed_in_client


@pytest.fixture
def coordinator_on_each_database(database_url, settings, network, clock):  # type: ignore[no-untyped-def]
    services = make_services(settings.with_overrides(database_url=database_url), network, clock)
    yield signed_in_client(services)
    services.close()


@pytest.mark.parametrize("path", ["/alerts/2147483648", "/patients/2147483648",
                                  "/alerts/99999999999999999999", "/patients/0"])
def test_an_id_past_the_columns_range_is_not_found(coordinator_on_each_database,
                                                   path: str) -> None:
    assert coordinator_on_each_database.get(path).status_code == 404


def test_an_id_past_the_columns_range_is_not_found_by_the_api_either(services) -> None:
    from carecall.web import create_app

    client = create_app(services).test_client()
    assert client.get("/api/checkins/2147483648").status_code in (401, 404)


@pytest.mark.parametrize("query", ["%00", "ab%00cd", "%1b[31m"])
def test_a_control_character_in_a_search_is_refused(coordinator_on_each_database,
                                                    query: str) -> None:
    assert coordinator_on_each_database.get(f"/patients?q={query}").status_code == 400


@pytest.mark.parametrize("query", ["ab\x00cd", "\x1b[31m"])
def test_a_control_character_in_a_posted_search_is_refused(coordinator, query: str) -> None:
    token = csrf_token(coordinator, "/patients")
    assert coordinator.post("/patients", data={"q": query, "csrf_token": token}
                            ).status_code == 400


def test_a_search_puts_no_patient_in_the_url_and_is_audited(services, coordinator) -> None:
    from sqlalchemy import select

    from assistant.records.models import AuditEvent
    from tests.helpers import start_checkin

    start_checkin(services)
    page = coordinator.get("/patients").get_data(as_text=True)
    assert 'method="post"' in page  # the browser never puts the words in the address
    assert "Alex Rivera" in search(coordinator, "Rivera")
    assert "Alex Rivera" not in coordinator.get("/patients?q=Rivera").get_data(as_text=True)
    for path in ("/", "/checkins", "/alerts.json", "/tasks.json"):
        assert coordinator.get(path).status_code == 200
    with services.sessions() as session:
        seen = [(e.subject, e.detail) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "viewed"))]
    assert ("patient_search", "found patients 1") in seen
    assert {"alert_queue", "checkin_board", "alert_feed", "task_feed"} <= {s for s, _ in seen}
    assert not any("Rivera" in (detail or "") for _, detail in seen)


def test_a_patients_text_with_a_nul_still_reaches_the_webhook(services, phone) -> None:
    """The refusal is for people's forms; Twilio's signed webhooks keep every message."""
    from tests.helpers import start_checkin

    start_checkin(services)
    assert phone.text("03/14/19\x0050")  # answered (TwiML), not refused


def test_pages_tell_the_browser_to_refuse_framing_scripts_and_sniffing(coordinator) -> None:
    """Scripts run only from our own vendored files: none inline, none from elsewhere."""
    headers = coordinator.get("/").headers
    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self';" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize(("public_url", "hsts"), [("https://carecall.example.org", True),
                                                   ("http://127.0.0.1:5000", False)])
def test_only_https_deployments_ask_for_https_only(settings, network, clock, public_url: str,
                                                   hsts: bool) -> None:
    from carecall.web import create_app

    services = make_services(settings.with_overrides(public_base_url=public_url), network,
                             clock)
    try:
        headers = create_app(services).test_client().get("/login").headers
        assert ("Strict-Transport-Security" in headers) is hsts
        if hsts:
            assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    finally:
        services.close()


def test_a_database_error_does_not_carry_patients_data_into_the_logs(services) -> None:
    from sqlalchemy.exc import IntegrityError

    from assistant.records.db import transaction
    from assistant.records.models import Message

    def store_twice() -> None:
        for _ in range(2):
            with transaction(services.sessions) as session:
                session.add(Message(direction="in", channel="sms", body="my chest hurts",
                                    provider_sid="SM" + "e" * 32, status="received",
                                    created_at=services.clock()))

    with pytest.raises(IntegrityError) as raised:
        store_twice()
    assert "my chest hurts" not in str(raised.value)
    assert "SMeeee" not in str(raised.value)


@pytest.mark.parametrize("path", ["/api/v1/checkins/1%0B", "/api/v1/alerts?status=%00"])
def test_the_api_refuses_control_characters_in_json(services, path: str) -> None:
    from carecall.web import create_app

    response = create_app(services).test_client().get(path)
    assert response.status_code == 400
    assert response.get_json() == {"error": "control characters are not allowed"}


@pytest.mark.parametrize("placeholder", ["{first_name.__class__.__mro__}", "{first_name!r}",
                                         "{first_name[0]}", "{first_name:>900}", "{0}"])
def test_a_prompt_that_reaches_past_a_plain_name_is_refused_by_validation(
        tmp_path, placeholder: str) -> None:
    from assistant.conversation.flow_loader import FlowError, load_flow_text
    from assistant.conversation.prompts import PromptCatalogue
    from assistant.foundation.config import PROJECT_ROOT

    flow = ("flow: tiny\nschedule:\n  - {day: 2, at: \"10:00\", channel: sms}\n"
            "questions:\n  - id: identity_dob\n    kind: date\n    identity: true\n"
            "  - id: chest_pain\n    kind: yes_no\n"
            f"prompts:\n  en:\n    chest_pain: \"Hi {placeholder}, any chest pain?\"\n")
    with pytest.raises(FlowError, match="is not allowed: use a plain name"):
        load_flow_text(flow, "tiny.yaml", PromptCatalogue.load(PROJECT_ROOT / "prompts"), "tiny")


def test_rendering_fills_plain_names_only_whatever_reached_it() -> None:
    from assistant.conversation.prompts import PromptError, fill

    assert fill("Hi {first_name}, call {callback}.", {"first_name": "Ana",
                                                      "callback": "555"}) == "Hi Ana, call 555."
    with pytest.raises(PromptError, match="not a plain name"):
        fill("{first_name.__class__.__mro__}", {"first_name": "Ana"}, "greeting")


BOMB = "\n".join(["flow: general", 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol"]',
                  *(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10))])


@pytest.mark.parametrize(("source", "said"), [
    (BOMB, "aliases here expand past 100000 values"),
    ("flow: general\nquestions: " + "[" * 300 + "]" * 300, "nested more than 20 levels"),
])
def test_the_flow_editor_refuses_an_alias_bomb_and_deep_nesting_at_their_line(
        services, source: str, said: str) -> None:
    from tests.conftest import csrf_token

    admin = signed_in_client(services, "ada", role="admin")
    response = admin.post("/admin/flows/general", data={
        "source": source, "action": "check",
        "csrf_token": csrf_token(admin, "/admin/flows/general")})
    assert response.status_code == 400
    assert said in response.get_data(as_text=True)


def test_checkins_with_a_status_that_does_not_exist_is_refused_with_exit_code_2(
        tmp_path, monkeypatch) -> None:
    from click.testing import CliRunner

    from carecall.cli import main

    monkeypatch.setenv("CARECALL_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["checkins", "--status", "bogus"])
    assert result.exit_code == 2
    assert "'bogus' is not one of" in result.output
    assert CliRunner().invoke(main, ["checkins", "--status", "unreachable", "--json"]
                              ).exit_code == 0
