"""A whole check-in through the signed `/twilio/sms` webhook, as Twilio would drive it."""

from __future__ import annotations

from sqlalchemy import func, select

from assistant.records.models import Answer, Message
from carecall.simulator import SimulatedNetwork, SimulatedPhone, twiml_messages
from tests.conftest import PATIENT_PHONE, PUBLIC_BASE_URL
from tests.helpers import DOB_REPLY, alerts, checkin_status, start_checkin

HAPPY_REPLIES = [
    (DOB_REPLY, "feel BETTER"),
    ("better", "chest pain"),
    ("no", "short of breath"),
    ("nope", "fever"),
    ("no", "keep down"),
    ("yes", "side effects"),
    ("no", "follow-up visit"),
    ("yes", "way to get"),
    ("yes", "little interest"),
    ("not at all", "felt down"),
    ("1", "nurse to call"),
    ("no", "that's all"),
]


def test_first_message_names_provider_and_how_to_stop_without_health_details(
        services, network: SimulatedNetwork) -> None:
    start_checkin(services)
    greeting, identity = network.to(PATIENT_PHONE)
    assert "Riverside Hospital" in greeting and "STOP" in greeting
    assert "+12015550100" in greeting
    assert "date of birth" in identity
    for text in (greeting, identity):
        assert not any(word in text.lower() for word in ("chest", "medicine", "fever"))


def test_a_whole_checkin_completes_with_every_answer_stored(services, phone) -> None:
    checkin_id = start_checkin(services)
    for reply, expected in HAPPY_REPLIES:
        answer = phone.text(reply)
        assert any(expected in text for text in answer), (reply, answer)
    assert checkin_status(services, checkin_id) == "completed"
    assert alerts(services) == []
    with services.sessions() as session:
        stored = dict(session.execute(select(Answer.question_id, Answer.value)).all())
    assert stored["feeling"] == "better"
    assert stored["chest_pain"] is False
    assert stored["keep_down"] is True
    assert (stored["mood"], stored["mood_down"]) == (0, 1)
    assert "meds_picked_up" not in stored  # no new medicines: nothing to pick up


def test_chest_pain_tells_the_patient_to_call_911_first_and_raises_an_emergency(
        services, phone) -> None:
    checkin_id = start_checkin(services)
    phone.text(DOB_REPLY)
    phone.text("same")
    answer = phone.text("Yes")
    assert answer[0].startswith("Please call 911 now")
    assert len(answer) == 1
    assert alerts(services) == [("emergency", "chest_pain")]
    assert checkin_status(services, checkin_id) == "handed_over"


def test_urgent_answer_says_a_nurse_will_call_then_goes_on(services, phone) -> None:
    start_checkin(services)
    phone.text(DOB_REPLY)
    answer = phone.text("worse")
    assert "nurse" in answer[0] and "today" in answer[0]
    assert "chest pain" in answer[1]
    assert alerts(services) == [("urgent", "feeling_worse")]


def test_garbled_reply_is_asked_again_then_handed_to_a_person(services, phone) -> None:
    start_checkin(services)
    phone.text(DOB_REPLY)
    phone.text("better")
    assert phone.text("purple") == ["Sorry, I didn't understand. Please reply YES or NO."]
    assert "YES or NO" in phone.text("hmm")[0]
    after = phone.text("banana")
    assert "nurse" in after[0]
    assert ("urgent", "chest_pain_unclear") in alerts(services)


def test_a_reading_the_patient_cannot_take_offers_skip_again(services, phone) -> None:
    start_checkin(services)
    for reply in (DOB_REPLY, "same", "no", "no"):
        phone.text(reply)
    assert "temperature" in phone.text("yes")[-1]
    assert phone.text("no") == ["Sorry, I didn't understand. Please reply with a number, "
                                "like 99.5. If you can't check it, reply SKIP."]
    assert "keep down food" in phone.text("skip")[-1]


def test_wrong_date_of_birth_twice_hands_over_without_health_questions(
        services, phone) -> None:
    checkin_id = start_checkin(services)
    assert "doesn't match" in phone.text("01/01/1960")[0]
    answer = phone.text("02/02/1961")
    assert "could not confirm" in answer[0]
    assert checkin_status(services, checkin_id) == "handed_over"
    assert alerts(services) == [("urgent", "identity_not_confirmed")]


