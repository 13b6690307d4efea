"""FHIR R4 in: a discharge Bundle, validated with fhir.resources, goes the way an ADT A03
goes: a stay with check-ins, recognised again by MRN and visit."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from assistant.records.models import Appointment, Episode, Medication, Patient
from tests.conftest import START
from tests.test_web_security import api, token_for

SAMPLE = Path(__file__).parent / "data" / "fhir" / "discharge_bundle.json"


def bundle(**changes: str) -> dict:
    text = SAMPLE.read_text(encoding="utf-8")
    for placeholder, moment in (("{DISCHARGED}", START - timedelta(days=2)),
                                ("{ADMITTED}", START - timedelta(days=6)),
                                ("{APPOINTMENT}", START + timedelta(days=5))):
        text = text.replace(placeholder, moment.strftime("%Y-%m-%dT%H:%M:00+00:00"))
    for old, new in changes.items():
        text = text.replace(old, new)
    return json.loads(text)


@pytest.fixture
def post(services):  # type: ignore[no-untyped-def]
    """The hospital's system posting a Bundle with its API token (or without one)."""
    client, headers = api(services, token_for(services))
    return lambda document, token=True: client.post("/fhir/r4/Bundle", json=document,
                                                    headers=headers if token else {})


def test_a_discharge_bundle_becomes_a_stay_once(services, post) -> None:
    first = post(bundle())
    assert first.status_code == 201
    assert first.mimetype == "application/fhir+json"
    assert first.get_json()["resourceType"] == "OperationOutcome"
    with services.sessions() as session:
        patient = session.scalars(select(Patient)).one()
        episode = session.scalars(select(Episode)).one()
        appointment = session.scalars(select(Appointment)).one()
    assert (patient.mrn, patient.name, patient.phone) == ("MRN884410", "Ken Nakamura",
                                                          "+12015550181")  # the mobile
    assert (episode.visit_number, episode.flow_id) == ("V884410-03", "copd")
    assert episode.diagnoses == ["J44.1"] and episode.disposition == "home"
    assert appointment.starts_at == START + timedelta(days=5)
    with services.sessions() as session:
        medicines = {m.name: (m.change, m.dose) for m in session.scalars(select(Medication))}
    assert medicines == {
        "Prednisone 40 mg oral tablet": ("new", "40 mg once a day for 5 days"),
        "Tiotropium 18 mcg inhalation capsule": ("changed", "1 capsule inhaled once a day"),
        "Theophylline 300 mg extended-release tablet": ("stopped", None)}


def test_the_same_bundle_again_changes_nothing(services, post) -> None:
    post(bundle())
    again = post(bundle())
    assert again.status_code == 200
    assert "already recorded" in again.get_json()["issue"][0]["diagnostics"]
    with services.sessions() as session:
        assert len(session.scalars(select(Episode)).all()) == 1


def test_an_invalid_bundle_gets_an_operation_outcome_listing_the_problems(post) -> None:
    broken = bundle(**{'"birthDate": "1947-02-09"': '"birthDate": "09/02/1947"'})
    response = post(broken)
    assert response.status_code == 422
    issues = response.get_json()["issue"]
    assert issues and all(issue["severity"] == "error" for issue in issues)
    assert any("birthDate" in issue["diagnostics"] for issue in issues)
    unfinished = post(bundle(**{'"status": "finished"': '"status": "in-progress"'}))
    assert unfinished.status_code == 422
    assert "a discharge is 'finished'" in unfinished.get_json()["issue"][0]["diagnostics"]


def test_a_discharge_to_a_nursing_facility_gets_no_checkins(post) -> None:
    response = post(bundle(**{'"code": "home"': '"code": "snf"'}))
    assert response.status_code == 200
    assert "no check-ins" in response.get_json()["issue"][0]["diagnostics"]


def test_without_a_token_the_bundle_is_refused(post) -> None:
    response = post(bundle(), token=False)
    assert response.status_code == 401
    assert response.get_json()["resourceType"] == "OperationOutcome"
