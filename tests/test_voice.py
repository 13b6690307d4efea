"""Check-ins by phone: whole calls driven through the signed voice webhooks."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime

import pytest
from sqlalchemy import select

from assistant.outreach.dispatch import dispatch_due
from assistant.outreach.reconcile import reconcile
from assistant.records.db import transaction
from assistant.records.models import Answer, CheckIn, ContactAttempt, Message
from carecall.simulator import Said, SimulatedCaller, SimulatedPhone
from carecall.web import create_app
from tests.conftest import (
    AUTH_TOKEN,
    PATIENT_PHONE,
    PUBLIC_BASE_URL,
    SERVICE_NUMBER,
    make_services,
    poster_for,
)
from tests.helpers import alerts, checkin_status, enroll_patient, make_first_checkin_due

NURSE_LINE = "+12015550100"
# Verbs and attributes Twilio documents for what we use.
DOCUMENTED = {
    "Response": set(),
    "Say": {"voice", "language", "loop"},
    "Gather": {"input", "action", "method", "timeout", "speechTimeout", "language", "hints",
               "actionOnEmptyResult", "finishOnKey", "numDigits", "speechModel",
               "profanityFilter", "partialResultCallback", "enhanced"},
    "Dial": {"action", "method", "timeout", "callerId", "record", "timeLimit"},
    "Hangup": set(),
    "Redirect": {"method"},
}


def voice_checkin(services, fallback: str | None = "sms") -> int:  # type: ignore[no-untyped-def]
    """The first check-in by phone, due now; the later ones out of the way."""
    checkin_id = make_first_checkin_due(services, enroll_patient(services))
    with transaction(services.sessions) as session:
        checkin = session.get_one(CheckIn, checkin_id)
        checkin.channel, checkin.fallback_channel = "voice", fallback
        for later in checkin.episode.checkins:
            if later.id != checkin_id:
                later.status = "cancelled"
    return checkin_id


SAY_NO = Said("no")


def listener(answers: dict[str, Said | None], default: Said | None = SAY_NO):  # type: ignore[no-untyped-def]
    """Answer each question by a phrase it contains; the rest get `default`."""
    def listen(heard: list[str]) -> Said | None:
        question = heard[-1].lower()
        for phrase, said in answers.items():
            if phrase.lower() in question:
                return said
        return default

    return listen


def assert_documented(twiml: str) -> None:
    for element in ET.fromstring(twiml).iter():
        assert element.tag in DOCUMENTED, element.tag
        assert set(element.attrib) <= DOCUMENTED[element.tag], (element.tag, element.attrib)


def all_twiml(services) -> list[str]:  # type: ignore[no-untyped-def]
    with services.sessions() as session:
        return list(session.scalars(select(Message.twiml).where(Message.twiml.is_not(None))))


@pytest.fixture
def caller(phone) -> SimulatedCaller:  # type: ignore[no-untyped-def]
    return SimulatedCaller(phone)


def test_a_whole_check_in_by_speech(services, network, caller) -> None:
    checkin_id = voice_checkin(services)
    assert dispatch_due(services, "w1").sent == [checkin_id]
    (call,) = network.calls
    log = caller.answer(call, listener({
        "date of birth": Said("March fourteenth nineteen fifty"),
        "better, the same, or worse": Said("a little better"),
        "keep down": Said("yes I can"),
        "follow-up visit": Said("yes"), "way to get": Said("yes"),
        "little interest": Said("not at all"), "felt down": Said("never"),
    }))
    assert log.hung_up and log.heard[0].startswith("Hello, this is an automated call")
    assert log.heard[-1].startswith("Thank you, that's all for today")
    assert checkin_status(services, checkin_id) == "completed"
    assert alerts(services) == []
    with services.sessions() as session:
        stored = dict(session.execute(select(Answer.question_id, Answer.value)).all())
    assert stored["feeling"] == "better" and stored["keep_down"] is True
    for twiml in all_twiml(services):
        assert_documented(twiml)


def test_keypad_answers(services, network, caller) -> None:
    voice_checkin(services)
    dispatch_due(services, "w1")
    caller.answer(network.calls[0], listener({
        "date of birth": Said(digits="03141950"), "better, the same, or worse": Said(digits="3"),
        "chest pain": Said(digits="2"), "follow-up": Said(digits="1"),
        "way to get": Said(digits="1"), "little interest": Said(digits="1"),
        "felt down": Said(digits="2"),
    }, default=Said(digits="2")))
    with services.sessions() as session:
        stored = dict(session.execute(select(Answer.question_id, Answer.value)).all())
    assert stored["feeling"] == "worse" and stored["chest_pain"] is False
    assert (stored["mood"], stored["mood_down"]) == (0, 1)
    assert alerts(services) == [("urgent", "feeling_worse"), ("urgent", "cannot_keep_down")]


def test_silence_is_asked_again_then_moved_past(services, network, caller) -> None:
    voice_checkin(services)
    dispatch_due(services, "w1")
    def listen(heard: list[str]) -> Said | None:
        question = heard[-1].lower()
        if "date of birth" in question:
            return Said("March 14 1950")
        if "better, the same, or worse" in question:
            return Said("the same")
        at_chest_pain = not any("short of breath" in text for text in heard)
        if at_chest_pain and ("chest pain" in question or "didn't understand" in question):
            return None  # nothing said
        return Said("not at all") if "how often" in question else Said("no")

    log = caller.answer(network.calls[0], listen)
    assert sum("didn't understand" in text for text in log.heard) == 2
    assert ("urgent", "chest_pain_unclear") in alerts(services)
    assert log.heard[-1].startswith("Thank you, that's all for today")


def test_an_emergency_mid_call_says_hang_up_and_call_911(services, network, caller) -> None:
    checkin_id = voice_checkin(services)
    dispatch_due(services, "w1")
    log = caller.answer(network.calls[0], listener({
        "date of birth": Said("03/14/1950"), "better": Said("worse, my chest hurts")}))
    assert log.hung_up and log.heard[-1].startswith("Please hang up and call 911 now")
    assert ("emergency", "chest_pain") in alerts(services)
    assert checkin_status(services, checkin_id) == "handed_over"


def test_pressing_0_puts_the_patient_through_to_a_nurse_in_office_hours(services, network,
                                                                      caller) -> None:
    voice_checkin(services)
    dispatch_due(services, "w1")
    log = caller.answer(network.calls[0], listener({
        "date of birth": Said("03/14/1950"), "better": Said(digits="0")}))
    assert log.transferred_to == NURSE_LINE
    assert ("urgent", "asked_for_person") in alerts(services)


def test_asking_for_a_nurse_after_hours_promises_a_call_instead(services, network, caller,
                                                                clock) -> None:
    checkin_id = voice_checkin(services)
    clock.now = datetime(2026, 11, 24, 23, 30)  # 18:30 in New York: the office is closed
    with transaction(services.sessions) as session:
        session.get_one(CheckIn, checkin_id).due_at = clock.now
    dispatch_due(services, "w1")
    log = caller.answer(network.calls[0], listener({
        "date of birth": Said("03/14/1950"), "better": Said("can I talk to a nurse")}))
    assert log.transferred_to is None and log.hung_up
    # Nobody is on call before tomorrow morning: the request waits for the next business
    # day's queue (no page at night), and the patient hears exactly that.
    assert "not available right now" in log.heard[-1]
    assert "will call you tomorrow" in log.heard[-1]
    assert ("routine", "asked_for_person") in alerts(services)


def test_pressing_0_for_a_nurse_is_quoted_as_the_key_not_as_words(services, network,
                                                                 caller, clock) -> None:
    """The nurse reads what the patient did ("pressed 0"), and the promise of a call is the
    one the on-call roster keeps, the same in the turn and after the line has closed."""
    from assistant.care_team.roster import add_user
    from assistant.records.models import Alert

    with transaction(services.sessions) as session:
        add_user(session, services.settings, username="nina", name="Nina", role="coordinator",
                 phone="+12015550160", email=None, on_call="Mon-Fri 08:00-20:00", now=clock.now,
                 actor="test")
    checkin_id = voice_checkin(services)
    clock.now = datetime(2026, 11, 24, 23, 30)  # 18:30 in New York: the line is closed,
    with transaction(services.sessions) as session:  # the on-call nurse is not
        session.get_one(CheckIn, checkin_id).due_at = clock.now
    dispatch_due(services, "w1")
    log = caller.answer(network.calls[0], listener({
        "date of birth": Said("03/14/1950"), "better": Said("", digits="0")}))
    assert "will call you today" in log.heard[-1]
    with services.sessions() as session:
        alert = session.scalars(select(Alert).where(Alert.reason == "asked_for_person")).one()
        assert alert.severity == "urgent"
        assert alert.evidence[-1]["raw"] == "pressed 0"


def test_a_machine_gets_a_message_without_health_information(services, network,
                                                            caller) -> None:
    checkin_id = voice_checkin(services)
    dispatch_due(services, "w1")
    log = caller.answer(network.calls[0], listener({}), answered_by="machine_end_beep")
    (message,) = log.heard
    assert "+12015550100" in message and "Riverside Hospital" in message
    for word in ("hospital stay", "chest", "medicine", "heart", "date of birth"):
        assert word not in message
    assert checkin_status(services, checkin_id) == "scheduled"  # to be called again
    with services.sessions() as session:
        assert session.scalars(select(ContactAttempt.outcome)).all() == ["voicemail"]


def test_busy_then_retry_then_fallback_to_sms(services, network, caller, clock) -> None:
    checkin_id = voice_checkin(services)
    for attempt in range(3):
        assert dispatch_due(services, "w1").sent == [checkin_id], attempt
        caller.report_status(network.calls[-1], "busy" if attempt != 1 else "no-answer")
        with services.sessions() as session:
            due = session.get_one(CheckIn, checkin_id).due_at
        clock.now = max(clock.now, due)
        dispatch_due(services, "w1")  # held back by the daily contact limit...
        clock.advance(days=1)  # ...until the next day
        with transaction(services.sessions) as session:
            checkin = session.get_one(CheckIn, checkin_id)
            checkin.due_at = min(checkin.due_at, clock.now)
    with services.sessions() as session:
        checkin = session.get_one(CheckIn, checkin_id)
        assert (checkin.channel, checkin.status) == ("sms", "scheduled")
        outcomes = session.scalars(select(ContactAttempt.outcome)).all()
    assert outcomes == ["busy", "no-answer", "busy"]
    assert len(network.calls) == 3
    # Three calls used the week's three contacts: the text waits for the window to free.
    assert dispatch_due(services, "w1").deferred == [checkin_id]
    with services.sessions() as session:
        clock.now = session.get_one(CheckIn, checkin_id).due_at
    assert clock.now == datetime(2026, 12, 1, 15, 0)  # a week after the first call
    assert dispatch_due(services, "w1").sent == [checkin_id]
    assert network.outbox[0].body.startswith("Hi Alex")  # the check-in goes on by text


def test_no_answer_without_fallback_ends_unreachable_with_an_alert(settings, network,
                                                                  clock) -> None:
    services = make_services(settings.with_overrides(max_call_attempts=1), network, clock)
    caller = SimulatedCaller(SimulatedPhone(PATIENT_PHONE, SERVICE_NUMBER, AUTH_TOKEN,
                                            PUBLIC_BASE_URL,
                                            poster_for(create_app(services).test_client())))
    checkin_id = voice_checkin(services, fallback=None)
    dispatch_due(services, "w1")
    caller.report_status(network.calls[0], "no-answer")
    assert checkin_status(services, checkin_id) == "unreachable"
    assert alerts(services) == [("routine", "unreachable")]
    services.close()


def test_a_patient_calling_back_resumes_the_check_in(services, network, caller) -> None:
    checkin_id = voice_checkin(services)
    dispatch_due(services, "w1")

    def hang_up_at_chest_pain(heard: list[str]) -> Said | None:
        question = heard[-1].lower()
        if "chest pain" in question:
            raise HungUp
        return Said("03/14/1950") if "date of birth" in question else Said("better")

    class HungUp(Exception):
        pass

    with pytest.raises(HungUp):
        caller.answer(network.calls[0], hang_up_at_chest_pain)
    log = caller.call_in(listener({"chest pain": Said("no"), "follow-up": Said("yes"),
                                   "way to get": Said("yes"), "keep down": Said("yes"),
                                   "little interest": Said("0"), "felt down": Said("0")}))
    assert log.heard[0].startswith("Hello Alex, this is Riverside Hospital. Let's continue")
    assert "chest pain" in log.heard[1]
    assert checkin_status(services, checkin_id) == "completed"


def Say_yes() -> Said:
    return Said("yes")


def test_an_unknown_caller_is_greeted_and_offered_the_care_team(caller) -> None:
    caller.phone.number = "+12125550111"
    log = caller.call_in(listener({}))
    assert "check-in line of Riverside Hospital" in log.heard[0]
    assert log.transferred_to == NURSE_LINE


def test_a_repeated_gather_request_gets_the_same_twiml_and_counts_once(services, network,
                                                                       phone) -> None:
    voice_checkin(services)
    dispatch_due(services, "w1")
    call = network.calls[0]
    caller = SimulatedCaller(phone)
    first = caller._post(call.url, caller._params(call.sid, AnsweredBy="human"))
    action = ET.fromstring(first).find("Gather").get("action")
    params = caller._params(call.sid, SpeechResult="March 14 1950", Confidence="0.9")
    assert caller._post(action, params) == caller._post(action, params)
    with services.sessions() as session:
        assert session.scalars(select(Answer.question_id)).all() == ["identity_dob"]


def test_an_unsigned_voice_request_is_refused(client) -> None:
    response = client.post("https://carecall.example.org/twilio/voice/answer?checkin=1",
                           data={"CallSid": "CA" + "0" * 32})
    assert response.status_code == 403


def heart_failure_voice_checkin(services, language: str = "en") -> int:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from assistant.intake.enrollment import enroll, validate_discharge

    now = services.clock()
    discharge = validate_discharge(
        services.settings, services.flows, now=now, name="Alex Rivera", dob="1950-03-14",
        phone=PATIENT_PHONE, flow="heart_failure", lang=language,
        discharged=(now - timedelta(days=2)).isoformat() + "+00:00", baseline={"weight": 180})
    with transaction(services.sessions) as session:
        episode = enroll(session, services, discharge, now)
        first = episode.checkins[0]
        first.due_at, first.channel = now, "voice"
        for later in episode.checkins[1:]:
            later.status = "cancelled"
        return first.id


def test_a_weight_is_read_back_before_it_counts(services, network, caller) -> None:
    heart_failure_voice_checkin(services)
    dispatch_due(services, "w1")
    log = caller.answer(network.calls[0], listener({
        "date of birth": Said("March 14, 1950"), "better": Said("the same"),
        "weigh": Said("one hundred eighty four"), "is that right": Said("yes"),
        "follow-up": Said("yes"), "way to get": Said("yes")}))
    assert "I heard 184 pounds. Is that right? Say yes or press 1. Say no or press 2." in log.heard
    assert alerts(services) == [("urgent", "weight_gain")]
    with services.sessions() as session:
        weight = session.scalar(select(Answer).where(Answer.question_id == "weight"))
    assert (weight.value, weight.raw) == (184, "one hundred eighty four")


def test_a_wrong_read_back_asks_the_question_again(services, network, caller) -> None:
    heart_failure_voice_checkin(services)
    dispatch_due(services, "w1")
    weights = iter([Said("one hundred eighty"), Said("181")])
    confirmations = iter([Said("no"), Said("yes")])

    def listen(heard: list[str]) -> Said | None:
        question = heard[-1].lower()
        if "date of birth" in question:
            return Said("March 14, 1950")
        if "weigh" in question:
            return next(weights)
        if "is that right" in question:
            return next(confirmations)
        return Said("yes") if "follow-up" in question or "way to get" in question else (
            Said("the same") if "better" in question else Said("no"))

    log = caller.answer(network.calls[0], listen)
    assert sum(text.startswith("What did you weigh") for text in log.heard) >= 2
    with services.sessions() as session:
        assert session.scalar(select(Answer.value).where(Answer.question_id == "weight")) == 181
    assert alerts(services) == []


def test_a_doubtful_yes_is_read_back(services, network, caller) -> None:
    voice_checkin(services)
    dispatch_due(services, "w1")
    log = caller.answer(network.calls[0], listener({
        "date of birth": Said("March 14, 1950"), "better": Said("same"),
        "chest pain": Said("yes", confidence=0.3), "is that right": Said("no"),
    }, default=Said("no")))
    assert "I heard yes. Is that right? Say yes or press 1. Say no or press 2." in log.heard
    assert ("emergency", "chest_pain") not in alerts(services)


def test_a_spanish_call_speaks_and_listens_in_spanish(services, network, caller) -> None:
    heart_failure_voice_checkin(services, language="es")
    dispatch_due(services, "w1")
    log = caller.answer(network.calls[0], listener({
        "fecha de nacimiento": Said("14 de marzo de 1950"), "mejor": Said("igual"),
        "pecho": Said("sí, me duele el pecho")}))
    assert log.heard[0].startswith("Hola, le llama un sistema automático")
    assert log.heard[-1].startswith("Cuelgue y llame al 911 ahora")
    (twiml, *_) = all_twiml(services)
    assert 'language="es-US"' in twiml and "Polly.Lupe" in twiml


@pytest.fixture(autouse=True)
def every_twiml_is_documented(services):  # type: ignore[no-untyped-def]
    yield
    for twiml in all_twiml(services):
        assert_documented(twiml)


def test_a_call_whose_create_answer_was_lost_is_found_not_placed_again(services, network,
                                                                       clock) -> None:
    checkin_id = voice_checkin(services)

    def answer_lost(_call) -> None:  # type: ignore[no-untyped-def]
        raise ConnectionResetError("connection reset after Twilio created the call")

    network.call_listeners.append(answer_lost)
    assert dispatch_due(services, "w1").failed == [checkin_id]
    network.call_listeners.clear()
    assert checkin_status(services, checkin_id) == "claimed"  # it may have gone out
    clock.advance(minutes=6)
    report = reconcile(services)
    assert report.finished == [checkin_id] and report.requeued == []
    assert len(network.calls) == 1  # found at Twilio, not placed a second time
    assert checkin_status(services, checkin_id) == "sent"
    with services.sessions() as session:
        attempt = session.scalars(select(ContactAttempt)).one()
    assert (attempt.outcome, attempt.detail) == ("placed", network.calls[0].sid)


def test_a_call_that_never_reached_twilio_is_placed_after_the_lease(services, network,
                                                                    clock,
                                                                    monkeypatch) -> None:
    checkin_id = voice_checkin(services)
    real_ring = network.ring

    def unreachable(_call) -> None:  # type: ignore[no-untyped-def]
        raise ConnectionRefusedError("Twilio could not be reached")

    monkeypatch.setattr(network, "ring", unreachable)
    assert dispatch_due(services, "w1").failed == [checkin_id]
    monkeypatch.setattr(network, "ring", real_ring)
    assert network.calls == [] and checkin_status(services, checkin_id) == "claimed"
    clock.advance(minutes=6)
    assert reconcile(services).requeued == [checkin_id]
    assert dispatch_due(services, "w2").sent == [checkin_id]
    assert len(network.calls) == 1
    with services.sessions() as session:
        outcomes = session.scalars(select(ContactAttempt.outcome)
                                   .order_by(ContactAttempt.id)).all()
    assert outcomes == ["retry", "placed"]  # the lost attempt does not count as a contact
