"""Caregivers arrive with the discharge: from `carecall enroll --caregiver`, a CSV row, the
JSON API, HL7 NK1 segments and FHIR Patient.contact. Bad ones are refused with the discharge,
naming the caregiver; a caregiver named again is never added twice; a hospital feed adds next
of kin without consent and never changes what a person recorded."""

from __future__ import annotations

from datetime import UTC, timedelta
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner
from sqlalchemy import select

from assistant.care_team.caregivers import NewCaregiver, add_caregiver, deactivate_caregiver
from assistant.intake.adt import receive_adt
from assistant.intake.flow_choice import FlowTable
from assistant.records.care_records import Caregiver
from assistant.records.db import transaction
from assistant.records.models import Episode, Patient
from carecall.cli import main
from tests.conftest import START
from tests.support.intake_doors import discharge_poster, enroller
from tests.test_fhir_in import bundle
from tests.test_hl7_feed import SAMPLES
from tests.test_web_security import api, token_for

DISCHARGED = (START - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
ENROL = ["enroll", "--name", "Rosa Rivera", "--dob", "1942-03-14", "--phone", "201 555 0190",
         "--discharged", DISCHARGED, "--flow", "general", "--lang", "es",
         "--mrn", "MRN550301", "--visit", "V1"]
MARIA = "Maria Rivera;daughter;+1 201 555 0188;en;consent;proxy"


def caregivers(services) -> list[Caregiver]:  # type: ignore[no-untyped-def]
    with services.sessions() as session:
        return list(session.scalars(select(Caregiver).order_by(Caregiver.id)))


def seen(services) -> set[tuple]:  # type: ignore[no-untyped-def]
    """(name, relationship, phone, language, consent, proxy, source, active) of each."""
    return {(c.name, c.relationship_to_patient, c.phone, c.language, c.consent, c.is_proxy,
             c.source, c.active) for c in caregivers(services)}


@pytest.fixture
def enrol(services, monkeypatch):  # type: ignore[no-untyped-def]
    return enroller(services, monkeypatch, ENROL)


@pytest.fixture
def post(services):  # type: ignore[no-untyped-def]
    return discharge_poster(services)


# `carecall enroll --caregiver`

def test_enrolment_stores_each_caregiver_with_consent_and_proxy(services, enrol) -> None:
    result = enrol("--caregiver", MARIA, "--caregiver", "Luis Rivera; husband ; (973) 555-0192")
    assert result.exit_code == 0, result.output
    assert "caregivers: Maria Rivera (daughter, consent, proxy); Luis Rivera (husband)" \
        in result.output
    assert seen(services) == {
        ("Maria Rivera", "daughter", "+12015550188", "en", True, True, "enrolment", True),
        # no language given: the patient's
        ("Luis Rivera", "husband", "+19735550192", "es", False, False, "enrolment", True)}


def test_every_problem_is_told_at_once_and_nothing_is_written(services, enrol) -> None:
    result = enrol("--caregiver", "Maria Rivera;daughter;+1 555;consent",
                   "--caregiver", "Luis Rivera;husband;+1 973 555 0192;proxy",
                   "--caregiver", "Ana;niece", "--caregiver", "Eva;aunt;;fr",
                   base=[*ENROL[:4], "1942-13-14", *ENROL[5:]])
    assert result.exit_code == 2
    errors = result.output.splitlines()
    assert any("date of birth '1942-13-14'" in line for line in errors)
    assert any(line.startswith("error: caregiver Maria Rivera: phone '+1 555'")
               for line in errors)
    assert "error: caregiver Luis Rivera: a proxy answers about the patient's health: " \
           "record the patient's consent first" in errors
    assert any("--caregiver 'Ana;niece': write it as NAME;RELATIONSHIP;PHONE" in line
               for line in errors)
    assert any("'fr' is not a language (en, es), 'consent' or 'proxy'" in line
               for line in errors)
    with services.sessions() as session:
        assert session.scalars(select(Patient)).all() == []
    assert caregivers(services) == []


def test_a_new_stay_does_not_duplicate_caregivers_and_restates_them(services, enrol) -> None:
    assert enrol("--caregiver", "Maria Rivera;daughter;+1 201 555 0188;en",
                 "--caregiver", "Luis Rivera;husband;").exit_code == 0
    # The same stay, Maria now with consent and as proxy in Spanish: an update that says so.
    again = enrol("--caregiver", "Maria Rivera;daughter;2015550188;es;consent;proxy")
    assert again.exit_code == 0, again.output
    assert "updated episode 1: caregiver Maria Rivera (daughter): language en → es, " \
           "consent no → yes, proxy no → yes\n" in again.output
    # A readmission (a new visit): Maria found by phone, Luis by name and relationship (he
    # has a phone now); her consent withdrawn is withdrawn.
    readmitted = enrol("--caregiver", "MARIA RIVERA;Daughter;+1 201 555 0188;es",
                       "--caregiver", "luis rivera;HUSBAND;973 555 0192",
                       base=[*ENROL[:-1], "V2"])
    assert readmitted.exit_code == 0, readmitted.output
    assert seen(services) == {
        ("Maria Rivera", "daughter", "+12015550188", "es", False, False, "enrolment", True),
        ("Luis Rivera", "husband", "+19735550192", "es", False, False, "enrolment", True)}
    # Named again, exactly as on record: nothing changes.
    assert "unchanged" in enrol("--caregiver", "Maria Rivera;daughter;+1 201 555 0188;es",
                                base=[*ENROL[:-1], "V2"]).output


def test_an_enrolment_does_not_bring_back_a_caregiver_the_nurse_made_inactive(
        services, enrol) -> None:
    enrol("--caregiver", MARIA)
    with transaction(services.sessions) as session:
        deactivate_caregiver(session, session.scalars(select(Caregiver)).one(), actor="nora",
                             now=START)
    result = enrol("--caregiver", MARIA, base=[*ENROL[:-1], "V2"])
    assert "warning: caregiver Maria Rivera (daughter) was made inactive on the patient page; " \
           "left inactive" in result.output
    [maria] = caregivers(services)
    assert not maria.active


# The CSV import

def test_the_csv_carries_one_caregiver_per_row(services, monkeypatch, tmp_path: Path) -> None:
    path = tmp_path / "discharges.csv"
    path.write_text(
        "name,dob,phone,discharged,flow,mrn,visit_number,caregiver_name,caregiver_relationship,"
        "caregiver_phone,caregiver_lang,caregiver_consent,caregiver_proxy\n"
        f"Rosa Rivera,1942-03-14,2015550190,{DISCHARGED},general,M1,V1,Maria Rivera,daughter,"
        "2015550188,es,yes,yes\n"
        f"Ken Ito,1947-02-09,2015550181,{DISCHARGED},general,M2,V1,,,,,,\n"
        f"Ana Diaz,1950-01-01,2015550182,{DISCHARGED},general,M3,V1,Eva Diaz,sister,"
        "2015550183,,maybe,no\n"
        f"Eli Roth,1951-01-01,2015550184,{DISCHARGED},general,M4,V1,Ben Roth,son,555,,no,yes\n",
        encoding="utf-8")
    monkeypatch.setenv("CARECALL_DATABASE_URL", services.settings.database_url)

    def run():  # type: ignore[no-untyped-def]
        with time_machine.travel(START.replace(tzinfo=UTC), tick=False):
            return CliRunner().invoke(main, ["import", str(path)])

    result = run()
    assert "4 rows: 2 new stays" in result.output
    assert "error: row 4: caregiver_consent 'maybe' is not yes or no" in result.output
    assert "error: row 5: caregiver Ben Roth: phone '555'" in result.output
    assert "error: row 5: caregiver Ben Roth: a proxy answers about the patient's " \
           "health: record the patient's consent first" in result.output
    expected = {("Maria Rivera", "daughter", "+12015550188", "es", True, True, "enrolment",
                 True)}
    assert seen(services) == expected
    assert "2 already recorded" in run().output  # again: nothing added
    assert seen(services) == expected


# The JSON API

STAY = {"name": "Rosa Rivera", "dob": "1942-03-14", "phone": "+12015550190",
        "discharged": f"{DISCHARGED}:00-05:00", "flow": "general", "mrn": "MRN550301",
        "visit_number": "V1"}
MARIA_JSON = {"name": "Maria Rivera", "relationship": "daughter", "phone": "+1 201 555 0188",
              "language": "es", "consent": True, "proxy": True}


def test_the_api_takes_caregivers_and_answers_with_those_on_record(services, post) -> None:
    response = post(STAY | {"caregivers": [MARIA_JSON, {"name": "Luis Rivera",
                                                        "relationship": "husband"}]})
    assert response.status_code == 201, response.get_json()
    on_record = response.get_json()["caregivers"]
    assert [(c["name"], c["phone"], c["consent"], c["proxy"]) for c in on_record] == [
        ("Luis Rivera", None, False, False), ("Maria Rivera", "+12015550188", True, True)]
    assert {c.source for c in caregivers(services)} == {"api"}
    again = post(STAY | {"caregivers": [MARIA_JSON | {"proxy": False}]})
    assert again.status_code == 200
    assert again.get_json()["outcome"] == "updated"
    assert again.get_json()["changes"] == ["caregiver Maria Rivera (daughter): proxy yes → no"]
    assert len(caregivers(services)) == 2


def test_the_api_refuses_bad_caregivers_naming_them(services, post) -> None:
    response = post(STAY | {"dob": "1942-13-14", "caregivers": [
        MARIA_JSON | {"consent": False}, {"name": "Luis", "relationship": "husband",
                                          "phone": "555", "nickname": "Lu"},
        {"name": "Eva", "relationship": "aunt", "consent": "yes"}, "Ana"]})
    assert response.status_code == 400
    problems = response.get_json()["problems"]
    assert "caregivers[2]: unknown field 'nickname'" in problems
    assert "caregivers[3].consent must be true or false" in problems
    assert any(p.startswith("caregivers[4] must be an object") for p in problems)
    assert any("date of birth" in p for p in problems)
    assert "caregiver Maria Rivera: a proxy answers about the patient's health: record " \
           "the patient's consent first" in problems
    assert post(STAY | {"caregivers": {"name": "Maria"}}).get_json()["problems"] == [
        "caregivers must be a list of objects"]
    assert caregivers(services) == []


# HL7 v2 ADT: NK1

def message(name: str, **changes: str) -> str:
    text = (SAMPLES / name).read_text(encoding="utf-8").strip()
    text = text.replace("{DISCHARGED}", (START - timedelta(days=2)).strftime("%Y%m%d%H%M+0000"))
    text = text.replace("{ADMITTED}", (START - timedelta(days=6)).strftime("%Y%m%d%H%M+0000"))
    for old, new in changes.items():
        text = text.replace(old, new)
    return text.replace("\n", "\r")


def test_next_of_kin_with_a_dialable_phone_become_caregivers_without_consent(services) -> None:
    table = FlowTable.load()
    outcome, _ = receive_adt(services, message("a03_next_of_kin.hl7"), table)
    assert outcome.ack_code == "AA", outcome.detail
    expected = {
        # NK1-3 DAU in words; her cell phone (CP) of NK1-5; NK1-20 Spanish.
        ("Maria Rivera", "daughter", "+12015550188", "es", False, False, "hl7", True),
        # No NK1-20: the patient's language (PID-15 SPA).
        ("Luis Rivera", "spouse", "+19735550192", "es", False, False, "hl7", True)}
    # Not the employer, not the son whose number cannot be dialled, not the nameless one.
    assert seen(services) == expected
    with services.sessions() as session:
        episode = session.scalars(select(Episode)).one()
    assert len(episode.next_of_kin) == 5  # the stay keeps every NK1 as sent

    # A nurse records Maria's consent; the same discharge under a new control id, and an
    # A08 with the same NK1s, add nobody and take nothing away.
    with transaction(services.sessions) as session:
        maria = session.scalars(select(Caregiver).where(Caregiver.name == "Maria Rivera")).one()
        maria.consent = True
    assert receive_adt(services, message("a03_next_of_kin.hl7", RIV000401="RIV000402"),
                       table)[0].outcome == "unchanged"
    a08 = message("a03_next_of_kin.hl7", RIV000401="RIV000403", **{"ADT^A03": "ADT^A08",
                                                                   "EVN|A03": "EVN|A08"})
    outcome, _ = receive_adt(services, a08, table)
    assert (outcome.ack_code, outcome.outcome) == ("AA", "unchanged"), outcome.detail
    assert len(caregivers(services)) == 2
    assert next(c for c in caregivers(services) if c.name == "Maria Rivera").consent


def test_an_a08_adds_a_new_next_of_kin_once(services) -> None:
    table = FlowTable.load()
    assert receive_adt(services, message("a03_discharge.hl7"), table)[0].ack_code == "AA"
    assert seen(services) == {("Daniel Okafor", "son", "+12015550163", "en", False, False,
                               "hl7", True)}
    kin = "\rNK1|1|OKAFOR^ADA|SIS^Sister||^PRN^CP^^1^201^5550164||||||||||||||||SPA"
    outcome, _ = receive_adt(services, message("a08_new_phone.hl7") + kin, table)
    assert outcome.outcome == "applied" and "caregiver Ada Okafor (sister) added" in \
        outcome.detail
    again = message("a08_new_phone.hl7", RIV000102="RIV000199") + kin
    assert receive_adt(services, again, table)[0].outcome == "unchanged"
    assert len(caregivers(services)) == 2


# FHIR R4: Patient.contact

def with_contacts(document: dict, contacts: list[dict]) -> dict:
    patient = next(e["resource"] for e in document["entry"]
                   if e["resource"]["resourceType"] == "Patient")
    patient["contact"] = contacts
    return document


def test_fhir_patient_contacts_become_caregivers_without_consent(services) -> None:
    client, headers = api(services, token_for(services))
    contacts = [
        {"relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0131",
                                       "code": "N"}]},
                          {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                                 "v3-RoleCode", "code": "DAUC"}]}],
         "name": {"family": "Nakamura", "given": ["Emi"]},
         "telecom": [{"system": "phone", "use": "home", "value": "+1 973 555 0185"},
                     {"system": "phone", "use": "mobile", "value": "+1 201 555 0186"}]},
        {"relationship": [{"text": "Neighbour"}], "name": {"text": "Sam Lee"},
         "telecom": [{"system": "email", "value": "sam@example.org"}]},
        {"relationship": [{"coding": [{"code": "E"}]}], "name": {"text": "Acme"},
         "telecom": [{"system": "phone", "value": "+1 973 555 0187"}]}]
    for _ in range(2):  # the same Bundle again adds nobody
        response = client.post("/fhir/r4/Bundle", json=with_contacts(bundle(), contacts),
                               headers=headers)
        assert response.status_code in (200, 201), response.get_json()
        assert seen(services) == {("Emi Nakamura", "daughter", "+12015550186", "en", False,
                                   False, "api", True)}


def test_the_patient_page_still_refuses_a_proxy_without_consent(services) -> None:
    """The dashboard's add shares the checks intake uses."""
    from assistant.care_team.caregivers import CaregiverError

    with transaction(services.sessions) as session:
        patient = Patient(name="Rosa Rivera", phone="+12015550190")
        with pytest.raises(CaregiverError, match="record the patient's consent first"):
            add_caregiver(session, patient, NewCaregiver("Maria", "daughter", "+12015550188",
                                                         is_proxy=True),
                          source="dashboard", actor="nora", default_region="US", now=START)
