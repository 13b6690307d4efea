"""Readmissions are recorded once per admission, tied to the stay they follow, through every
door: ADT A01/A04 (whether or not follow-up is open), a new discharge of a known patient,
and the API. The reports count 30-day readmissions from these rows."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from assistant.intake.adt import receive_adt
from assistant.intake.cancellation import cancel_episodes
from assistant.intake.flow_choice import FlowTable
from assistant.records.db import transaction
from assistant.records.interfaces import Readmission
from assistant.records.models import Alert, CheckIn, Episode
from tests.conftest import START, make_services
from tests.test_fhir_in import bundle
from tests.test_hl7_feed import ack, listener, rows, sample  # noqa: F401 (a fixture)
from tests.test_web_security import api, token_for

PID = ("PID|1||MRN778201^^^RIVERSIDE^MR||OKAFOR^GRACE^A||19480722|F|||12 Elm St^^Newark^NJ"
       "^07102||^PRN^CP^^1^201^5550162||ENG")


def hl7_time(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M+0000")


def message(event: str, control: str, visit: str = "", *, admitted: datetime | None = None,
            discharged: datetime | None = None, sent: datetime = START) -> str:
    """An ADT message for Grace Okafor (MRN778201): PV1-19 visit, PV1-36 home for a
    discharge, PV1-44 admitted, PV1-45 discharged."""
    pv1 = ["PV1", "1", "I"] + [""] * 43
    pv1[19] = visit
    pv1[36] = "01" if event == "A03" else ""
    pv1[44] = hl7_time(admitted) if admitted else ""
    pv1[45] = hl7_time(discharged) if discharged else ""
    return "\r".join([
        f"MSH|^~\\&|EPIC|RIVERSIDE|CARECALL|CARECALL|{hl7_time(sent)}||ADT^{event}^ADT_A01|"
        f"{control}|P|2.5.1", f"EVN|{event}|{hl7_time(sent)}", PID, "|".join(pv1).rstrip("|")])


@pytest.fixture
def send(services):  # type: ignore[no-untyped-def]
    """Receive one ADT message as the listener does; returns (ACK code, its text)."""
    table = FlowTable.load()

    def receive(text: str) -> tuple[str, str]:
        outcome, _ = receive_adt(services, text, table)
        return outcome.ack_code, outcome.detail

    return receive


def discharge(send, control: str, visit: str, days_ago: float,  # type: ignore[no-untyped-def]
              admitted_days_ago: float | None = None) -> None:
    admitted = START - timedelta(days=admitted_days_ago) if admitted_days_ago else None
    code, text = send(message("A03", control, visit, admitted=admitted,
                              discharged=START - timedelta(days=days_ago)))
    assert code == "AA", text


def readmissions(services) -> list[Readmission]:  # type: ignore[no-untyped-def]
    with services.sessions() as session:
        return list(session.scalars(select(Readmission).order_by(Readmission.id)))


def stay(services, visit: str) -> Episode:  # type: ignore[no-untyped-def]
    with services.sessions() as session:
        return session.scalars(select(Episode).where(Episode.visit_number == visit)).one()


def open_checkins(services) -> int:  # type: ignore[no-untyped-def]
    with services.sessions() as session:
        return len(session.scalars(select(CheckIn).where(CheckIn.status == "scheduled")).all())


# -- ADT A01/A04 ------------------------------------------------------------------------------

def test_an_a01_with_no_follow_up_open_is_still_recorded(services, send) -> None:
    discharge(send, "C1", "V1", days_ago=10)
    first = stay(services, "V1")
    with transaction(services.sessions) as session:  # the follow-up was stopped by hand
        cancel_episodes(session, services.dialogue, [first.id], "manual", START)
    code, text = send(message("A01", "C2", "V2", admitted=START - timedelta(hours=30)))
    assert code == "AA"
    # Discharged on 14 November, admitted on the 23rd (04:00 in New Jersey): day 9.
    assert text == (f"A01: readmission recorded (9 day(s) after stay {first.id}); no follow-up "
                    "in progress")
    [row] = readmissions(services)
    assert (row.source, row.event, row.visit_number) == ("hl7", "A01", "V2")
    assert row.admitted_at == START - timedelta(hours=30)
    assert (row.index_episode_id, row.days_after_discharge) == (first.id, 9)
    assert row.recorded_at == START


def test_an_a01_stops_follow_up_in_progress_as_before_and_is_recorded(services, send) -> None:
    discharge(send, "C1", "V1", days_ago=3)
    assert open_checkins(services) > 0
    code, text = send(message("A01", "C2", "V2", admitted=START - timedelta(hours=2)))
    assert code == "AA" and "readmission recorded (3 day(s) after" in text  # 21st to 24th
    assert "check-in(s) cancelled, coordinator told" in text
    assert open_checkins(services) == 0
    with services.sessions() as session:
        [alert] = session.scalars(select(Alert).where(Alert.kind == "alert")).all()
    assert (alert.reason, alert.severity) == ("readmitted", "routine")
    assert alert.summary == "Readmitted (A01 from the hospital): follow-up stopped"
    assert len(readmissions(services)) == 1


def test_a01_then_a04_for_the_same_visit_counts_once(services, send) -> None:
    discharge(send, "C1", "V1", days_ago=10)
    send(message("A01", "C2", "V2", admitted=START - timedelta(days=1)))
    code, text = send(message("A04", "C3", "V2", admitted=START - timedelta(hours=20)))
    assert code == "AA" and text.startswith("A04: readmission already recorded (9 day(s)")
    [row] = readmissions(services)
    assert (row.event, row.admitted_at) == ("A01", START - timedelta(days=1))


def test_an_a01_sent_twice_is_recorded_once(services, send) -> None:
    discharge(send, "C1", "V1", days_ago=10)
    a01 = message("A01", "C2", "V2", admitted=START - timedelta(days=1))
    assert send(a01)[0] == "AA"
    code, text = send(a01)  # the sender's retry: the same control id
    assert code == "AA" and text.startswith("already received: A01: readmission recorded")
    # Under a new control id, and without a visit number at the same time: the same admission.
    assert "already recorded" in send(a01.replace("|C2|", "|C3|"))[1]
    assert "already recorded" in send(message("A01", "C4", admitted=START - timedelta(days=1)))[1]
    assert len(readmissions(services)) == 1


def test_an_a01_is_dated_by_pv1_44_else_by_the_message_time(services, send) -> None:
    discharge(send, "C1", "V1", days_ago=10)
    sent = START - timedelta(hours=3)
    send(message("A01", "C2", "V2", sent=sent))  # no PV1-44: EVN-2
    code, text = send(message("A04", "C3", "V3", admitted=START + timedelta(days=2),
                              sent=START - timedelta(hours=1)))
    assert code == "AA" and "PV1-44 not used: admission time" in text and "in the future" in text
    written = START - timedelta(hours=9)  # a PV1-44 without an offset: the patient's time
    send(message("A01", "C4", "V4", admitted=written).replace(hl7_time(written),
                                                               f"{written:%Y%m%d%H%M}"))
    first, second, third = readmissions(services)
    assert first.admitted_at == sent
    assert second.admitted_at == START - timedelta(hours=1)  # EVN-2 instead
    assert third.admitted_at == written + timedelta(hours=5)  # New Jersey: UTC-5 in November


def test_days_are_counted_from_the_latest_discharge_before_the_admission(services,
                                                                        send) -> None:
    discharge(send, "C1", "V1", days_ago=20)
    discharge(send, "C2", "V2", days_ago=8, admitted_days_ago=12)
    first, second = stay(services, "V1"), stay(services, "V2")
    # The second stay's own admission follows the first stay: 20 - 12 = 8 days.
    [by_discharge] = readmissions(services)
    assert (by_discharge.source, by_discharge.visit_number) == ("discharge", "V2")
    assert (by_discharge.index_episode_id, by_discharge.days_after_discharge) == (first.id, 8)
    # Admitted 3 days 23 hours after the second discharge, the next morning on the calendar:
    # day 4 of the second stay, as the hospital counts (discharge day 0).
    admitted = second.discharged_at + timedelta(days=3, hours=23)
    send(message("A01", "C3", "V3", admitted=admitted))
    # An admission between the two stays follows the first one.
    send(message("A04", "C4", "V9", admitted=first.discharged_at + timedelta(hours=5)))
    rows_by_visit = {row.visit_number: row for row in readmissions(services)}
    assert (rows_by_visit["V3"].index_episode_id, rows_by_visit["V3"].days_after_discharge) \
        == (second.id, 4)
    assert (rows_by_visit["V9"].index_episode_id, rows_by_visit["V9"].days_after_discharge) \
        == (first.id, 0)


def test_an_admission_before_any_of_our_stays_follows_none(services, send) -> None:
    discharge(send, "C1", "V1", days_ago=5)
    send(message("A01", "C2", "V0", admitted=START - timedelta(days=9)))
    [row] = readmissions(services)
    assert (row.index_episode_id, row.days_after_discharge) == (None, None)


def test_an_a11_withdraws_the_admission(services, send) -> None:
    discharge(send, "C1", "V1", days_ago=5)
    send(message("A01", "C2", "V2", admitted=START - timedelta(days=1)))
    code, text = send(message("A11", "C3", "V2"))
    assert code == "AA" and text == "A11: its readmission withdrawn; no stay with visit V2"
    assert readmissions(services) == []


# -- a new discharge --------------------------------------------------------------------------

def test_a_new_stay_of_a_known_patient_is_a_readmission_dated_by_pv1_44(services,
                                                                        send) -> None:
    discharge(send, "C1", "V1", days_ago=9)
    assert readmissions(services) == []  # a first stay is no readmission
    discharge(send, "C2", "V2", days_ago=1, admitted_days_ago=4)
    [row] = readmissions(services)
    assert (row.source, row.event, row.visit_number) == ("discharge", None, "V2")
    assert row.admitted_at == START - timedelta(days=4)
    assert (row.index_episode_id, row.days_after_discharge) == (stay(services, "V1").id, 5)
    discharge(send, "C3", "V2", days_ago=1, admitted_days_ago=4)  # the same stay again
    assert len(readmissions(services)) == 1


def test_without_an_admission_time_a_new_stay_is_dated_by_its_discharge(services) -> None:
    client, headers = api(services, token_for(services))
    body = {"name": "Alex Rivera", "dob": "1950-03-14", "phone": "+12015550143",
            "flow": "general", "mrn": "MRN1", "visit_number": "V1",
            "discharged": "2026-11-14T09:00:00-05:00"}
    assert client.post("/api/v1/discharges", json=body, headers=headers).status_code == 201
    again = body | {"visit_number": "V2", "discharged": "2026-11-23T08:00:00-05:00"}
    assert client.post("/api/v1/discharges", json=again, headers=headers).status_code == 201
    [row] = readmissions(services)
    assert row.admitted_at == datetime(2026, 11, 23, 13, 0)  # the discharge, approximate
    # 14 to 23 November (8 d 23 h): the discharge stands in for the admission, late, never early
    assert (row.source, row.days_after_discharge) == ("discharge", 9)


def test_a_fhir_discharge_of_a_known_patient_is_dated_by_the_encounter_start(services) -> None:
    client, headers = api(services, token_for(services))
    assert client.post("/fhir/r4/Bundle", json=bundle(), headers=headers).status_code == 201
    fmt = "%Y-%m-%dT%H:%M:00+00:00"
    admitted, discharged = START - timedelta(days=1), START - timedelta(hours=2)
    second = bundle(**{"V884410-03": "V884410-04",
                       (START - timedelta(days=6)).strftime(fmt): admitted.strftime(fmt),
                       (START - timedelta(days=2)).strftime(fmt): discharged.strftime(fmt)})
    assert client.post("/fhir/r4/Bundle", json=second, headers=headers).status_code == 201
    [row] = readmissions(services)
    assert (row.source, row.visit_number, row.admitted_at) == ("discharge", "V884410-04",
                                                               admitted)
    assert row.days_after_discharge == 1


def test_an_a01_then_the_a03_of_the_same_visit_is_one_readmission(services, send) -> None:
    discharge(send, "C1", "V1", days_ago=9)
    send(message("A01", "C2", "V2", admitted=START - timedelta(days=4)))
    discharge(send, "C3", "V2", days_ago=1)  # no PV1-44: it would be dated by the discharge
    [row] = readmissions(services)
    assert (row.source, row.event, row.admitted_at) == ("hl7", "A01", START - timedelta(days=4))
    # An admission sent without its visit number is this stay's too: it lies between the
    # two discharges.
    send(message("A01", "C4", admitted=START - timedelta(hours=12)))
    discharge(send, "C5", "V3", days_ago=0.1)
    assert [(r.visit_number, r.source) for r in readmissions(services)] == [
        ("V2", "hl7"), ("V3", "hl7")]


# -- the API ----------------------------------------------------------------------------------

@pytest.fixture
def post(services):  # type: ignore[no-untyped-def]
    client, headers = api(services, token_for(services))
    return lambda body: client.post("/api/v1/readmissions", json=body, headers=headers)


def test_the_api_records_an_admission_once_and_stops_follow_up(services, send, post) -> None:
    discharge(send, "C1", "V1", days_ago=3)
    before = stay(services, "V1")
    assert open_checkins(services) > 0
    body = {"mrn": "MRN778201", "admitted_at": "2026-11-24T08:30", "visit_number": "V2"}
    created = post(body)
    assert created.status_code == 201, created.get_json()
    answer = created.get_json()
    assert answer["outcome"] == "created" and answer["patient_id"] == before.patient_id
    assert (answer["index_episode_id"], answer["days_after_discharge"]) == (before.id, 3)
    assert answer["admitted_at"] == "2026-11-24T08:30:00-05:00"  # naive: the patient's time
    assert answer["checkins_cancelled"] > 0 and open_checkins(services) == 0
    with services.sessions() as session:
        [alert] = session.scalars(select(Alert).where(Alert.kind == "alert")).all()
    assert alert.summary == "Readmitted (reported through the API): follow-up stopped"
    again = post(body | {"mrn_authority": "RIVERSIDE"})
    assert again.status_code == 200 and again.get_json()["outcome"] == "unchanged"
    assert again.get_json()["id"] == answer["id"]
    by_id = post({"patient_id": before.patient_id, "admitted_at": "2026-11-24T13:30:00Z"})
    assert by_id.status_code == 200  # no visit number, the same moment: the same admission
    assert len(readmissions(services)) == 1


def test_an_admission_reported_late_does_not_stop_a_later_stay(services, send, post) -> None:
    discharge(send, "C1", "V1", days_ago=9)
    discharge(send, "C2", "V2", days_ago=1)  # dated by its discharge until told otherwise
    followed = open_checkins(services)
    answer = post({"mrn": "MRN778201", "admitted_at": "2026-11-19T10:00:00-05:00",
                   "visit_number": "V2"})
    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["outcome"], body["days_after_discharge"]) == ("updated", 4)
    assert body["checkins_cancelled"] == 0 and open_checkins(services) == followed
    [row] = readmissions(services)
    assert (row.source, row.admitted_at) == ("discharge", datetime(2026, 11, 19, 15, 0))


@pytest.mark.parametrize(("body", "status", "error"), [
    ({"mrn": "MRN000000", "admitted_at": "2026-11-24T08:30"}, 404, "no patient with MRN"),
    ({"patient_id": 999, "admitted_at": "2026-11-24T08:30"}, 404, "no patient with id 999"),
    ({"mrn": "MRN778201"}, 400, "missing admitted_at"),
    ({"mrn": "MRN778201", "admitted_at": "yesterday"}, 400, "is not a date-time"),
    ({"mrn": "MRN778201", "admitted_at": "2026-11-26T08:30"}, 400, "is in the future"),
    ({"mrn": "MRN778201", "admitted_at": "2024-11-26T08:30"}, 400, "more than a year ago"),
    ({"mrn": "MRN778201", "admitted_at": "0001-01-01T00:00+01:00"}, 400, "out of range"),
    ({"mrn": "MRN778201", "patient_id": 1, "admitted_at": "2026-11-24T08:30"}, 400,
     "one of them"),
    ({"admitted_at": "2026-11-24T08:30"}, 400, "one of them"),
    ({"mrn": "MRN778201", "admitted_at": "2026-11-24T08:30", "ward": "4W"}, 400,
     "unknown field 'ward'"),
    ({"mrn": "MRN 778201\u0000", "admitted_at": "2026-11-24T08:30"}, 400,
     "mrn must be an identifier"),
    ({"patient_id": True, "admitted_at": "2026-11-24T08:30"}, 400, "patient_id must be"),
    ({}, 400, "send a JSON object"),
])
def test_the_api_says_what_is_wrong(services, send, post, body, status, error) -> None:
    discharge(send, "C1", "V1", days_ago=3)
    response = post(body)
    assert response.status_code == status and error in response.get_json()["error"]
    assert readmissions(services) == []


def test_an_mrn_under_two_authorities_needs_its_authority(services, send, post) -> None:
    discharge(send, "C1", "V1", days_ago=3)
    send(message("A03", "C2", "W1", discharged=START - timedelta(days=2))
         .replace("^^^RIVERSIDE^MR", "^^^NORTHSIDE^MR").replace("5550162", "5550164"))
    response = post({"mrn": "MRN778201", "admitted_at": "2026-11-24T08:30"})
    assert response.status_code == 400
    assert "known under several authorities (NORTHSIDE, RIVERSIDE)" in response.get_json()["error"]
    chosen = post({"mrn": "MRN778201", "mrn_authority": "NORTHSIDE",
                   "admitted_at": "2026-11-24T08:30"})
    assert chosen.status_code == 201
    assert chosen.get_json()["index_episode_id"] == stay(services, "W1").id


# -- both databases, and the feed over MLLP ---------------------------------------------------

def test_one_admission_through_every_door_is_one_row(database_url, settings, network,
                                                     clock) -> None:
    services = make_services(settings.with_overrides(database_url=database_url), network, clock)
    try:
        table = FlowTable.load()

        def send(text: str) -> str:
            outcome, _ = receive_adt(services, text, table)
            assert outcome.ack_code == "AA", outcome.detail
            return outcome.detail

        send(message("A03", "C1", "V1", discharged=START - timedelta(days=12)))
        send(message("A01", "C2", "V2", admitted=START - timedelta(days=5, hours=1)))
        send(message("A04", "C3", "V2", admitted=START - timedelta(days=5)))
        send(message("A03", "C4", "V2", admitted=START - timedelta(days=5, hours=1),
                     discharged=START - timedelta(days=1)))
        send(message("A01", "C5", admitted=START - timedelta(hours=6)))
        send(message("A01", "C6", admitted=START - timedelta(hours=6)))
        first, second = stay(services, "V1").id, stay(services, "V2").id
        found = [(r.visit_number, r.source, r.index_episode_id, r.days_after_discharge)
                 for r in readmissions(services)]
        # Calendar days in New Jersey: 12 to 19 November, and 23 to 24 November.
        assert found == [("V2", "hl7", first, 7), (None, "hl7", second, 1)]
    finally:
        services.close()


def test_an_a01_over_mllp_is_recorded_as_a_readmission(listener) -> None:  # noqa: F811
    client, url = listener
    assert ack(client, sample("a03_discharge.hl7"))[0] == "AA"
    code, _, text = ack(client, sample("a01_readmission.hl7"))
    assert code == "AA" and text.startswith("A01: readmission recorded (1 day(s) after stay")
    assert "coordinator told" in text
    assert ack(client, sample("a01_readmission.hl7", RIV000103="RIV000903"))[2].startswith(
        "A01: readmission already recorded")
    [row] = rows(url, Readmission)
    [episode] = rows(url, Episode)
    assert (row.visit_number, row.event, row.index_episode_id) == ("V778201-02", "A01",
                                                                   episode.id)
    # A11: the admission is withdrawn, and with it the readmission.
    assert "its readmission withdrawn" in ack(client, sample("a11_cancel_admit.hl7"))[2]
    assert rows(url, Readmission) == []

