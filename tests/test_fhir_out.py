"""FHIR R4 out: a completed check-in's readings as LOINC Observations, the check-in as a
QuestionnaireResponse, alerts as Flags, the TCM call as a Task; every resource validates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.task import Task

from carecall.cli import main
from tests.helpers import DOB_REPLY, checkin_status, start_checkin
from tests.test_web_security import api, token_for

# General flow: a fever of 101.5 (urgent), PHQ-2 answers 0 and 1.
REPLIES = [DOB_REPLY, "better", "no", "no", "yes", "101.5", "yes", "no", "yes", "yes",
           "not at all", "1", "no"]
MODELS = {"Observation": Observation, "QuestionnaireResponse": QuestionnaireResponse,
          "Flag": Flag, "Task": Task}


@pytest.fixture
def completed(services, phone) -> int:  # type: ignore[no-untyped-def]
    checkin_id = start_checkin(services)
    for reply in REPLIES:
        phone.text(reply)
    assert checkin_status(services, checkin_id) == "completed"
    return checkin_id


@pytest.fixture
def fhir_get(services):  # type: ignore[no-untyped-def]
    client, headers = api(services, token_for(services))
    return lambda path: client.get(f"/fhir/r4/{path}", headers=headers)


def resources(response) -> list[dict]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.get_data(as_text=True)
    bundle = Bundle.model_validate(response.get_json())
    assert bundle.type == "searchset"
    return [entry["resource"] for entry in response.get_json().get("entry", [])]


def test_readings_are_loinc_observations(completed, fhir_get) -> None:
    observations = resources(fhir_get("Observation"))
    by_code = {o["code"]["coding"][0]["code"]: o for o in observations}
    temperature = by_code["8310-5"]
    assert temperature["valueQuantity"] == {"value": 101.5, "unit": "°F",
                                            "system": "http://unitsofmeasure.org",
                                            "code": "[degF]"}
    assert by_code["44250-9"]["valueInteger"] == 0 and by_code["44255-8"]["valueInteger"] == 1
    assert by_code["55758-7"]["valueInteger"] == 1  # the PHQ-2 total
    for observation in observations:
        Observation.model_validate(observation)


def test_the_checkin_alerts_and_the_tcm_call_are_served(completed, fhir_get) -> None:
    [response] = resources(fhir_get("QuestionnaireResponse"))
    assert response["status"] == "completed" and response["id"] == f"checkin-{completed}"
    answers = {item["linkId"]: item["answer"][0] for item in response["item"]}
    assert answers["fever"] == {"valueBoolean": True}
    assert answers["temperature"] == {"valueDecimal": 101.5}
    flags = resources(fhir_get("Flag"))
    assert any("URGENT" in flag["code"]["text"] for flag in flags)
    for kind in ("Flag", "Task"):
        for resource in resources(fhir_get(kind)):
            MODELS[kind].model_validate(resource)


def test_last_updated_returns_only_what_changed_since(completed, fhir_get, clock) -> None:
    assert resources(fhir_get("Observation?_lastUpdated=ge2026-11-01T00:00:00Z"))
    assert resources(fhir_get("Observation?_lastUpdated=ge2030-01-01T00:00:00Z")) == []
    assert fhir_get("Observation?_lastUpdated=yesterday").status_code == 400
    assert fhir_get("Encounter").status_code == 404


def test_the_bulk_export_writes_one_valid_ndjson_file_per_type(completed, services,
                                                               monkeypatch,
                                                               tmp_path: Path) -> None:
    monkeypatch.setenv("CARECALL_DATABASE_URL", services.settings.database_url)
    result = CliRunner().invoke(main, ["export", "fhir", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote {tmp_path / 'out'}: ")
    for kind, model in MODELS.items():
        lines = (tmp_path / "out" / f"{kind}.ndjson").read_text().splitlines()
        for line in lines:
            model.model_validate(json.loads(line))
    assert (tmp_path / "out" / "Observation.ndjson").read_text().count("\n") >= 4
