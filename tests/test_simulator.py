"""The simulator page: chat with a flow as a patient and see its alerts, apart from real data."""

from __future__ import annotations

from sqlalchemy import func, select

from assistant.records.models import Alert, Patient
from tests.conftest import csrf_token, signed_in_client


def chat(client, *replies: str, flow: str = "general", lang: str = "en",  # type: ignore[no-untyped-def]
         channel: str = "sms") -> str:
    token = csrf_token(client, "/simulator")
    client.post("/simulator/start", data={"flow": flow, "lang": lang, "channel": channel,
                                          "csrf_token": token})
    for reply in replies:
        client.post("/simulator/say", data={"text": reply, "csrf_token": token})
    return client.get("/simulator").get_data(as_text=True)


def test_a_simulated_chest_pain_raises_an_alert_on_the_page_only(services) -> None:
    client = signed_in_client(services)
    page = chat(client, "03/14/1950", "same", "yes")
    assert "Please call 911 now" in page and "Chest pain or pressure" in page
    assert "The check-in has ended." in page
    with services.sessions() as session:  # the real database saw nothing
        assert session.scalar(select(func.count()).select_from(Alert)) == 0
        assert session.scalar(select(func.count()).select_from(Patient)) == 0


def test_the_simulator_speaks_spanish_and_voice_wording(services) -> None:
    client = signed_in_client(services)
    page = chat(client, "14/03/1950", flow="heart_failure", lang="es", channel="voice")
    assert "Hola, le llama un sistema automático" in page
    assert "se siente mejor, igual o peor" in page.lower()


def test_the_simulator_needs_sign_in_and_a_known_flow(services) -> None:
    from carecall.web import create_app

    assert create_app(services).test_client().get("/simulator").status_code == 302
    client = signed_in_client(services)
    token = csrf_token(client, "/simulator")
    assert client.post("/simulator/start", data={"flow": "nope", "lang": "en",
                                                 "channel": "sms",
                                                 "csrf_token": token}).status_code == 400


def test_an_admin_chats_with_a_draft_before_publishing_it(services) -> None:
    from assistant.foundation.config import PROJECT_ROOT

    client = signed_in_client(services, "ada", role="admin")
    draft = (PROJECT_ROOT / "flows" / "general.yaml").read_text().replace(
        "    say: emergency_911\n    summary: Chest pain or pressure",
        "    say: emergency_911\n    summary: Chest pain (draft wording)", 1)
    token = csrf_token(client, "/admin/flows/general")
    client.post("/simulator/start", data={"flow": "general", "lang": "en", "channel": "sms",
                                          "source": draft, "csrf_token": token})
    for reply in ("03/14/1950", "same", "yes"):
        client.post("/simulator/say", data={"text": reply, "csrf_token": token})
    assert "Chest pain (draft wording)" in client.get("/simulator").get_data(as_text=True)
    coordinator = signed_in_client(services, "nora")
    refused = coordinator.post("/simulator/start", data={
        "flow": "general", "lang": "en", "channel": "sms", "source": draft,
        "csrf_token": csrf_token(coordinator, "/simulator")})
    assert refused.status_code == 403


def test_old_simulator_databases_are_thrown_away(services) -> None:
    import os
    import time

    folder = services.settings.data_dir / "simulator"
    folder.mkdir(parents=True, exist_ok=True)
    old = folder / "abandoned.db"
    old.write_bytes(b"")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    chat(signed_in_client(services), "03/14/1950")
    assert not old.exists()
    assert len(list(folder.glob("*.db"))) == 1  # the new conversation's
