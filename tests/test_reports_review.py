"""The report's figures where real conversations, feeds and carriers make them: each test
drives the product's own paths (the SMS webhook, the expiry and cancellation of check-ins, the
ADT feed, the dispatcher) and checks the figure a programme lead or analyst would read."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from assistant.intake.adt import receive_adt
from assistant.intake.flow_choice import FlowTable
from assistant.intake.readmissions import stop_follow_up
from assistant.outreach.dispatch import dispatch_due
from assistant.outreach.expiry import expire_quiet_conversations
from assistant.records.db import transaction
from assistant.records.interfaces import Readmission
from assistant.records.models import Appointment, CheckIn, Conversation, Message
from assistant.reporting.engagement import FlowFunnel, QuestionStep
from assistant.reporting.figures import Share
from assistant.reporting.report import Report, build_report
from assistant.reporting.scope import ReportScope
from assistant.services import Services
from tests.conftest import START, make_services
from tests.helpers import DOB_REPLY, enroll_patient, make_first_checkin_due, start_checkin
from tests.support.report_rows import Rows
from tests.test_readmissions import discharge, message, readmissions, stay


@pytest.fixture
def services(database_url, settings, network, clock):  # type: ignore[no-untyped-def]
    """On both databases, as the report's own tests."""
    built = make_services(settings.with_overrides(database_url=database_url), network, clock)
    yield built
    built.close()


@pytest.fixture
def send(services):  # type: ignore[no-untyped-def]
    """Receive one ADT message as the listener does; returns (ACK code, its text)."""
    table = FlowTable.load()

    def receive(text: str) -> tuple[str, str]:
        outcome, _ = receive_adt(services, text, table)
        return outcome.ack_code, outcome.detail

    return receive


def report_now(services: Services, start: date = date(2026, 11, 1),
               end: date = date(2026, 11, 30), now: datetime | None = None) -> Report:
    with services.sessions() as session:
        return build_report(session, ReportScope(start, end), flows=services.flows,
                            settings=services.settings, now=now or services.clock(),
                            wording=services.dialogue.wording)


def step(report: Report, flow: str, question: str) -> QuestionStep:
    funnel: FlowFunnel = next(f for f in report.engagement.funnels if f.flow == flow)
    return next(s for s in funnel.steps if s.question_id == question)


def inbound(services: Services) -> list[tuple[str, str | None, bool | None]]:
    with services.sessions() as session:
        return [(m.body, m.question_id, m.unclear) for m in session.scalars(
            select(Message).where(Message.direction == "in").order_by(Message.id))]


# -- unclear replies, in a real conversation ----------------------------------------------------

def test_a_date_of_birth_that_cannot_be_read_is_an_unclear_reply(services, phone) -> None:
    """The identity question counts its failures apart from the clarifications; a reply that
    is not a date is still a reply we could not read, and the question was asked again."""
    start_checkin(services)
    assert "could not read that as a date" in phone.text("hmm")[0]
    phone.text(DOB_REPLY)
    assert inbound(services) == [("hmm", "identity_dob", True),
                                 (DOB_REPLY, "identity_dob", False)]
    identity = step(report_now(services), "general", "identity_dob")
    assert identity.unclear_share == Share(1, 2)


def test_the_last_unreadable_reply_before_moving_on_is_unclear_too(services, phone) -> None:
    """After two clarifications the question is given up on (a nurse looks at it): that third
    reply could not be read either, though nobody asked again."""
    start_checkin(services)
    phone.text(DOB_REPLY)
    phone.text("purple")
    phone.text("hmm")
    assert "nurse" in phone.text("banana")[0]
    phone.text("no")
    assert inbound(services)[1:] == [("purple", "feeling", True), ("hmm", "feeling", True),
                                     ("banana", "feeling", True), ("no", "chest_pain", False)]
    assert step(report_now(services), "general", "feeling").unclear_share == Share(3, 3)


# -- where check-ins stopped ----------------------------------------------------------------------

def test_an_expired_or_opted_out_check_in_stopped_at_its_waiting_question(services, phone,
                                                                         clock) -> None:
    start_checkin(services)
    phone.text(DOB_REPLY)
    clock.advance(hours=services.settings.conversation_timeout_hours + 1)
    assert expire_quiet_conversations(services)
    feeling = step(report_now(services), "general", "feeling")
    assert (feeling.answered, feeling.stopped) == (0, 1)


