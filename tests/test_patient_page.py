"""The patient's page and the active patients, as a nurse reads them: questions in words,
Yes/No answers, numbers to call, a weight trend after three check-ins, notes and caregivers,
and every view and change in the audit log."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from assistant.conversation.flow_loader import FlowError
from assistant.records.consent import opt_out
from assistant.records.db import transaction
from assistant.records.models import AuditEvent, Episode, Patient
from carecall.simulator import SimulatedPhone
from dashboard.charts import Point, line_chart
from tests.conftest import AUTH_TOKEN, PUBLIC_BASE_URL, SERVICE_NUMBER, csrf_token, poster_for
from tests.helpers import DOB_REPLY, enroll_patient, start_checkin
from tests.support.patient_checkins import HF_PHONE, heart_failure_stay, weigh_in


@pytest.fixture
def hf_phone(client) -> SimulatedPhone:  # type: ignore[no-untyped-def]
    return SimulatedPhone(HF_PHONE, SERVICE_NUMBER, AUTH_TOKEN, PUBLIC_BASE_URL,
                          poster_for(client))


def patient_id(services, phone: str = HF_PHONE) -> int:  # type: ignore[no-untyped-def]
    with services.sessions() as session:
        return session.scalars(select(Patient.id).where(Patient.phone == phone)).one()


def section(page: str, anchor: str) -> str:
    start = page.index(f'id="{anchor}"')
    return page[start:page.index("</section>", start)]


def post(client, path: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    token = csrf_token(client, "/patients")  # one token for the whole session
    return client.post(path, data={**data, "csrf_token": token})


def test_questions_read_in_words_answers_as_yes_no_and_numbers_are_tel_links(
        services, hf_phone, coordinator) -> None:
    episode = heart_failure_stay(services)
    weigh_in(services, hf_phone, episode, "181")
    page = coordinator.get(f"/patients/{patient_id(services)}").get_data(as_text=True)
    checkins = section(page, "checkins")
    assert "What did you weigh this morning, in pounds?" in checkins
    assert "Are you taking Furosemide the way your doctor told you to?" in checkins
    assert ">Yes<" in checkins and ">No<" in checkins and ">181 lb<" in checkins
    assert "Date of birth (identity check)</td><td data-label=\"Answer\">Confirmed" in checkins
    for machine_words in ("True", "False", "meds_taking", "breathing_at_rest", "identity_dob"):
        assert machine_words not in checkins
    for number in (HF_PHONE, "+12015550150", "+12015550160"):  # patient, PCP, pharmacy
        assert f'href="tel:{number}"' in page
    stay = section(page, "stay")
    assert "I50.22" in stay and "Home health" in stay and "Riverside Hospital" in stay
    assert "Heart failure check-in" in stay and "180" in stay
    assert "Dr. Ana Lee" in page and "Main St Pharmacy" in page
    assert "Heart clinic follow-up with Dr. Lee" in page and "2nd floor" in page
    assert re.search(r"Furosemide</strong> 40 mg <span class=\"status\">new</span> "
                     r"<span class=\"sev urgent\">high risk", page)
    assert "Age</dt><dd>76 · born Mar 14, 1950" in page
    trends = section(page, "trends")
    assert "<svg" not in trends and "One reading so far" in trends  # one reading: a value


def test_three_weigh_ins_draw_the_weight_chart_with_the_discharge_weight(
        services, hf_phone, coordinator, clock) -> None:
    episode = heart_failure_stay(services)
    for weight in ("181", "182.5 lbs", "one hundred eighty four"):
        weigh_in(services, hf_phone, episode, weight)
        clock.advance(days=1)
    page = coordinator.get(f"/patients/{patient_id(services)}").get_data(as_text=True)
    weight = page[page.index('id="trend-panel-weight"'):]
    chart = weight[weight.index("<svg"):weight.index("</svg>")]
    assert 'role="img"' in chart and "<title id=\"trend-weight-title\">Weight (lb)</title>" in chart
    assert "3 readings, from 181 lb" in chart and "to 184 lb" in chart
    assert "Discharge: 180 lb" in chart and "discharge 180</text>" in chart
    assert chart.count("<circle") == 3
    assert 'viewBox="0 0 360 190"' in chart  # scales down to a 390 px screen
    values = weight[weight.index("<details>"):weight.index("</details>")]
    assert "182.5 lb" in values and "one hundred eighty four" in values
    # A fourth weight given as a change is listed, not plotted.
    clock.advance(days=5)
    weigh_in(services, hf_phone, episode, "up 2")
    page = coordinator.get(f"/patients/{patient_id(services)}").get_data(as_text=True)
    weight = page[page.index('id="trend-panel-weight"'):]
    assert weight[:weight.index("</svg>")].count("<circle") == 3
    assert "Given as a change, not plotted" in weight and "up 2 lb" in weight


def test_an_old_flow_version_that_no_longer_loads_still_shows_the_answers(
        services, hf_phone, coordinator, monkeypatch) -> None:
    episode = heart_failure_stay(services)
    weigh_in(services, hf_phone, episode, "181")

    def gone(version):  # type: ignore[no-untyped-def]
        raise FlowError(["an old format"])

    monkeypatch.setattr(services.versions, "flow", gone)
    monkeypatch.setattr(services.versions, "_parsed", {})  # as in a process started since
    response = coordinator.get(f"/patients/{patient_id(services)}")
    checkins = section(response.get_data(as_text=True), "checkins")
    assert response.status_code == 200
    assert ">chest pain<" in checkins and ">181 lb<" in checkins


def test_a_note_is_added_and_listed_newest_first_and_an_empty_one_is_refused(
        services, coordinator, clock) -> None:
    start_checkin(services)
    path = "/patients/1/notes"
    response = post(coordinator, path, {"body": "Called: feels fine, scale at home works."})
    assert response.status_code == 302
    clock.advance(minutes=30)
    post(coordinator, path, {"body": "Daughter <b>confirms</b> the visit.\nTransport booked."})
    notes = section(coordinator.get("/patients/1").get_data(as_text=True), "notes")
    assert notes.index("Daughter &lt;b&gt;confirms") < notes.index("Called: feels fine")
    assert "<strong>nora</strong> · 2026-11-24 10:30 EST" in notes
    for body in ("", "   \n "):
        refused = post(coordinator, path, {"body": body})
        assert refused.status_code == 400
        assert "The note is empty" in refused.get_data(as_text=True)
    long = "x" * 4001
    refused = post(coordinator, path, {"body": long})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "the most is 4000" in page
    assert long in page  # what was typed is kept in the box


def test_a_caregiver_is_added_a_bad_phone_refused_and_one_marked_inactive(
        services, coordinator) -> None:
    start_checkin(services)
    path = "/patients/1/caregivers"
    refused = post(coordinator, path, {"name": "Rosa Rivera", "relationship": "daughter",
                                       "phone": "12345", "language": "es"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "The caregiver was not saved" in page and "is not a valid number" in page
    assert 'value="Rosa Rivera"' in page  # nothing typed is lost
    proxy = post(coordinator, path, {"name": "Rosa Rivera", "relationship": "daughter",
                                     "phone": "201-555-0177", "is_proxy": "yes"})
    assert proxy.status_code == 400 and "record the patient" in proxy.get_data(as_text=True)
    added = post(coordinator, path, {"name": "Rosa Rivera", "relationship": "daughter",
                                     "phone": "201-555-0177", "language": "es",
                                     "consent": "yes", "is_proxy": "yes"})
    assert added.status_code == 302
    caregivers = section(coordinator.get("/patients/1").get_data(as_text=True), "caregivers")
    assert 'href="tel:+12015550177"' in caregivers and "Spanish" in caregivers
    assert "Yes, answers check-ins" in caregivers
    assert post(coordinator, "/patients/1/caregivers/1/inactive", {}).status_code == 302
    caregivers = section(coordinator.get("/patients/1").get_data(as_text=True), "caregivers")
    assert "Inactive" in caregivers and "Mark inactive" not in caregivers
    assert post(coordinator, "/patients/1/caregivers/99/inactive", {}).status_code == 404


def test_active_patients_are_the_last_30_days_not_opted_out_in_the_chosen_order(
        services, phone, coordinator, clock) -> None:
    start_checkin(services)  # Alex Rivera, discharged 2 days ago
    phone.text(DOB_REPLY)
    phone.text("worse")
    phone.text("yes, my chest hurts")  # an emergency and an urgent alert
    heart_failure_stay(services, days_ago=1)  # Maria Lopez: no alert yet
    old = enroll_patient(services, phone="+12015550130", name="Old Stay", days_ago=5)
    enroll_patient(services, phone="+12015550131", name="Said Stop", days_ago=3)
    with transaction(services.sessions) as session:
        session.get_one(Episode, old).discharged_at = clock.now - timedelta(days=31)
        stopped = session.scalars(select(Patient).where(Patient.name == "Said Stop")).one()
        opt_out(session, stopped, clock.now)
    page = coordinator.get("/patients/active").get_data(as_text=True)
    rows = re.findall(r'<tr data-patient-id="\d+">.*?</tr>', page, re.S)
    assert [re.search(r"<strong>([^<]+)</strong>", row)[1] for row in rows] == [  # type: ignore[index]
        "Alex Rivera", "Maria Lopez"]
    assert '<span class="sev emergency">emergency</span> 2 open' in rows[0]
    assert "2 days ago" in rows[0] and "Heart failure check-in" in rows[1]
    assert "I50.22" in rows[1] and "none yet" in rows[1]
    assert 'aria-current="page">Active patients' in page
    newest = coordinator.get("/patients/active?order=discharge").get_data(as_text=True)
    assert newest.index("Maria Lopez") < newest.index("Alex Rivera")
    assert coordinator.get("/patients/active?order=nonsense").status_code == 200


def test_views_and_changes_are_audited_and_strangers_are_sent_to_sign_in(
        services, coordinator, client) -> None:
    start_checkin(services)
    coordinator.get("/patients/1")
    coordinator.get("/patients/active")
    post(coordinator, "/patients/1/notes", {"body": "Left a voicemail."})
    post(coordinator, "/patients/1/caregivers", {"name": "Rosa", "relationship": "daughter"})
    post(coordinator, "/patients/1/caregivers/1/inactive", {})
    with services.sessions() as session:
        seen = [(e.actor, e.action, e.subject, e.subject_id, e.detail)
                for e in session.scalars(select(AuditEvent).where(AuditEvent.actor == "nora"))]
    assert ("nora", "viewed", "patient", "1", None) in seen
    assert ("nora", "viewed", "active_patients", "*", "listed patients 1") in seen
    assert ("nora", "created", "care_note", "1", "patient 1") in seen
    assert any(e[1:4] == ("created", "caregiver", "1") for e in seen)
    assert ("nora", "changed", "caregiver", "1", "patient 1; inactive") in seen
    assert not any("voicemail" in (e[4] or "") or "Rosa" in (e[4] or "") for e in seen)
    for path in ("/patients/1", "/patients/active"):
        assert client.get(path).status_code == 302


def test_the_chart_fits_a_phone_says_what_it_shows_and_needs_two_readings() -> None:
    from datetime import datetime

    start = datetime(2026, 11, 24, 15)
    points = [Point(start + timedelta(days=n), value) for n, value in enumerate((99.1, 101.4))]
    svg = str(line_chart(points, title="Temperature", unit="°F", zone="America/New_York",
                         chart_id="t"))
    assert svg.startswith("<svg") and 'width="360"' in svg
    assert "2 readings, from 99.1 °F on Nov 24 10:00 EST to 101.4 °F on Nov 25 10:00 EST" in svg
    assert ">Nov 24<" in svg and ">Nov 25<" in svg
    with pytest.raises(ValueError):
        line_chart(points[:1], title="Temperature", unit="°F", zone="UTC", chart_id="t")
