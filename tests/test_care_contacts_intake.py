"""The stay's diagnoses, PCP and pharmacy come in through every door (`carecall enroll`, the
CSV import, the JSON API, HL7 ADT, FHIR) and reach the patient page; bad ones are refused
with the discharge's other problems, all at once; a corrected stay says what changed."""

from __future__ import annotations

from datetime import UTC, timedelta
from pathlib import Path

import hl7
import pytest
import time_machine
from click.testing import CliRunner
from sqlalchemy import select

from assistant.intake.adt import receive_adt
from assistant.intake.care_contacts import CareContact
from assistant.intake.flow_choice import FlowTable
from assistant.intake.hl7_fields import read_adt
from assistant.records.models import Episode, Patient
from carecall.cli import main
from carecall.demo import SAMPLE_PATIENT, _enroll_sample
from tests.conftest import START, signed_in_client
from tests.support.intake_doors import discharge_poster, enroller
from tests.test_caregiver_intake import message
from tests.test_fhir_in import bundle
from tests.test_web_security import api, token_for

DISCHARGED = (START - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
ENROL = ["enroll", "--name", "Rosa Rivera", "--dob", "1942-03-14", "--phone", "201 555 0190",
         "--discharged", DISCHARGED, "--flow", "general", "--mrn", "MRN550301", "--visit", "V1"]
LEE = {"name": "Dr. Ana Lee", "phone": "+12015550100"}
PHARMACY = {"name": "Main Street Pharmacy", "phone": "+12015550111"}


def stay(services) -> Episode:  # type: ignore[no-untyped-def]
    with services.sessions() as session:
        return session.scalars(select(Episode).order_by(Episode.id.desc())).first()


@pytest.fixture
def enrol(services, monkeypatch):  # type: ignore[no-untyped-def]
    return enroller(services, monkeypatch, ENROL)


@pytest.fixture
def post(services):  # type: ignore[no-untyped-def]
    return discharge_poster(services)


# `carecall enroll --diagnosis --pcp --pharmacy`

def test_enrolment_records_the_diagnoses_pcp_and_pharmacy(services, enrol) -> None:
    result = enrol("--diagnosis", "I50.22 Chronic systolic heart failure",
                   "--diagnosis", "  type 2   diabetes ", "--pcp", "Dr. Ana Lee; (201) 555-0100",
                   "--pharmacy", "Main Street Pharmacy")
    assert result.exit_code == 0, result.output
    assert "diagnoses: I50.22 Chronic systolic heart failure, type 2 diabetes; PCP: Dr. Ana " \
           "Lee (+12015550100); pharmacy: Main Street Pharmacy\n" in result.output
    episode = stay(services)
    assert episode.diagnoses == ["I50.22 Chronic systolic heart failure", "type 2 diabetes"]
    assert episode.care_contacts == {"pcp": LEE, "pharmacy": {"name": "Main Street Pharmacy"}}


def test_every_problem_is_told_at_once_and_nothing_is_written(services, enrol) -> None:
    result = enrol("--pcp", "Dr. Ana Lee;555", "--pharmacy", "Main;Street;Pharmacy",
                   "--diagnosis", "I50.22\x07", "--caregiver", "Ana;niece",
                   base=[*ENROL[:4], "1942-13-14", *ENROL[5:]])
    assert result.exit_code == 2
    errors = result.output.splitlines()
    assert any("date of birth '1942-13-14'" in line for line in errors)
    assert any(line.startswith("error: PCP phone '555' is not a valid number") for line in errors)
    assert any(line.startswith("error: --pharmacy 'Main;Street;Pharmacy': write it as "
                               "NAME;PHONE") for line in errors)
    assert any(line.startswith("error: diagnosis 'I50.22\\x07' has control characters")
               for line in errors)
    assert any("--caregiver 'Ana;niece'" in line for line in errors)
    with services.sessions() as session:
        assert session.scalars(select(Patient)).all() == []


def test_a_corrected_stay_says_what_changed_and_leaving_them_out_keeps_them(services,
                                                                            enrol) -> None:
    assert enrol("--diagnosis", "I50.22", "--pcp", "Dr. Ana Lee;+1 201 555 0100").exit_code == 0
    result = enrol("--diagnosis", "I50.22", "--diagnosis", "E11.9",
                   "--pcp", "Dr. Ana Lee;+1 201 555 0101", "--pharmacy", "Main Street Pharmacy")
    assert result.exit_code == 0, result.output
    assert "updated episode 1: diagnoses: I50.22 → I50.22, E11.9; PCP: Dr. Ana Lee " \
           "(+12015550100) → Dr. Ana Lee (+12015550101); pharmacy: none → Main Street " \
           "Pharmacy\n" in result.output
    assert "unchanged: episode 1" in enrol().output  # nothing said: what is on record stays
    episode = stay(services)
    assert episode.diagnoses == ["I50.22", "E11.9"]
    assert episode.care_contacts["pcp"] == {"name": "Dr. Ana Lee", "phone": "+12015550101"}


# The CSV import

def test_the_csv_carries_diagnoses_pcp_and_pharmacy(services, monkeypatch,
                                                    tmp_path: Path) -> None:
    path = tmp_path / "discharges.csv"
    path.write_text(
        "name,dob,phone,discharged,mrn,visit_number,diagnosis,pcp_name,pcp_phone,"
        "pharmacy_name,pharmacy_phone\n"
        f"Rosa Rivera,1942-03-14,2015550190,{DISCHARGED},M1,V1,I50.22 Chronic systolic heart "
        "failure|Type 2 diabetes,Dr. Ana Lee,201 555 0100,Main Street Pharmacy,2015550111\n"
        f"Ken Ito,1947-02-09,2015550181,{DISCHARGED},M2,V1,,,,,\n"
        f"Eli Roth,1951-01-01,2015550184,{DISCHARGED},M4,V1,,,2015550100,Corner Drugs,555\n",
        encoding="utf-8")
    monkeypatch.setenv("CARECALL_DATABASE_URL", services.settings.database_url)
    with time_machine.travel(START.replace(tzinfo=UTC), tick=False):
        result = CliRunner().invoke(main, ["import", str(path)])
    assert "3 rows: 2 new stays" in result.output
    assert "error: row 4: PCP has no name; give the PCP's name" in result.output
    assert "error: row 4: pharmacy phone '555' is not a valid number" in result.output
    with services.sessions() as session:
        rosa, ken = session.scalars(select(Episode).order_by(Episode.id)).all()
        # No flow column: the flow follows the code the diagnosis starts with.
        assert (rosa.flow_id, rosa.diagnoses) == (
            "heart_failure", ["I50.22 Chronic systolic heart failure", "Type 2 diabetes"])
        assert rosa.care_contacts == {"pcp": LEE, "pharmacy": PHARMACY}
        assert (ken.flow_id, ken.diagnoses, ken.care_contacts) == ("general", [], None)


# The JSON API

STAY = {"name": "Rosa Rivera", "dob": "1942-03-14", "phone": "+12015550190",
        "discharged": f"{DISCHARGED}:00-05:00", "flow": "general", "mrn": "MRN550301",
        "visit_number": "V1"}


def test_the_api_takes_diagnoses_pcp_and_pharmacy(services, post) -> None:
    response = post(STAY | {"diagnoses": ["I50.22", "Type 2 diabetes"],
                            "pcp": {"name": "Dr. Ana Lee", "phone": "(201) 555-0100"},
                            "pharmacy": PHARMACY})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["diagnoses"] == ["I50.22", "Type 2 diabetes"]
    assert body["care_contacts"] == {"pcp": LEE, "pharmacy": PHARMACY}
    again = post(STAY | {"pharmacy": {"name": "Corner Drugs"}})
    assert again.status_code == 200
    assert again.get_json()["changes"] == [
        "pharmacy: Main Street Pharmacy (+12015550111) → Corner Drugs"]
    assert stay(services).care_contacts == {"pcp": LEE, "pharmacy": {"name": "Corner Drugs"}}


def test_the_api_refuses_wrong_types_with_a_clear_problem(services, post) -> None:
    response = post(STAY | {"diagnoses": "I50.22", "pcp": 5,
                            "pharmacy": {"name": 3, "fax": "+12015550111"}})
    assert response.status_code == 400
    problems = response.get_json()["problems"]
    assert problems[0].startswith("diagnoses must be a list of text")
    assert problems[1].startswith("pcp must be an object with name and phone")
    assert "pharmacy: unknown field 'fax' (it takes name and phone)" in problems
    assert "pharmacy.name must be text" in problems
    bad = post(STAY | {"diagnoses": [1], "pcp": {"name": " ", "phone": "555"}})
    assert bad.status_code == 400
    assert bad.get_json()["problems"][:1] == [
        "diagnoses must be a list of text, like [\"I50.22\", \"Type 2 diabetes\"]"]
    assert "PCP has no name; give the PCP's name" in bad.get_json()["problems"]
    assert stay(services) is None


# HL7 v2 ADT: ROL (role PP) or PD1-4, DG1-4

def test_an_a03_names_the_pcp_and_keeps_each_diagnosis_description(services) -> None:
    table = FlowTable.load()
    outcome, _ = receive_adt(services, message("a03_care_contacts.hl7"), table)
    assert outcome.ack_code == "AA", outcome.detail
    episode = stay(services)
    assert episode.flow_id == "heart_failure"  # chosen by the code, not upset by the words
    assert episode.diagnoses == ["I50.22 Chronic systolic heart failure",
                                 "N18.3 Chronic kidney disease, stage 3"]
    # The ROL's person and its office phone (ROL-12).
    assert episode.care_contacts == {"pcp": {"name": "Dr. Ana Lee", "phone": "+19735550140"}}
    again = message("a03_care_contacts.hl7", RIV000301="RIV000302")
    assert receive_adt(services, again, table)[0].outcome == "unchanged"


def test_a_pcp_phone_that_cannot_be_dialled_is_dropped_and_pd1_4_names_them(services) -> None:
    table = FlowTable.load()
    undialable = message("a03_care_contacts.hl7", **{"^1^973^5550140": "^^^^^^^^12"})
    assert read_adt(hl7.parse(undialable)).pcp == CareContact("Dr. Ana Lee", "12")
    outcome, _ = receive_adt(services, undialable, table)
    assert outcome.ack_code == "AA", outcome.detail  # not refused for its PCP's phone
    assert stay(services).care_contacts == {"pcp": {"name": "Dr. Ana Lee"}}
    # Without the ROL, PD1-4 names the same PCP (a name only): nothing changes.
    without_rol = "\r".join(segment for segment in message(
        "a03_care_contacts.hl7", RIV000301="RIV000303").split("\r")
        if not segment.startswith("ROL"))
    assert read_adt(hl7.parse(without_rol)).pcp == CareContact("Dr. Ana Lee")
    assert receive_adt(services, without_rol, table)[0].outcome == "unchanged"


# FHIR R4: Patient.generalPractitioner, Conditions, Encounter.reasonCode

def resources(document: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in document["entry"] if e["resource"]["resourceType"] == kind]


def test_fhir_general_practitioner_and_conditions(services) -> None:
    client, headers = api(services, token_for(services))
    document = bundle()
    resources(document, "Patient")[0]["generalPractitioner"] = [
        {"reference": "Practitioner/gp1"}]
    document["entry"].append({"fullUrl": "urn:uuid:gp1", "resource": {
        "resourceType": "Practitioner", "id": "gp1",
        "name": [{"prefix": ["Dr."], "given": ["Ana"], "family": "Lee"}],
        "telecom": [{"system": "phone", "value": "+1 201 555 0100"}]}})
    resources(document, "Condition")[0]["code"] = {
        "coding": [{"system": "http://snomed.info/sct", "code": "13645005",
                    "display": "Chronic obstructive lung disease"}]}
    response = client.post("/fhir/r4/Bundle", json=document, headers=headers)
    assert response.status_code == 201, response.get_json()
    episode = stay(services)
    assert episode.care_contacts == {"pcp": LEE}
    assert episode.diagnoses == ["Chronic obstructive lung disease"]  # no ICD-10: its words


def test_fhir_without_conditions_reads_the_encounters_reason(services) -> None:
    client, headers = api(services, token_for(services))
    document = bundle()
    document["entry"] = [e for e in document["entry"]
                         if e["resource"]["resourceType"] != "Condition"]
    resources(document, "Patient")[0]["generalPractitioner"] = [{"display": "Dr. Sam Ortiz"}]
    resources(document, "Encounter")[0]["reasonCode"] = [{"coding": [
        {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "J44.1"}]}]
    response = client.post("/fhir/r4/Bundle", json=document, headers=headers)
    assert response.status_code == 201, response.get_json()
    episode = stay(services)
    assert (episode.diagnoses, episode.flow_id) == (["J44.1"], "copd")
    assert episode.care_contacts == {"pcp": {"name": "Dr. Sam Ortiz"}}


# The demo

def test_the_demo_patient_page_shows_the_diagnosis_pcp_and_pharmacy(services) -> None:
    _enroll_sample(services)
    with services.sessions() as session:
        patient = session.scalars(select(Patient).where(
            Patient.phone == SAMPLE_PATIENT["phone"])).one()
    page = signed_in_client(services).get(f"/patients/{patient.id}").text
    assert "I50.22 Chronic systolic heart failure" in page
    assert "Dr. Ana Lee" in page and 'href="tel:+12015550100"' in page
    assert "Main Street Pharmacy" in page and 'href="tel:+12015550111"' in page