def test_a_check_in_cancelled_by_a_readmission_is_not_a_drop_out(services, phone,
                                                                  clock) -> None:
    """The patient went back into hospital mid-conversation: they did not stop answering, and
    the funnel must not blame the question that was waiting."""
    start_checkin(services)
    phone.text(DOB_REPLY)
    with transaction(services.sessions) as session:
        conversation = session.scalars(select(Conversation)).one()
        stop_follow_up(session, services.dialogue, conversation.patient_id, clock(),
                       told_by="A01 from the hospital", raw="ADT A01")
    report = report_now(services)
    feeling = next((s for f in report.engagement.funnels for s in f.steps
                    if s.question_id == "feeling"), None)
    assert feeling is None or feeling.stopped == 0


# -- SMS segments: what the carrier bills ---------------------------------------------------------

def test_texts_the_carrier_refused_are_not_counted_as_sent(services, network) -> None:
    """A landline or a bad number: the carrier refuses the first text and the second is never
    tried. Neither was sent or billed."""
    make_first_checkin_due(services, enroll_patient(services))
    network.fail_with = (400, 21614, "'To' number is not a valid mobile number")
    dispatch_due(services, "w1")
    with services.sessions() as session:
        statuses = session.scalars(select(Message.status).where(
            Message.direction == "out")).all()
    assert statuses and set(statuses) == {"failed"}
    engagement = report_now(services).engagement
    assert (engagement.sms_messages, engagement.sms_segments) == (0, 0)


def test_a_visit_reminder_is_billed_to_the_discharge_it_follows(services) -> None:
    """Texts outside a check-in (the visit reminder, a reply between check-ins) cost the same:
    each counts for the patient's latest discharge before it was sent."""
    with transaction(services.sessions) as session:
        rows = Rows(services, session)
        episode = rows.discharge("general", "en", datetime(2026, 11, 10, 15))
        earlier = rows.discharge("general", "en", datetime(2026, 10, 1, 15))
        earlier.patient_id = episode.patient_id  # the same patient, an earlier stay
        session.add(Appointment(episode=episode, starts_at=datetime(2026, 11, 20, 15),
                                description="Follow-up visit"))
        for at, body in ((datetime(2026, 11, 19, 15), "Reminder: your visit is tomorrow"),
                         (datetime(2026, 10, 5, 15), "Between the two stays")):
            session.add(Message(patient_id=episode.patient_id, direction="out", channel="sms",
                                body=body, status="delivered", created_at=at))
    november = report_now(services).engagement
    assert (november.sms_messages, november.sms_segments) == (1, 1)
    october = report_now(services, date(2026, 10, 1), date(2026, 10, 31)).engagement
    assert (october.sms_messages, october.sms_segments) == (1, 1)


# -- weeks ----------------------------------------------------------------------------------------

def test_weeks_are_the_team_s_weeks_not_utc_ones(services) -> None:
    """Sunday 8 November, 21:00 in New York is Monday 02:00 UTC: it is the week of Monday
    2 November on the team's calendar, and a period ending that Sunday has no later week."""
    with transaction(services.sessions) as session:
        Rows(services, session).discharge("general", "en", datetime(2026, 11, 9, 2))
    report = report_now(services, date(2026, 11, 2), date(2026, 11, 8))
    assert report.discharges == 1
    assert [(w.starts, w.discharges) for w in report.weeks] == [(date(2026, 11, 2), 1)]


def test_weeks_follow_the_team_s_clock_across_a_dst_change(services) -> None:
    """New York goes back an hour on Sunday 1 November 2026 (06:00 UTC)."""
    with transaction(services.sessions) as session:
        rows = Rows(services, session)
        for moment in (datetime(2026, 10, 26, 1),  # Sunday 25 Oct, 21:00 EDT
                       datetime(2026, 11, 2, 4, 30),  # Sunday 1 Nov, 23:30 EST
                       datetime(2026, 11, 2, 5, 30)):  # Monday 2 Nov, 00:30 EST
            rows.discharge("general", "en", moment)
    report = report_now(services, date(2026, 10, 1), date(2026, 11, 30))
    counts = {w.starts: w.discharges for w in report.weeks}
    assert (counts[date(2026, 10, 19)], counts[date(2026, 10, 26)],
            counts[date(2026, 11, 2)]) == (1, 1, 1)
    assert sum(counts.values()) == 3 and min(counts) == date(2026, 9, 28)


