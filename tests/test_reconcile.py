"""A worker that dies mid-send: after the lease, nothing is lost and nothing is sent twice."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assistant.outreach.dispatch import claim_due, dispatch_due
from assistant.outreach.reconcile import reconcile
from assistant.records.models import ContactAttempt, Message
from tests.conftest import PATIENT_PHONE
from tests.helpers import checkin_status, enroll_patient, make_first_checkin_due


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing after it runs, no handler sees it."""


def die_on_delivery(network, number: int) -> None:  # type: ignore[no-untyped-def]
    count = [0]

    def listener(_message) -> None:  # type: ignore[no-untyped-def]
        count[0] += 1
        if count[0] == number:
            raise WorkerKilled

    network.listeners.append(listener)


def test_killed_after_the_carrier_took_the_message_it_is_not_sent_again(services, network,
                                                                       clock) -> None:
    checkin_id = make_first_checkin_due(services, enroll_patient(services))
    die_on_delivery(network, 2)  # the identity question reached the carrier, then death
    with pytest.raises(WorkerKilled):
        dispatch_due(services, "w1")
    network.listeners.clear()
    assert reconcile(services).found_sent == []  # within the lease: the worker may be alive
    clock.advance(minutes=6)
    report = reconcile(services)
    # Neither SID was saved before the death: both are found at the carrier, none resent.
    assert len(report.found_sent) == 2 and report.resent == []
    assert report.finished == [checkin_id]
    assert len(network.to(PATIENT_PHONE)) == 2
    assert checkin_status(services, checkin_id) == "sent"
    with services.sessions() as session:
        assert set(session.scalars(select(Message.status).where(
            Message.direction == "out"))) == {"sent"}
        assert session.scalars(select(ContactAttempt.outcome)).all() == ["sent"]


def test_killed_before_the_carrier_took_it_the_message_is_sent_once(services, network,
                                                                   clock, monkeypatch) -> None:
    checkin_id = make_first_checkin_due(services, enroll_patient(services))
    real_send = services.sms.send
    calls = [0]

    def send(to: str, body: str, sender: str | None = None) -> str:
        calls[0] += 1
        if calls[0] == 2:
            raise WorkerKilled
        return real_send(to, body, sender)

    monkeypatch.setattr(services.sms, "send", send)
    with pytest.raises(WorkerKilled):
        dispatch_due(services, "w1")
    monkeypatch.setattr(services.sms, "send", real_send)
    clock.advance(minutes=6)
    report = reconcile(services)
    # The greeting is found at the carrier; the question it never took is sent once.
    assert len(report.found_sent) == 1 and len(report.resent) == 1
    assert [m.body[:9] for m in network.outbox] == ["Hi Alex, ", "First, to"]
    assert checkin_status(services, checkin_id) == "sent"


def test_a_claim_that_never_started_goes_back_in_the_queue(services, network, clock) -> None:
    checkin_id = make_first_checkin_due(services, enroll_patient(services))
    assert claim_due(services, "w1") == [checkin_id]  # ...and the worker died
    clock.advance(minutes=6)
    assert reconcile(services).requeued == [checkin_id]
    assert dispatch_due(services, "w2").sent == [checkin_id]
    assert len(network.to(PATIENT_PHONE)) == 2
