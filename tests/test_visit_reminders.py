"""The day before a follow-up visit: one reminder, in the patient's language and allowed
hours, never to someone who opted out; a reply to it ("C", "can't make it", anything) reaches
the team, with the safety net still first."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from assistant.intake.enrollment import enroll, validate_discharge
from assistant.outreach.contact_policy import next_contact_time
from assistant.outreach.visit_reminders import remind_of_visits
from assistant.records.consent import opt_out
from assistant.records.db import transaction
from assistant.records.models import Alert, Appointment, CheckIn, Message, Patient
from carecall.worker import tick
from tests.conftest import PATIENT_PHONE
from tests.helpers import DOB

# Friday 27 November 2026, 10:00 in New York (15:00 UTC); the clock starts on Tuesday.
VISIT = "2026-11-27T10:00"
THURSDAY_7AM = datetime(2026, 11, 26, 12, 0)  # UTC; 7:00 in New York
REMINDER = ("Hi Alex, this is Riverside Hospital. A reminder: your visit with Dr. Lee is "
            "tomorrow, Friday, November 27 at 10:00 AM at Main Street Clinic. Reply C if you "
            "can't make it. Reply STOP to opt out.")


def enrol(services, language: str = "en") -> int:  # type: ignore[no-untyped-def]
    """A stay with a visit on Friday; its check-ins are kept out of the way (next month), so
    only the reminder is sent."""
    now = services.clock()
    discharge = validate_discharge(
        services.settings, services.flows, now=now, name="Alex Rivera", dob=DOB,
        phone=PATIENT_PHONE, flow="general", lang=language,
        discharged=(now - timedelta(days=2)).isoformat() + "+00:00", appointment=VISIT,
        appointment_with="Dr. Lee", appointment_place="Main Street Clinic")
    with transaction(services.sessions) as session:
        episode = enroll(session, services, discharge, now)
        session.execute(update(CheckIn).where(CheckIn.episode_id == episode.id)
                        .values(due_at=now + timedelta(days=30)))
        return episode.id


def texts(services) -> list[str]:  # type: ignore[no-untyped-def]
    with services.sessions() as session:
        return list(session.scalars(select(Message.body).where(
            Message.direction == "out", Message.to_number == PATIENT_PHONE)
            .order_by(Message.id)))


def open_tasks(services) -> list[tuple[str, str, str, datetime | None]]:  # type: ignore[no-untyped-def]
    with services.sessions() as session:
        return [(a.severity, a.summary, a.evidence[-1]["raw"], a.due_at)
                for a in session.scalars(select(Alert).where(Alert.reason != "tcm_contact")
                                         .order_by(Alert.id))]


def test_the_reminder_goes_once_the_day_before_inside_the_patients_hours(
        services, network, clock) -> None:
    enrol(services)
    assert remind_of_visits(services) == []  # Tuesday: too early
    clock.now = THURSDAY_7AM
    assert remind_of_visits(services) == []  # the day before, but 7:00 at home
    clock.advance(hours=1)
    tick(services, "w1")  # the worker's tick sends it, through the outbox
    assert network.to(PATIENT_PHONE) == [REMINDER]
    tick(services, "w2")
    clock.advance(hours=3)
    assert remind_of_visits(services) == []
    assert network.to(PATIENT_PHONE) == [REMINDER]
    with services.sessions() as session:
        assert session.scalars(select(Appointment.reminded_at)).one() == clock.now - \
            timedelta(hours=3)
        assert session.scalars(select(Message.status).where(Message.direction == "out")).all() \
            == ["sent"]


def test_the_reminder_counts_against_the_contact_limits(services, clock) -> None:
    enrol(services)
    clock.now = THURSDAY_7AM + timedelta(hours=2)
    assert len(remind_of_visits(services)) == 1
    with services.sessions() as session:
        patient = session.scalars(select(Patient)).one()
        later = next_contact_time(session, services.settings, patient, clock.now)
    assert later == datetime(2026, 11, 27, 13, 0)  # Friday 8:00 in New York


def test_a_missed_day_before_is_not_made_up_on_the_day(services, network, clock) -> None:
    enrol(services)
    clock.now = datetime(2026, 11, 27, 13, 30)  # Friday 8:30, the visit at 10:00
    assert remind_of_visits(services) == []
    assert network.to(PATIENT_PHONE) == []


def test_no_reminder_to_a_patient_who_opted_out(services, network, clock) -> None:
    enrol(services)
    with transaction(services.sessions) as session:
        opt_out(session, session.scalars(select(Patient)).one(), clock.now)
    clock.now = THURSDAY_7AM + timedelta(hours=2)
    assert remind_of_visits(services) == []
    assert network.to(PATIENT_PHONE) == []


def test_no_reminder_once_the_follow_up_was_stopped(services, network, clock) -> None:
    from assistant.intake.cancellation import cancel_episodes

    episode_id = enrol(services)
    with transaction(services.sessions) as session:
        cancel_episodes(session, services.dialogue, [episode_id], "death", clock.now)
    clock.now = THURSDAY_7AM + timedelta(hours=2)
    assert remind_of_visits(services) == []


def test_the_reminder_in_spanish(services, network, clock) -> None:
    enrol(services, language="es")
    clock.now = THURSDAY_7AM + timedelta(hours=2)
    remind_of_visits(services)
    assert network.to(PATIENT_PHONE) == [
        "Hola Alex, le escribe Riverside Hospital. Le recordamos su cita con Dr. Lee mañana, "
        "el viernes 27 de noviembre a las 10:00 de la mañana en Main Street Clinic. Responda C "
        "si no puede ir. Responda PARAR para no recibir mensajes."]


def reminded(services, clock) -> None:  # type: ignore[no-untyped-def]
    enrol(services)
    clock.now = THURSDAY_7AM + timedelta(hours=2)
    assert len(remind_of_visits(services)) == 1
    clock.advance(minutes=20)


def test_c_raises_a_task_due_by_the_visit_and_the_patient_is_told(services, phone,
                                                                  clock) -> None:
    reminded(services, clock)
    assert phone.text("C") == ["Thank you for letting us know. Someone from our team will "
                               "contact you to find another time. For help call +12015550100."]
    assert open_tasks(services) == [("routine", "Patient can't make the follow-up visit", "C",
                                     datetime(2026, 11, 27, 15, 0))]


def test_cant_make_it_in_words_or_spanish_raises_the_same_task(services, phone,
                                                              clock) -> None:
    reminded(services, clock)
    phone.text("sorry I have to work, need to reschedule")
    clock.advance(minutes=5)
    phone.text("no puedo ir")
    [(severity, summary, last, _)] = open_tasks(services)
    assert (severity, summary, last) == ("routine", "Patient can't make the follow-up visit",
                                         "no puedo ir")


def test_a_confirmation_is_thanked_and_anything_else_is_passed_on(services, phone,
                                                                 clock) -> None:
    reminded(services, clock)
    assert phone.text("Yes I'll be there, thanks") == [
        "Thank you. We hope your visit goes well. For help call +12015550100."]
    assert open_tasks(services) == []
    assert phone.text("can I bring my daughter with me?")[0].startswith(
        "Thank you. We have passed your message to your care team.")
    assert [t[1:3] for t in open_tasks(services)] == [
        ("Reply to the follow-up visit reminder: please read it",
         "can I bring my daughter with me?")]


def test_the_safety_net_comes_first(services, phone, clock) -> None:
    reminded(services, clock)
    assert "911" in phone.text("I can't make it, I have crushing chest pain")[0]
    with services.sessions() as session:
        reasons = set(session.scalars(select(Alert.reason)))
    assert "chest_pain" in reasons


def test_a_reply_days_later_is_not_read_as_an_answer_to_the_reminder(services, phone,
                                                                     clock) -> None:
    reminded(services, clock)
    clock.advance(days=2)
    assert phone.text("C")[0].startswith("Thanks for your message. This check-in has ended.")
    assert open_tasks(services) == []