# -- the cohort -----------------------------------------------------------------------------------

def test_a_discharge_the_hospital_cancelled_is_not_a_discharge(services, send) -> None:
    """ADT A13 (cancel discharge): the patient never went home. Counting the stay would add a
    discharge never reached and a TCM contact missed."""
    discharge(send, "C1", "V1", days_ago=3)
    code, _ = send(message("A13", "C2", "V1"))
    assert code == "AA"
    report = report_now(services, now=START + timedelta(days=10))
    assert report.discharges == 0
    assert (report.reach.never.count, report.speed.tcm_missed) == (0, 0)


# -- readmissions ---------------------------------------------------------------------------------

def test_the_admission_of_the_stay_we_follow_is_not_its_readmission(services, send) -> None:
    """An A01 for the visit we were sent the discharge of (replayed by the interface engine,
    no PV1-44) is that stay's own admission: not a readmission after it, and no reason to
    stop its follow-up."""
    discharge(send, "C1", "V1", days_ago=3)
    own = stay(services, "V1")
    code, text = send(message("A01", "C2", "V1"))
    assert code == "AA"
    assert not [r for r in readmissions(services) if r.index_episode_id == own.id], text
    with services.sessions() as session:
        assert session.scalars(select(CheckIn.status).where(
            CheckIn.episode_id == own.id)).all().count("scheduled") > 0


def test_days_after_discharge_are_calendar_days_on_the_patient_s_clock(services, send,
                                                                       clock) -> None:
    """Hospitals (and CMS) count a readmission's day from the discharge date: discharged on
    2 October at 15:00 and admitted on 1 November at 10:00 (after the clocks went back) is
    day 30, within 30 days; admitted on 2 November at 10:00 is day 31, not within, though
    fewer than 31 times 24 hours have passed."""
    clock.now = datetime(2026, 10, 3, 15)
    code, text = send(message("A03", "C1", "V1", discharged=datetime(2026, 10, 2, 19),
                              sent=clock.now))  # 15:00 EDT
    assert code == "AA", text
    clock.now = datetime(2026, 11, 3, 15)
    send(message("A01", "C2", "V2", admitted=datetime(2026, 11, 2, 15), sent=clock.now))
    [row] = readmissions(services)
    assert row.days_after_discharge == 31
    with transaction(services.sessions) as session:
        session.delete(session.get_one(Readmission, row.id))
    send(message("A01", "C3", "V3", admitted=datetime(2026, 11, 1, 15), sent=clock.now))
    [row] = readmissions(services)
    assert row.days_after_discharge == 30


def test_a_corrected_discharge_time_recounts_the_days_to_its_readmission(services,
                                                                          send) -> None:
    """The hospital sends the discharge again with the right time (a day later): the
    readmission after it is a day sooner after it, in the report as in the row."""
    discharge(send, "C1", "V1", days_ago=10)  # 14 November
    send(message("A01", "C2", "V2", admitted=START - timedelta(hours=30)))  # 23 November
    assert [r.days_after_discharge for r in readmissions(services)] == [9]
    code, text = send(message("A03", "C3", "V1", discharged=START - timedelta(days=9)))
    assert code == "AA" and "discharge time" in text
    assert [r.days_after_discharge for r in readmissions(services)] == [8]


# -- reach ----------------------------------------------------------------------------------------

AUTO_REPLY = ("I'm driving with Do Not Disturb While Driving turned on. I'll see your message "
              "when I get where I'm going.")


def test_an_automatic_reply_handed_to_a_nurse_is_not_the_patient_reached(services,
                                                                         phone) -> None:
    """A phone that answers every text by itself fails the date of birth twice, and the
    check-in goes to a nurse (handed over): nobody was reached. A person who typed a wrong
    date twice was."""
    checkin_id = start_checkin(services)
    phone.text(AUTO_REPLY)
    assert "could not confirm" in phone.text(AUTO_REPLY)[0]
    with services.sessions() as session:
        assert session.get_one(CheckIn, checkin_id).status == "handed_over"
    assert report_now(services).reach.reached == Share(0, 1)


def test_a_person_who_typed_a_wrong_date_twice_was_reached(services, phone) -> None:
    start_checkin(services)
    phone.text("01/01/1960")
    assert "could not confirm" in phone.text("02/02/1961")[0]
    assert report_now(services).reach.reached == Share(1, 1)