def test_the_same_message_sid_delivered_twice_is_answered_the_same_and_processed_once(
        services, phone: SimulatedPhone) -> None:
    start_checkin(services)
    first = phone.text(DOB_REPLY, sid="SM" + "d" * 32)
    again = phone.text(DOB_REPLY, sid="SM" + "d" * 32)
    assert first == again
    with services.sessions() as session:
        inbound = session.scalar(select(func.count()).select_from(Message).where(
            Message.direction == "in"))
        answers = session.scalar(select(func.count()).select_from(Answer))
    assert (inbound, answers) == (1, 1)
    # The conversation moved on once: the next reply answers "feeling", not identity again.
    assert "chest pain" in phone.text("better")[0]


def test_a_wrong_or_missing_signature_is_refused_and_nothing_is_stored(
        services, client, phone: SimulatedPhone) -> None:
    start_checkin(services)
    params = phone.sms_params(DOB_REPLY)
    forged = client.post(PUBLIC_BASE_URL + "/twilio/sms", data=params,
                         headers={"X-Twilio-Signature": "bm90LWEtc2lnbmF0dXJl"})
    unsigned = client.post(PUBLIC_BASE_URL + "/twilio/sms", data=params)
    tampered_params = {**params, "Body": "yes"}
    tampered = client.post(PUBLIC_BASE_URL + "/twilio/sms", data=tampered_params,
                           headers=phone.signed("/twilio/sms", params))
    assert [forged.status_code, unsigned.status_code, tampered.status_code] == [403, 403, 403]
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Message).where(
            Message.direction == "in")) == 0


def test_a_signature_for_another_host_is_refused(services, client, phone) -> None:
    params = phone.sms_params("hello")
    elsewhere = SimulatedPhone(PATIENT_PHONE, "+12015550199", phone.auth_token,
                               "https://attacker.example.net", phone.post)
    response = client.post(PUBLIC_BASE_URL + "/twilio/sms", data=params,
                           headers=elsewhere.signed("/twilio/sms", params))
    assert response.status_code == 403


def test_an_unknown_sender_gets_a_polite_reply_with_the_callback_number(phone) -> None:
    answer = phone.text("hello?")
    assert "+12015550100" in answer[0] and "911" in answer[0]


def test_a_crash_inside_a_turn_keeps_the_message_and_answers_politely(
        services, phone, monkeypatch) -> None:
    start_checkin(services)

    def broken(*args, **kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(services.dialogue, "reply", broken)
    answer = phone.text("I feel awful")
    assert "we got your message" in answer[0]
    with services.sessions() as session:
        kept = session.scalar(select(Message).where(Message.direction == "in"))
    assert kept is not None and kept.body == "I feel awful" and kept.status == "error"


def test_a_signed_request_without_a_sid_is_a_clear_400_not_a_500(client, phone) -> None:
    params = {"From": PATIENT_PHONE, "Body": "hi"}
    response = client.post(PUBLIC_BASE_URL + "/twilio/sms", data=params,
                           headers=phone.signed("/twilio/sms", params))
    assert response.status_code == 400
    assert twiml_messages(response.get_data(as_text=True)) == []


def test_stop_opts_the_patient_out_and_cancels_what_is_pending(services, phone) -> None:
    checkin_id = start_checkin(services)
    answer = phone.text("STOP")
    assert "no more check-in messages" in answer[0]
    assert checkin_status(services, checkin_id) == "opted_out"
    assert alerts(services) == [("routine", "opted_out")]
    from assistant.records.models import CheckIn

    with services.sessions() as session:
        pending = session.scalars(select(CheckIn.status).where(CheckIn.id != checkin_id)).all()
    assert pending and set(pending) == {"cancelled"}


def test_status_callbacks_update_delivery_and_never_move_back(services, client, phone,
                                                               network) -> None:
    start_checkin(services)
    sid = network.outbox[0].sid
    for status in ("delivered", "sent"):
        params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": phone.account_sid}
        response = client.post(PUBLIC_BASE_URL + "/twilio/status", data=params,
                               headers=phone.signed("/twilio/status", params))
        assert response.status_code == 204
    with services.sessions() as session:
        assert session.scalar(select(Message.status).where(Message.provider_sid == sid)) == \
            "delivered"


def test_an_error_in_the_webhook_itself_still_answers_200_with_a_holding_reply(
        services, phone, monkeypatch) -> None:
    import webhooks.sms

    def broken(*args, **kwargs):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(webhooks.sms, "receive_sms", broken)
    answer = phone.text("hello")
    assert "we got your message" in answer[0] and "911" in answer[0]


def test_a_hedged_answer_is_read_back_for_confirmation(services, phone) -> None:
    start_checkin(services)
    phone.text(DOB_REPLY)
    phone.text("better")
    assert phone.text("I think so") == [
        "It sounds like YES. Is that right? Please reply YES or NO."]
    assert phone.text("yes")[0].startswith("Please call 911 now")
    assert alerts(services) == [("emergency", "chest_pain")]
