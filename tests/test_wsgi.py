"""The production entry point: refuses to start unsafe, and serves signed webhooks."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.records.db import upgrade
from carecall.simulator import SimulatedPhone
from carecall.wsgi import NotConfigured, production_app
from tests.conftest import AUTH_TOKEN, PUBLIC_BASE_URL, SERVICE_NUMBER


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'prod.db'}"
    monkeypatch.setenv("CARECALL_DATABASE_URL", url)
    monkeypatch.setenv("CARECALL_PUBLIC_BASE_URL", PUBLIC_BASE_URL)
    monkeypatch.setenv("CARECALL_TWILIO_FROM_NUMBER", SERVICE_NUMBER)
    return url


def test_without_the_twilio_token_or_a_secret_key_it_will_not_start(environment, monkeypatch):
    with pytest.raises(NotConfigured, match="CARECALL_TWILIO_AUTH_TOKEN"):
        production_app()
    monkeypatch.setenv("CARECALL_TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    with pytest.raises(NotConfigured, match="CARECALL_SECRET_KEY"):
        production_app()


def test_a_configured_app_answers_signed_texts_and_refuses_unsigned(environment, monkeypatch):
    monkeypatch.setenv("CARECALL_TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("CARECALL_SECRET_KEY", "k" * 40)
    upgrade(environment)
    client = production_app().test_client()
    phone = SimulatedPhone("+12015550177", SERVICE_NUMBER, AUTH_TOKEN, PUBLIC_BASE_URL,
                           lambda path, params, headers: _post(client, path, params, headers))
    assert phone.text("hello")  # an unknown number still gets a polite answer
    params = phone.sms_params("hello")
    assert client.post("/twilio/sms", data=params).status_code == 403


def _post(client, path, params, headers):  # type: ignore[no-untyped-def]
    response = client.post(path, data=params, headers=headers)
    return response.status_code, response.get_data(as_text=True)
