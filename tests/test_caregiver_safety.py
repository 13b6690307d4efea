"""What a second review of issue 16 found, kept as regressions: caregivers answering for a
patient (proxy). Each test asserts the safe behaviour."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from assistant.care_team.caregivers import NewCaregiver, add_caregiver, deactivate_caregiver
from assistant.outreach.dispatch import dispatch_due
from assistant.outreach.reminders import follow_up_silent_checkins
from assistant.records.care_records import Caregiver
from assistant.records.db import transaction
from assistant.records.models import Alert, Answer, Conversation, Patient
from carecall.simulator import SimulatedPhone
from tests.conftest import AUTH_TOKEN, SERVICE_NUMBER, poster_for
from tests.helpers import DOB_REPLY, enroll_patient, make_first_checkin_due

DAUGHTER = "+12015550188"


def _phone(client, number: str) -> SimulatedPhone:  # type: ignore[no-untyped-def]
    return SimulatedPhone(number, SERVICE_NUMBER, AUTH_TOKEN, "https://carecall.example.org",
                          poster_for(client))


def _enroll(services, phone: str, name: str, dob: str) -> int:  # type: ignore[no-untyped-def]
    from assistant.intake.enrollment import enroll, validate_discharge
    now = services.clock()
    discharge = validate_discharge(
        services.settings, services.flows, now=now, name=name, dob=dob, phone=phone,
        flow="general", discharged=(now - timedelta(days=2)).isoformat() + "+00:00")
    with transaction(services.sessions) as session:
        return enroll(session, services, discharge, now).id


def _patient_with_proxy(services, clock, phone="+12015550123", name="Alex Rivera",  # type: ignore[no-untyped-def]
                        proxy_phone=DAUGHTER, dispatch=True, dob=None) -> int:
    episode_id = (_enroll(services, phone, name, dob) if dob else
                  enroll_patient(services, phone=phone, name=name))
    with transaction(services.sessions) as session:
        patient = session.scalars(select(Patient).where(Patient.phone == phone)).one()
        add_caregiver(session, patient, NewCaregiver(
            "Maria Rivera", "daughter", proxy_phone, "en", consent=True, is_proxy=True),
            source="dashboard", actor="test", default_region="US", now=clock.now)
    make_first_checkin_due(services, episode_id)
    if dispatch:
        dispatch_due(services, "w1")
    return episode_id


def _deactivate_daughter(services, clock) -> None:  # type: ignore[no-untyped-def]
    with transaction(services.sessions) as session:
        caregiver = session.scalars(select(Caregiver)).one()
        deactivate_caregiver(session, caregiver, actor="nurse", now=clock.now)


def test_a_caregiver_made_inactive_mid_check_in_is_no_longer_read_as_the_patient(
        services, network, clock, client) -> None:
    """The nurse removes the daughter (family conflict, consent withdrawn by the patient).
    Her next texts must not be recorded as the patient's answers, and she must not be sent
    the patient's health questions."""
    _patient_with_proxy(services, clock)
    daughter = _phone(client, DAUGHTER)
    daughter.text(DOB_REPLY)
    _deactivate_daughter(services, clock)
    replies = daughter.text("worse")
    with services.sessions() as session:
        recorded = session.scalars(select(Answer.question_id)).all()
    assert "feeling" not in recorded, (recorded, replies)
    assert not any("chest pain" in reply for reply in replies), replies


def test_a_reminder_is_not_sent_to_a_caregiver_made_inactive(services, network, clock) -> None:
    _patient_with_proxy(services, clock)
    _deactivate_daughter(services, clock)
    network.outbox.clear()
    clock.advance(hours=25)
    follow_up_silent_checkins(services)
    sent = [(m.to, m.body) for m in network.outbox]
    assert sent, "no reminder at all"
    assert DAUGHTER not in [to for to, _ in sent], sent


def test_two_parents_sharing_one_proxy_an_answer_about_dad_is_not_filed_on_mum(
        services, network, clock, client) -> None:
    """The daughter answers for both parents. Dad's check-in is under way; Mum's arrives.
    She then answers Dad's pending question ("any chest pain?"): it is filed on Mum."""
    _patient_with_proxy(services, clock, phone="+12015550123", name="Alex Rivera")
    daughter = _phone(client, DAUGHTER)
    daughter.text(DOB_REPLY)  # Dad's identity
    asked = daughter.text("worse")  # Dad is feeling worse -> asks chest pain about Alex
    assert any("Alex" in reply for reply in asked)
    clock.advance(minutes=5)
    _patient_with_proxy(services, clock, phone="+12015550124", name="Bea Rivera",
                        dob="1952-07-01")  # Mum, her own date of birth
    daughter.text("07/01/1952")  # she answers Mum's greeting with Mum's date of birth
    clock.advance(minutes=1)
    replies = daughter.text("yes he has chest pain")  # about Dad, Alex
    with services.sessions() as session:
        rows = session.execute(select(Alert.reason, Patient.name).join(
            Patient, Alert.patient_id == Patient.id).where(Alert.severity == "emergency")).all()
    assert ("chest_pain", "Alex Rivera") in [tuple(r) for r in rows] or all(
        name != "Bea Rivera" for _, name in rows), (rows, replies)


