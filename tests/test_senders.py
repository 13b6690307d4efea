"""Sending at the carrier's pace, shared by every worker, and holds that keep a message with
one sender at a time (the multi-process proof is in test_carrier_speed)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from assistant.outreach.dispatch import dispatch_due
from assistant.outreach.outbox import deliver, record_outbound, renew_holds
from assistant.outreach.reconcile import reconcile
from assistant.outreach.senders import SenderPool
from assistant.records.db import transaction
from assistant.records.models import CheckIn, Message, Patient
from assistant.records.operations import Sender
from tests.conftest import PATIENT_PHONE, SERVICE_NUMBER
from tests.helpers import checkin_status, enroll_patient, make_first_checkin_due

SECOND_NUMBER = "+12015550198"


class WallClock:
    """The pacing clock (real seconds in production), moved by the pool's own waits."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now, self.waits = start, []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(round(seconds, 3))
        self.now += seconds


def add_sender(services, address: str, rate: float) -> None:  # type: ignore[no-untyped-def]
    with transaction(services.sessions) as session:
        session.add(Sender(address=address, per_second=rate, next_slot=0.0, active=True,
                           created_at=services.clock()))


def paced(services, wall: WallClock) -> None:  # type: ignore[no-untyped-def]
    services.senders = SenderPool(SERVICE_NUMBER, 1.0, now=wall, sleep=wall.sleep)


def test_two_workers_sharing_a_sender_take_consecutive_slots(services) -> None:
    add_sender(services, SERVICE_NUMBER, 5)
    wall = WallClock()
    one = SenderPool(SERVICE_NUMBER, 5, now=wall, sleep=wall.sleep)
    other = SenderPool(SERVICE_NUMBER, 5, now=wall, sleep=wall.sleep)
    with transaction(services.sessions) as session:
        first = one.reserve(session, 2, services.clock())
    with transaction(services.sessions) as session:
        second = other.reserve(session, 3, services.clock())
    assert first.time_of(0) == wall.now and first.time_of(1) == pytest.approx(wall.now + 0.2)
    # The second worker's slots follow the first's: together they keep to 5 a second.
    assert second.time_of(0) == pytest.approx(wall.now + 0.4)
    wall.now += 10  # an idle sender's slots start from now, not from the past
    with transaction(services.sessions) as session:
        assert one.reserve(session, 1, services.clock()).at == wall.now


def test_the_sender_free_soonest_is_chosen_and_a_conversation_keeps_its_number(
        services) -> None:
    add_sender(services, SERVICE_NUMBER, 1)
    add_sender(services, SECOND_NUMBER, 1)
    wall = WallClock()
    pool = SenderPool(SERVICE_NUMBER, 1, now=wall, sleep=wall.sleep)
    with transaction(services.sessions) as session:
        chosen = [pool.reserve(session, 2, services.clock()).sender for _ in range(2)]
        kept = pool.reserve(session, 1, services.clock(), prefer=SERVICE_NUMBER)
    assert chosen == [SERVICE_NUMBER, SECOND_NUMBER]
    assert kept.sender == SERVICE_NUMBER and kept.at == wall.now + 2


def test_with_an_empty_table_the_configured_sender_is_used_at_the_configured_rate(
        services, network) -> None:
    wall = WallClock()
    paced(services, wall)
    checkin_id = make_first_checkin_due(services, enroll_patient(services))
    assert dispatch_due(services, "w1").sent == [checkin_id]
    assert wall.waits == [1.0]  # greeting, then the identity question a second later
    with services.sessions() as session:
        assert session.scalars(select(Sender.address)).all() == [SERVICE_NUMBER]
        assert set(session.scalars(select(Message.from_number))) == {SERVICE_NUMBER}


def test_with_every_sender_stopped_nothing_is_sent_and_the_checkin_waits(
        services, network, caplog) -> None:
    add_sender(services, SERVICE_NUMBER, 1)
    with transaction(services.sessions) as session:
        session.scalars(select(Sender)).one().active = False
    checkin_id = make_first_checkin_due(services, enroll_patient(services))
    dispatch_due(services, "w1")
    assert network.outbox == []
    assert checkin_status(services, checkin_id) == "scheduled"
    assert "every sender is inactive" in caplog.text


