"""Who the follow-up visit is with and where, from every way a discharge comes in: the
command line, the CSV report, the JSON API and FHIR. Optional everywhere; the old contracts
are unchanged."""

from __future__ import annotations

from datetime import UTC, timedelta
from pathlib import Path

import time_machine
from click.testing import CliRunner
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from assistant.records.models import Appointment
from carecall.cli import main
from tests.conftest import START
from tests.test_enroll import GOOD, db_url, run  # noqa: F401 (db_url is a fixture)
from tests.test_fhir_in import bundle
from tests.test_web_security import DISCHARGE, api, token_for


def visits(url: str) -> list[tuple[str | None, str | None]]:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return [(a.clinician, a.location) for a in session.scalars(select(Appointment))]
    finally:
        engine.dispose()


def test_enroll_takes_who_and_where(db_url: str) -> None:  # noqa: F811
    result = run([*GOOD, "--appointment", "2026-11-27T09:00", "--appointment-with", " Dr.  Lee",
                  "--appointment-at-place", "Main Street Clinic"])
    assert result.exit_code == 0, result.output
    assert visits(db_url) == [("Dr. Lee", "Main Street Clinic")]


def test_who_or_where_without_the_visits_time_is_refused(db_url: str) -> None:  # noqa: F811
    result = run([*GOOD, "--appointment-with", "Dr. Lee"])
    assert result.exit_code == 2
    assert "needs its date and time too" in result.output


def test_the_api_takes_the_two_optional_fields_and_says_what_changed(services) -> None:
    client, headers = api(services, token_for(services))
    body = {**DISCHARGE, "mrn": "M1", "visit_number": "V1", "appointment": "2026-11-30T10:00"}
    first = client.post("/api/v1/discharges", headers=headers,
                        json={**body, "appointment_with": "Dr. Lee"})
    assert first.status_code == 201, first.get_json()
    again = client.post("/api/v1/discharges", headers=headers,
                        json={**body, "appointment_with": "Dr. Lee",
                              "appointment_at_place": "Main Street Clinic"})
    assert again.status_code == 200
    assert again.get_json()["changes"] == ["appointment place: None → Main Street Clinic"]
    assert visits(services.settings.database_url) == [("Dr. Lee", "Main Street Clinic")]
    too_long = client.post("/api/v1/discharges", headers=headers,
                           json={**body, "appointment_at_place": "x" * 201})
    assert too_long.status_code == 400
    assert "appointment place is longer than 200 characters" in too_long.get_json()["error"]
    schema = client.get("/openapi.json").get_json()
    fields = schema["components"]["schemas"]["Discharge"]["properties"]
    assert {"appointment_with", "appointment_at_place"} <= set(fields)


def test_the_csv_report_takes_the_two_optional_columns(services, monkeypatch,
                                                       tmp_path: Path) -> None:
    discharged = (START - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    visit = (START + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    path = tmp_path / "report.csv"
    path.write_text("name,dob,phone,discharged,flow,appointment,appointment_with,"
                    "appointment_at_place\n"
                    f"Ana Lopez,1951-04-02,+1 201 555 0101,{discharged},general,{visit},"
                    "Dr. Lee,Main Street Clinic\n"
                    f"Bob Smith,1945-11-30,(201) 555-0102,{discharged},general,,,\n",
                    encoding="utf-8")
    monkeypatch.setenv("CARECALL_DATABASE_URL", services.settings.database_url)
    with time_machine.travel(START.replace(tzinfo=UTC), tick=False):
        result = CliRunner().invoke(main, ["import", str(path)])
    assert result.exit_code == 0, result.output
    assert visits(services.settings.database_url) == [("Dr. Lee", "Main Street Clinic")]


def test_fhir_names_the_practitioner_and_the_location(services) -> None:
    document = bundle()
    appointment = next(e["resource"] for e in document["entry"]
                       if e["resource"]["resourceType"] == "Appointment")
    appointment["participant"] += [
        {"actor": {"reference": "urn:uuid:dr-lee"}, "status": "accepted"},
        {"actor": {"reference": "Location/main-street", "display": "Main Street Clinic"},
         "status": "accepted"}]
    document["entry"].append({"fullUrl": "urn:uuid:dr-lee", "resource": {
        "resourceType": "Practitioner",
        "name": [{"family": "Lee", "given": ["Ana"], "prefix": ["Dr."]}]},
        "request": {"method": "POST", "url": "Practitioner"}})
    client, headers = api(services, token_for(services))
    response = client.post("/fhir/r4/Bundle", json=document, headers=headers)
    assert response.status_code == 201, response.get_json()
    assert visits(services.settings.database_url) == [("Dr. Ana Lee", "Main Street Clinic")]
