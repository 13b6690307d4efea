"""The dispatcher: due check-ins are claimed and sent exactly once, also by concurrent ticks."""

from __future__ import annotations

import threading

from sqlalchemy import select

from assistant.outreach.dispatch import claim_due, dispatch_due
from assistant.outreach.reconcile import reconcile
from assistant.records.models import CheckIn, Message
from tests.conftest import make_services
from tests.helpers import checkin_status, enroll_patient, make_first_checkin_due

PHONES = [f"+1201555{n:04d}" for n in range(101, 131)]


def test_nothing_is_sent_before_it_is_due(services, network) -> None:
    enroll_patient(services, days_ago=0)
    assert dispatch_due(services, "w1").claimed == []
    assert network.outbox == []


def test_a_due_checkin_is_sent_once_even_when_ticked_again(services, network, clock) -> None:
    checkin_id = make_first_checkin_due(services, enroll_patient(services))
    assert dispatch_due(services, "w1").sent == [checkin_id]
    clock.advance(minutes=1)
    assert dispatch_due(services, "w1").claimed == []
    assert len(network.outbox) == 2
    with services.sessions() as session:
        stored = session.scalars(select(Message).where(Message.direction == "out")).all()
    assert {m.provider_sid for m in stored} == {m.sid for m in network.outbox}
    assert {m.status for m in stored} == {"sent"}


def test_an_opted_out_patient_is_not_contacted(services, network) -> None:
    from assistant.records.db import transaction
    from assistant.records.models import Patient

    checkin_id = make_first_checkin_due(services, enroll_patient(services))
    with transaction(services.sessions) as session:
        session.scalars(select(Patient)).one().opted_out_at = services.clock()
    assert dispatch_due(services, "w1").cancelled == [checkin_id]
    assert network.outbox == []


def test_a_rate_limited_send_goes_back_in_the_queue_and_is_sent_later(services, network,
                                                                      clock) -> None:
    checkin_id = make_first_checkin_due(services, enroll_patient(services))
    network.fail_with = (429, 20429, "Too Many Requests")
    assert dispatch_due(services, "w1").failed == [checkin_id]
    assert checkin_status(services, checkin_id) == "scheduled"
    network.fail_with = None
    # Not claimed again at once (a worker would spin on it): after a backoff.
    assert dispatch_due(services, "w1").claimed == []
    clock.advance(minutes=1)
    assert dispatch_due(services, "w1").sent == [checkin_id]
    assert len(network.outbox) == 2 and "Riverside" in network.outbox[0].body


def test_a_refused_number_is_marked_unreachable_not_retried(services, network) -> None:
    checkin_id = make_first_checkin_due(services, enroll_patient(services))
    network.fail_with = (400, 21211, "The 'To' number is not a valid phone number.")
    dispatch_due(services, "w1")
    assert checkin_status(services, checkin_id) == "unreachable"
    network.fail_with = None
    assert dispatch_due(services, "w1").claimed == []
    assert network.outbox == []


def test_two_ticks_at_the_same_moment_claim_each_checkin_once(database_url, settings, network,
                                                              clock) -> None:
    services = make_services(settings.with_overrides(database_url=database_url), network, clock)
    try:
        due = {make_first_checkin_due(services, enroll_patient(services, phone=phone))
               for phone in PHONES}
        start = threading.Barrier(2)
        reports = {}

        def tick(worker: str) -> None:
            start.wait()
            reports[worker] = dispatch_due(services, worker)

        threads = [threading.Thread(target=tick, args=(name,)) for name in ("w1", "w2")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        first, second = (set(reports[name].sent) for name in ("w1", "w2"))
        assert first.isdisjoint(second)
        assert first | second == due
        recipients = [message.to for message in network.outbox]
        assert sorted(recipients) == sorted(PHONES * 2)  # greeting + identity question, once
        with services.sessions() as session:
            claimers = {c.claimed_by for c in session.scalars(select(CheckIn))
                        if c.id in due}
        assert claimers <= {"w1", "w2"}
    finally:
        services.close()


def test_racing_claims_on_one_checkin_have_one_winner(database_url, settings, network,
                                                      clock) -> None:
    services = make_services(settings.with_overrides(database_url=database_url), network, clock)
    try:
        make_first_checkin_due(services, enroll_patient(services))
        start = threading.Barrier(4)
        won: list[list[int]] = []

        def claim(worker: str) -> None:
            start.wait()
            won.append(claim_due(services, worker))

        threads = [threading.Thread(target=claim, args=(f"w{i}",)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(len(claimed) for claimed in won) == [0, 0, 0, 1]
    finally:
        services.close()


def test_a_checkin_that_cannot_be_started_does_not_hold_up_the_others(services, network,
                                                                       clock,
                                                                       monkeypatch) -> None:
    broken = make_first_checkin_due(services, enroll_patient(services, PHONES[0]))
    fine = make_first_checkin_due(services, enroll_patient(services, PHONES[1], name="Bo Li"))
    real_start = services.dialogue.start

    def start(session, checkin, channel, now, **options):  # type: ignore[no-untyped-def]
        if checkin.id == broken:
            raise ValueError("a flow the dialogue cannot open")
        return real_start(session, checkin, channel, now, **options)

    monkeypatch.setattr(services.dialogue, "start", start)
    report = dispatch_due(services, "w1")
    assert report.sent == [fine] and report.failed == [broken]
    assert [m.to for m in network.outbox] == [PHONES[1]] * 2
    # The broken one stays claimed, nothing recorded for it; after the lease it is tried again.
    assert checkin_status(services, broken) == "claimed"
    monkeypatch.setattr(services.dialogue, "start", real_start)
    clock.advance(minutes=6)
    assert reconcile(services).requeued == [broken]
    assert dispatch_due(services, "w1").sent == [broken]
    assert [m.to for m in network.outbox].count(PHONES[0]) == 2