def test_a_429_from_the_carrier_takes_a_later_slot_and_the_message_goes_once(
        services, network) -> None:
    add_sender(services, SERVICE_NUMBER, 1)
    wall = WallClock()
    paced(services, wall)
    network.clock, network.rate_per_second = wall, 1.0
    network._next_allowed[SERVICE_NUMBER] = wall.now + 1.5  # someone else just used it
    checkin_id = make_first_checkin_due(services, enroll_patient(services))
    assert dispatch_due(services, "w1").sent == [checkin_id]
    assert len(network.refused) == 1
    assert [m.body[:9] for m in network.outbox] == ["Hi Alex, ", "First, to"]


def hold_two_messages(services, holder: str) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    patient_id = enroll_patient(services)
    with transaction(services.sessions) as session:
        patient = session.scalars(select(Patient)).one()
        assert patient.id or patient_id
        return record_outbound(session, services, patient, None, ["one", "two"],
                               services.clock(), holder)


def test_a_held_message_is_left_alone_while_its_holder_renews_the_hold(
        services, network, clock) -> None:
    messages = hold_two_messages(services, "w1")
    clock.advance(minutes=4)
    with transaction(services.sessions) as session:
        assert set(renew_holds(session, services, "w1", [m for m, _ in messages])) == {
            m for m, _ in messages}
    clock.advance(minutes=4)  # past the first hold, within the renewed one
    assert reconcile(services, "r1").resent == []
    assert network.outbox == []


def test_a_stalled_sender_whose_hold_was_taken_over_sends_nothing(services, network,
                                                                  clock) -> None:
    messages = hold_two_messages(services, "w1")
    clock.advance(minutes=6)  # w1 stopped renewing: its hold has expired
    assert len(reconcile(services, "r1").resent) == 2
    # w1 wakes up and goes on with its batch: the fence stops it.
    assert deliver(services, PATIENT_PHONE, messages, "w1") == ("taken", [])
    assert [m.body for m in network.outbox] == ["one", "two"]


def test_a_reconciler_that_dies_holding_a_message_is_itself_reconciled_once(
        services, network, clock, monkeypatch) -> None:
    hold_two_messages(services, "w1")
    clock.advance(minutes=6)
    monkeypatch.setattr("assistant.outreach.reconcile.send_recorded",
                        lambda *args, **kwargs: "unknown")  # r1 took the hold, then died
    reconcile(services, "r1")
    monkeypatch.undo()
    assert reconcile(services, "r2").resent == []  # r1's hold is still good
    clock.advance(minutes=6)
    assert len(reconcile(services, "r2").resent) == 2
    assert reconcile(services, "r3").resent == []
    assert [m.body for m in network.outbox] == ["one", "two"]


def test_a_worker_claims_no_more_than_its_share_can_send_in_half_a_lease(
        services, settings) -> None:
    services.settings = settings.with_overrides(claim_lease_seconds=20)
    add_sender(services, SERVICE_NUMBER, 1)
    paced(services, WallClock())
    for n in range(40):
        make_first_checkin_due(services, enroll_patient(services, f"+1201555{1000 + n:04d}"))
    # 1 message/s × 10 s (half the lease, shorter than half a tick) ÷ 2 messages per
    # check-in: 5 check-ins for a worker alone.
    assert len(dispatch_due(services, "w1", limit=100).claimed) == 5
    with transaction(services.sessions) as session:
        for checkin in session.scalars(select(CheckIn).where(CheckIn.status == "sent")):
            checkin.status, checkin.claimed_at = "claimed", services.clock()  # w1 still busy
    assert len(dispatch_due(services, "w2", limit=100).claimed) == 2  # half the rate


