"""A stay is known by the hospital's identifiers: the same discharge twice changes nothing,
a correction updates and re-plans only what is still to come, a new visit is a new stay."""

from __future__ import annotations

from datetime import UTC

import pytest
import time_machine
from click.testing import CliRunner
from sqlalchemy import func, select

from assistant.outreach.dispatch import dispatch_due
from assistant.records.models import CheckIn, Episode
from carecall.cli import main
from tests.conftest import START
from tests.test_web_security import api, token_for

STAY = {"name": "Alex Rivera", "dob": "1950-03-14", "phone": "+12015550143",
        "discharged": "2026-11-22T14:00:00-05:00", "flow": "general",
        "mrn": "MRN000123", "mrn_authority": "RIVERSIDE", "visit_number": "V2026-555"}


@pytest.fixture
def post(services):  # type: ignore[no-untyped-def]
    """The hospital's system posting a discharge with its API token."""
    client, headers = api(services, token_for(services))
    return lambda body: client.post("/api/v1/discharges", json=body, headers=headers)


def count(services, model, *where) -> int:  # type: ignore[no-untyped-def]
    with services.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_the_same_discharge_twice_changes_nothing_and_says_so(services, post) -> None:
    first = post(STAY)
    assert first.status_code == 201 and first.get_json()["outcome"] == "created"
    again = post(STAY)
    assert again.status_code == 200
    body = again.get_json()
    assert body["outcome"] == "unchanged" and body["changes"] == []
    assert body["episode_id"] == first.get_json()["episode_id"]
    assert count(services, Episode) == 1
    assert count(services, CheckIn) == len(first.get_json()["checkins"])


def test_a_new_phone_updates_the_stay_without_replanning(post) -> None:
    first = post(STAY).get_json()
    body = post(STAY | {"phone": "+12015550144"}).get_json()
    assert body["outcome"] == "updated" and body["phone"] == "+12015550144"
    assert body["changes"] == ["phone: +12015550143 → +12015550144"]
    assert [c["id"] for c in body["checkins"]] == [c["id"] for c in first["checkins"]]


def test_a_corrected_discharge_time_replans_only_what_is_still_to_come(services, post,
                                                                         network) -> None:
    first = post(STAY).get_json()
    dispatch_due(services, "w1")  # the first check-in (due now) goes out
    sent_ids = [c["id"] for c in first["checkins"]][:1]
    body = post(STAY | {"discharged": "2026-11-23T09:00:00-05:00"}).get_json()
    assert body["outcome"] == "updated"
    assert any(change.startswith("discharge time:") for change in body["changes"])
    by_id = {c["id"]: c for c in body["checkins"]}
    assert by_id[sent_ids[0]]["status"] == "sent"  # what happened, happened
    replanned = [c for c in body["checkins"] if c["status"] == "cancelled"]
    fresh = [c for c in body["checkins"] if c["status"] == "scheduled"]
    assert len(replanned) == len(fresh) == 2  # day 7 and day 30, planned again
    assert all(c["id"] not in [r["id"] for r in replanned] for c in fresh)
    # Planned from the new discharge time: day 7 of the 23rd is the 30th.
    assert fresh[0]["due_at"].startswith("2026-11-30")
    assert len(network.outbox) == 2  # nothing sent again


def test_a_new_visit_is_a_new_stay_and_ends_the_earlier_follow_up(services, post) -> None:
    first = post(STAY).get_json()
    second = post(STAY | {"visit_number": "V2026-777",
                                    "discharged": "2026-11-24T08:00:00-05:00"})
    assert second.status_code == 201
    body = second.get_json()
    assert body["episode_id"] != first["episode_id"]
    assert any("replaces episode" in note for note in body["warnings"])
    assert count(services, CheckIn, CheckIn.episode_id == first["episode_id"],
                 CheckIn.status == "scheduled") == 0


def test_a_patient_enrolled_before_the_mrn_was_known_gets_it(services, post) -> None:
    without = {key: value for key, value in STAY.items()
               if key not in ("mrn", "mrn_authority", "visit_number")}
    first = post(without).get_json()
    again = post(STAY | {"visit_number": "V2026-999"}).get_json()
    assert again["mrn"] == "MRN000123"
    with services.sessions() as session:
        patients = {e.patient_id for e in session.scalars(select(Episode))}
    assert len(patients) == 1 and again["episode_id"] != first["episode_id"]


def test_every_problem_in_a_request_is_reported_at_once(post) -> None:
    response = post(STAY | {"dob": "14/03/1950", "phone": "555", "colour": "red",
                                      "flow": "knees"} | {"discharged": ""})
    assert response.status_code == 400
    problems = response.get_json()["problems"]
    assert problems[0] == "unknown field 'colour'"
    assert "missing discharged" in problems
    assert any(p.startswith("date of birth '14/03/1950'") for p in problems)
    assert any(p.startswith("phone '555'") for p in problems)
    assert any("knees" in p for p in problems)
    assert len(problems) == 5


def test_a_visit_without_an_mrn_is_refused(post) -> None:
    body = {key: value for key, value in STAY.items() if key != "mrn"}
    problems = post(body).get_json()["problems"]
    assert problems == ["visit_number needs the patient's mrn (a visit is the hospital's only "
                        "within a patient's record)"]


def test_the_command_line_says_when_a_stay_was_already_recorded(services, monkeypatch) -> None:
    monkeypatch.setenv("CARECALL_DATABASE_URL", services.settings.database_url)

    def enroll(discharged: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(main, [
            "enroll", "--name", "Alex Rivera", "--dob", "1950-03-14", "--phone",
            "+12015550143", "--discharged", discharged, "--flow", "general",
            "--mrn", "MRN000123", "--visit", "V1"])

    with time_machine.travel(START.replace(tzinfo=UTC), tick=False):
        first = enroll("2026-11-22T14:00:00-05:00")
        again = enroll("2026-11-22T14:00:00-05:00")
        moved = enroll("2026-11-23T09:00:00-05:00")
    assert first.exit_code == 0 and first.output.startswith("enrolled Alex Rivera")
    assert again.output.startswith("unchanged: episode 1 (MRN MRN000123, visit V1)")
    assert moved.output.startswith("updated episode 1: discharge time: 2026-11-22 19:00:00 "
                                   "→ 2026-11-23 14:00:00")
    assert count(services, Episode) == 1
