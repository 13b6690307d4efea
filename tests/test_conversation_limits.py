"""Conversations end: after a quiet period, and when a machine keeps replying."""

from __future__ import annotations

from sqlalchemy import select

from assistant.outreach.expiry import expire_quiet_conversations
from assistant.records.models import Message
from carecall.simulator import SimulatedPhone
from carecall.web import create_app
from carecall.worker import tick
from tests.conftest import (
    AUTH_TOKEN,
    PATIENT_PHONE,
    PUBLIC_BASE_URL,
    SERVICE_NUMBER,
    make_services,
    poster_for,
)
from tests.helpers import DOB_REPLY, alerts, checkin_status, start_checkin


def test_a_quiet_conversation_is_closed_with_a_short_message_after_24_hours(
        services, phone, network, clock) -> None:
    checkin_id = start_checkin(services)
    phone.text(DOB_REPLY)
    clock.advance(hours=23, minutes=59)
    assert expire_quiet_conversations(services) == []
    clock.advance(minutes=2)
    tick(services, "w1")
    assert checkin_status(services, checkin_id) == "expired"
    closing = network.to(PATIENT_PHONE)[-1]
    assert closing.startswith("We haven't heard back") and "911" in closing
    with services.sessions() as session:
        sent = session.scalars(select(Message.status).where(Message.body == closing)).all()
    assert sent == ["sent"]
    # A reply days later is not taken as an answer to the old question.
    assert "This check-in has ended" in phone.text("better")[0]


def test_a_conversation_never_answered_is_left_for_reminders(services, clock) -> None:
    checkin_id = start_checkin(services)
    clock.advance(hours=30)
    assert expire_quiet_conversations(services) == []
    assert checkin_status(services, checkin_id) == "sent"


def test_an_automatic_responder_is_stopped_by_the_reply_cap(settings, network, clock) -> None:
    services = make_services(settings.with_overrides(max_replies_per_conversation=12),
                             network, clock)
    phone = SimulatedPhone(PATIENT_PHONE, SERVICE_NUMBER, AUTH_TOKEN, PUBLIC_BASE_URL,
                           poster_for(create_app(services).test_client()))
    checkin_id = start_checkin(services)
    phone.text(DOB_REPLY)
    replies = [phone.text("I am away from my phone, I will reply later") for _ in range(15)]
    assert checkin_status(services, checkin_id) == "handed_over"
    assert replies[-1] == []
    assert ("routine", "too_many_messages") in alerts(services)
    with services.sessions() as session:
        outbound = session.scalars(select(Message.body).where(
            Message.direction == "out", Message.conversation_id.is_not(None))).all()
        later = session.scalars(select(Message.body).where(
            Message.direction == "out", Message.conversation_id.is_(None))).all()
    assert 12 <= len(outbound) <= 13  # the cap, or the cap and the last turn's re-ask
    # Afterwards the courtesy reply is sent once a day at most: no loop.
    assert len(later) == 1 and "This check-in has ended" in later[0]
    services.close()


def test_a_closed_checkin_answers_a_later_message_once_a_day(services, phone, clock) -> None:
    start_checkin(services)
    phone.text("STOP")
    assert "This check-in has ended" in phone.text("thanks")[0]
    assert phone.text("thanks again") == []
    clock.advance(days=1, minutes=1)
    assert "This check-in has ended" in phone.text("hello?")[0]
    # A warning sign is always answered, however often.
    assert phone.text("chest pain")[0].startswith("Please call 911 now")
    assert phone.text("chest pain")[0].startswith("Please call 911 now")