def test_a_message_still_queued_at_the_carrier_is_found_and_not_sent_again(services,
                                                                         network) -> None:
    moment = [datetime(2026, 11, 24, 15, 0, tzinfo=UTC).timestamp()]
    network.clock = lambda: moment[0]
    sid = services.sms.send(PATIENT_PHONE, "hello")
    since = datetime(2026, 11, 24, 14, 59)
    listed = services.sms.client.messages.list(to=PATIENT_PHONE)
    assert [(m.sid, m.status, m.date_sent) for m in listed] == [(sid, "queued", None)]
    # Twilio's DateSent filter skips a queued message (no date sent yet): relying on it would
    # send this message a second time. The reconciler's look-up finds it all the same.
    assert services.sms.client.messages.list(to=PATIENT_PHONE, date_sent_after=since) == []
    assert services.sms.sent_matching(PATIENT_PHONE, "hello", since) == [sid]
    moment[0] += 1
    assert services.sms.client.messages.list(to=PATIENT_PHONE)[0].status == "sent"
    assert [m.sid for m in services.sms.client.messages.list(
        to=PATIENT_PHONE, date_sent_after=since)] == [sid]
    assert services.sms.sent_matching(PATIENT_PHONE, "hello", since.replace(day=26)) == []
    moment[0] += 5
    assert services.sms.client.messages.list(to=PATIENT_PHONE)[0].status == "delivered"


def test_a_worker_that_stalls_mid_checkin_past_its_lease_sends_nothing_more(
        services, network, clock) -> None:
    """The fence is checked before every send, not once per batch: a worker that stalls
    after the greeting (a hung request, a paused VM) while a reconciler takes its messages
    over does not send the question a second time when it wakes."""
    checkin_id = make_first_checkin_due(services, enroll_patient(services))
    taken_over = []

    def stall_then_reconcile(message) -> None:  # type: ignore[no-untyped-def]
        if not taken_over:
            taken_over.append(True)
            clock.advance(minutes=6)  # the worker stalls past its hold
            reconcile(services, "r1")  # finds the greeting at the carrier, sends the question

    network.listeners.append(stall_then_reconcile)
    dispatch_due(services, "w1")
    network.listeners.clear()
    assert [m.body[:9] for m in network.outbox] == ["Hi Alex, ", "First, to"]
    reconcile(services, "r2")
    assert checkin_status(services, checkin_id) == "sent"


def test_a_question_refused_with_429_after_the_greeting_waits_and_goes_later(
        services, network, clock) -> None:
    checkin_id = make_first_checkin_due(services, enroll_patient(services))
    calls = [0]

    def slow_down_after_the_greeting(message) -> None:  # type: ignore[no-untyped-def]
        calls[0] += 1
        if calls[0] == 1:
            network.fail_with = (429, 20429, "Too Many Requests")

    network.listeners.append(slow_down_after_the_greeting)
    assert dispatch_due(services, "w1").failed == [checkin_id]
    network.listeners.clear()
    network.fail_with = None
    assert checkin_status(services, checkin_id) == "sent"  # the greeting is out
    with services.sessions() as session:
        waiting = session.scalars(select(Message).where(Message.status == "pending")).one()
    assert waiting.body.startswith("First, to")  # kept, not dropped as failed
    assert reconcile(services, "r1").resent == []  # during the backoff: nothing
    clock.advance(minutes=2)
    assert reconcile(services, "r1").resent == [waiting.id]
    assert [m.body[:9] for m in network.outbox] == ["Hi Alex, ", "First, to"]


def test_with_no_sender_a_worker_does_not_spin_on_the_same_checkin(services, network,
                                                                    settings) -> None:
    from carecall.worker import tick

    add_sender(services, SERVICE_NUMBER, 1)
    with transaction(services.sessions) as session:
        session.scalars(select(Sender)).one().active = False
    checkin_id = make_first_checkin_due(services, enroll_patient(services))
    assert tick(services, "w1") is False  # no next tick at once: the interval, then again
    with services.sessions() as session:
        checkin = session.get_one(CheckIn, checkin_id)
        assert checkin.status == "scheduled" and checkin.due_at > services.clock()
        assert checkin.attempt == 1
