"""The worker's batches follow the senders' rates: a fast sender gets big batches and the next
tick at once, a long code no more than it sends in half a tick (or half a lease), slots are
reserved a run of check-ins at a time, and nothing is ever sent twice."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import event, select

from assistant.outreach.dispatch import dispatch_due
from assistant.outreach.senders import Chosen, SenderPool, Slots
from assistant.records.models import CheckIn
from assistant.records.operations import Sender
from carecall.worker import DISPATCH_JOB_ID, job_defaults, schedule_jobs, tick
from tests.conftest import SERVICE_NUMBER, make_services
from tests.helpers import enroll_patient, make_first_checkin_due
from tests.test_senders import WallClock, add_sender, paced

PHONES = [f"+1201555{n:04d}" for n in range(2101, 2131)]


def due_checkins(services, count: int) -> list[int]:  # type: ignore[no-untyped-def]
    return [make_first_checkin_due(services, enroll_patient(services, phone))
            for phone in PHONES[:count]]


def texts_per_phone(network) -> Counter[str]:  # type: ignore[no-untyped-def]
    return Counter(message.to for message in network.outbox)


def sender_updates(services) -> list[str]:  # type: ignore[no-untyped-def]
    """The statements that take slots on a sender, as they run."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("UPDATE sender"):
            seen.append(statement)

    event.listen(services.engine, "before_cursor_execute", record)
    return seen


def test_a_fast_sender_gets_the_largest_batch(services, network) -> None:
    add_sender(services, SERVICE_NUMBER, 1000)
    due = due_checkins(services, 6)
    report = dispatch_due(services, "w1")
    # 1,000 messages/s over half a 30 s tick is far more than the cap: the cap it is.
    assert report.size == services.settings.dispatch_batch_max
    assert report.sent == due and not report.more_due  # the queue is empty: the interval
    assert texts_per_phone(network) == dict.fromkeys(PHONES[:6], 2)


def test_after_a_full_batch_the_worker_asks_for_the_next_tick_at_once(services, settings,
                                                                      network) -> None:
    services.settings = settings.with_overrides(dispatch_batch_max=4)
    add_sender(services, SERVICE_NUMBER, 1000)
    due = due_checkins(services, 6)
    assert tick(services, "w1") is True  # 4 of 6: more is due
    assert tick(services, "w1") is False  # the last 2: nothing more
    assert tick(services, "w1") is False
    with services.sessions() as session:
        statuses = {c.id: c.status for c in session.scalars(select(CheckIn))}
    assert [statuses[checkin_id] for checkin_id in due] == ["sent"] * 6
    assert texts_per_phone(network) == dict.fromkeys(PHONES[:6], 2)  # each once


def _ten_due_on_a_long_code(services):  # type: ignore[no-untyped-def]
    """Ten check-ins due, one sender at 1 message/s on a wall clock: the report, the clock
    and when it started."""
    add_sender(services, SERVICE_NUMBER, 1)
    wall = WallClock()
    paced(services, wall)
    started = wall.now
    due_checkins(services, 10)
    return dispatch_due(services, "w1"), wall, started


def test_a_long_code_batch_is_what_it_sends_in_half_a_tick(services, network) -> None:
    report, wall, started = _ten_due_on_a_long_code(services)
    # 1 message/s × 15 s (half the 30 s tick) ÷ 2 messages a check-in: 7 check-ins, sent
    # before the next tick is due, one message a second.
    assert len(report.claimed) == len(report.sent) == 7 and report.more_due
    assert wall.now - started <= services.settings.tick_seconds / 2
    assert wall.waits == [1.0] * 13
    assert len(network.outbox) == 14


def test_a_long_code_with_a_short_lease_claims_no_more_than_half_a_lease_can_send(
        services, settings, network) -> None:
    services.settings = settings.with_overrides(claim_lease_seconds=8)
    report, wall, started = _ten_due_on_a_long_code(services)
    assert len(report.claimed) == 2  # 1 message/s × 4 s ÷ 2 messages
    assert wall.now - started <= 4  # sent well inside the lease: no claim is ever lost