def test_a_proxy_for_two_patients_is_not_sent_two_check_ins_at_once(
        services, network, clock) -> None:
    """Two open conversations on one phone: every reply is routed to the most recent one."""
    _patient_with_proxy(services, clock, phone="+12015550123", name="Alex Rivera",
                        dispatch=False)
    _patient_with_proxy(services, clock, phone="+12015550124", name="Bea Rivera",
                        dispatch=False)
    dispatch_due(services, "w1")
    with services.sessions() as session:
        open_conversations = session.scalars(select(Conversation).where(
            Conversation.ended_at.is_(None))).all()
        on_daughter = [c for c in open_conversations
                       if c.respondent is not None and c.respondent.phone == DAUGHTER]
    assert len(on_daughter) <= 1, [m.body for m in network.outbox]


def test_a_caregiver_texting_between_check_ins_gets_the_911_words_in_her_language(
        services, network, clock, client) -> None:
    """Patient speaks Spanish, the daughter (proxy) English. Between check-ins she texts
    "he has chest pain": the 911 instruction must be in English and about the patient."""
    now = clock.now
    from assistant.intake.enrollment import enroll, validate_discharge
    discharge = validate_discharge(
        services.settings, services.flows, now=now, name="Jose Perez", dob="1950-03-14",
        phone="+12015550123", flow="general", lang="es",
        discharged=(now - timedelta(days=2)).isoformat() + "+00:00")
    with transaction(services.sessions) as session:
        episode = enroll(session, services, discharge, now)
        add_caregiver(session, episode.patient, NewCaregiver(
            "Maria Perez", "daughter", DAUGHTER, "en", consent=True, is_proxy=True),
            source="dashboard", actor="test", default_region="US", now=now)
    replies = _phone(client, DAUGHTER).text("my dad has crushing chest pain")
    assert replies and "911" in replies[0]
    assert replies[0].startswith("Please call 911 for Jose"), replies


def test_a_caregiver_texting_stop_between_check_ins_does_not_silence_the_patient(
        services, network, clock, client) -> None:
    """STOP from the daughter's phone opts the PATIENT out of every check-in."""
    _patient_with_proxy(services, clock, dispatch=False)
    _phone(client, DAUGHTER).text("STOP")
    with services.sessions() as session:
        patient = session.scalars(select(Patient)).one()
        assert patient.opted_out_at is None, "the patient was opted out by the caregiver's STOP"


def test_a_caregiver_asking_what_a_medicine_is_gets_it_in_her_own_language(
        services, network, clock, client) -> None:
    """Patient speaks Spanish, the daughter answering for him English: the purpose of the
    medicine is read from the patient's language, so she gets Spanish inside English."""
    from assistant.intake.enrollment import enroll, validate_discharge
    now = clock.now
    discharge = validate_discharge(
        services.settings, services.flows, now=now, name="Jose Perez", dob="1950-03-14",
        phone="+12015550123", flow="general", lang="es",
        discharged=(now - timedelta(days=2)).isoformat() + "+00:00",
        medication_rows=[{"name": "Furosemide", "change": "new"}])
    with transaction(services.sessions) as session:
        episode = enroll(session, services, discharge, now)
        add_caregiver(session, episode.patient, NewCaregiver(
            "Maria Perez", "daughter", DAUGHTER, "en", consent=True, is_proxy=True),
            source="dashboard", actor="test", default_region="US", now=now)
        episode.checkins[0].due_at = now
    dispatch_due(services, "w1")
    daughter = _phone(client, DAUGHTER)
    for reply in (DOB_REPLY, "same", "no", "no", "no", "yes", "all of them"):
        asked = daughter.text(reply)
    assert "Furosemide" in asked[-1], asked
    told = daughter.text("what is furosemide?")
    assert told[0].startswith("Furosemide is"), told
    spanish = ("píldora", "pastilla", "agua", "para ")
    assert not any(word in told[0].lower() for word in spanish), told