@pytest.mark.parametrize(("rate", "updates"), [(1000, 1), (20, 3), (1, 6)])
def test_slots_are_taken_a_quarter_second_of_sending_at_a_time(services, network, rate: int,
                                                               updates: int) -> None:
    """One statement for a fast sender's whole batch; a long code's slots are taken a
    check-in at a time, so a worker behind its slots never sends a burst."""
    add_sender(services, SERVICE_NUMBER, rate)
    wall = WallClock()
    paced(services, wall)
    due_checkins(services, 6)
    seen = sender_updates(services)
    assert len(dispatch_due(services, "w1").sent) == 6
    assert len(seen) == updates
    with services.sessions() as session:
        next_slot = session.scalars(select(Sender.next_slot)).one()
    # 12 consecutive slots were taken, none skipped and none twice.
    assert next_slot == pytest.approx(1_000_000.0 + 12 / rate)


class RecordingPool(SenderPool):
    """The real pool, noting every run of slots it takes."""

    def __init__(self, taken: list[Slots]) -> None:
        super().__init__(SERVICE_NUMBER, 1.0)
        self.taken = taken

    def take(self, session, sender: Chosen, counts: list[int]) -> list[Slots]:  # type: ignore[no-untyped-def]
        slots = super().take(session, sender, counts)
        self.taken.extend(slots)
        return slots


def test_two_workers_sharing_senders_take_disjoint_slots_and_send_each_checkin_once(
        database_url, settings, network, clock) -> None:
    """Two workers (their own connections, as two processes would have) dispatch in small
    batches at the same time, on one database, sharing two fast senders."""
    settings = settings.with_overrides(database_url=database_url, dispatch_batch_max=3)
    workers = [make_services(settings, network, clock) for _ in range(2)]
    taken: list[Slots] = []
    try:
        for address in (SERVICE_NUMBER, "+12015550198"):
            add_sender(workers[0], address, 500)
        due = set(due_checkins(workers[0], 30))
        for worker in workers:
            worker.senders = RecordingPool(taken)
        start = threading.Barrier(2)
        sent: dict[str, list[int]] = {"w1": [], "w2": []}

        def work(name: str, services) -> None:  # type: ignore[no-untyped-def]
            start.wait()
            while (report := dispatch_due(services, name)).claimed:
                sent[name] += report.sent

        threads = [threading.Thread(target=work, args=(name, worker))
                   for name, worker in zip(sent, workers, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for worker in workers:
            worker.close()
    assert set(sent["w1"]).isdisjoint(sent["w2"]) and set(sent["w1"] + sent["w2"]) == due
    assert texts_per_phone(network) == dict.fromkeys(PHONES[:30], 2)
    # Every message had a slot of its own on its sender, at least 1/500 s from the next.
    for address in {slots.sender for slots in taken}:
        moments = sorted(slots.time_of(i) for slots in taken if slots.sender == address
                         for i in range(slots.count))
        gaps = [later - earlier for earlier, later in pairwise(moments)]
        assert min(gaps) >= 1 / 500 - 1e-6
    assert sum(slots.count for slots in taken) == 60


def test_the_scheduler_runs_the_next_tick_at_once_after_a_full_batch(services, settings,
                                                                     monkeypatch) -> None:
    """Through APScheduler itself, with an hour's interval: the second and third ticks can
    only come from the full batches before them, the fourth does not come, and the next run
    is an interval away (not one the scheduler would skip as overlapping)."""
    runs: list[int] = []
    third = threading.Event()

    def full_twice(*args: object) -> bool:
        runs.append(len(runs) + 1)
        if len(runs) == 3:
            third.set()
        return len(runs) < 3

    monkeypatch.setattr("carecall.worker.tick", full_twice)
    services.settings = settings.with_overrides(tick_seconds=3600)
    scheduler = BackgroundScheduler(job_defaults=job_defaults(3600), timezone="UTC")
    schedule_jobs(scheduler, services, "w1")
    scheduler.start()
    try:
        assert third.wait(timeout=30)
        next_run = scheduler.get_job(DISPATCH_JOB_ID).next_run_time
    finally:
        scheduler.shutdown(wait=True)
    assert runs == [1, 2, 3]
    assert next_run - datetime.now(UTC) > timedelta(minutes=59)
