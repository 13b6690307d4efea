"""Sending slots shared by every worker, so together they keep to the carrier's rate.

Twilio takes about one segment a second from a long code (more from a toll-free number, a
short code or a messaging service with several numbers). A limit kept inside each process
cannot hold when three workers send at once, so each sender's next free moment lives in the
`sender` table and is taken with one conditional UPDATE: the database serialises the takers
(row lock on PostgreSQL, the write lock on SQLite) and each gets its own consecutive slots.
The slot is wall-clock time, the same on every host that keeps its clock by NTP.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import case, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from assistant.records.operations import Sender


class NoSender(Exception):
    """No active sender: nothing can be sent until an admin adds or reactivates one."""


@dataclass(frozen=True)
class Slots:
    """`count` consecutive slots on one sender: the first at `at`, then every `interval`."""

    sender: str
    at: float
    interval: float
    count: int

    def time_of(self, index: int) -> float:
        return self.at + index * self.interval


class Chosen(NamedTuple):
    id: int
    address: str
    per_second: float


class SenderPool:
    """Reserves slots on the least busy active sender and waits for them."""

    def __init__(self, configured: str, per_second: float,
                 now: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.configured = configured  # the settings' sender, used when the table is empty
        self.per_second = per_second
        self.now = now
        self.sleep = sleep

    def reserve(self, session: Session, count: int, created_at: datetime,
                prefer: str | None = None) -> Slots:
        """Take `count` consecutive slots, all on one sender so a patient hears one number:
        `prefer` (the number a conversation already uses) if it is active, else the sender
        free soonest."""
        return self.take(session, self.choose(session, created_at, prefer), [count])[0]

    def choose(self, session: Session, created_at: datetime,
               prefer: str | None = None) -> Chosen:
        """`prefer` if it is an active sender, else the active sender free soonest."""
        chosen = None
        if prefer:
            chosen = session.execute(
                select(Sender.id, Sender.address, Sender.per_second)
                .where(Sender.active, Sender.address == prefer)).first()
        chosen = chosen or session.execute(
            select(Sender.id, Sender.address, Sender.per_second).where(Sender.active)
            .order_by(Sender.next_slot, Sender.id).limit(1)).first()
        if chosen is None:
            chosen = self._first_sender(session, created_at)
        return Chosen(*chosen)

    def take(self, session: Session, sender: Chosen, counts: list[int]) -> list[Slots]:
        """Consecutive slots on `sender` for several check-ins at once, `counts[i]` for the
        i-th, in one conditional UPDATE: the row's lock (or SQLite's write lock) makes the
        run of slots this taker's alone."""
        interval = 1.0 / sender.per_second
        total = sum(counts)
        now = self.now()
        free_from = case((Sender.next_slot > now, Sender.next_slot), else_=literal(now))
        end = session.scalar(update(Sender).where(Sender.id == sender.id)
                             .values(next_slot=free_from + total * interval)
                             .returning(Sender.next_slot))
        at, slots = float(end) - total * interval, []
        for count in counts:
            slots.append(Slots(sender.address, at, interval, count))
            at += count * interval
        return slots

    def wait_for(self, moment: float) -> None:
        delay = moment - self.now()
        if delay > 0:
            self.sleep(delay)

    def total_rate(self, session: Session) -> float:
        rates = session.scalars(select(Sender.per_second).where(Sender.active)).all()
        has_any = session.scalar(select(Sender.id).limit(1)) is not None
        return sum(rates) if has_any else self.per_second

    def _first_sender(self, session: Session,
                      created_at: datetime) -> tuple[int, str, float]:
        if session.scalar(select(Sender.id).limit(1)) is not None:
            raise NoSender("every sender is inactive: add one with 'carecall senders add'")
        if not self.configured:
            raise NoSender("no sender: set CARECALL_TWILIO_FROM_NUMBER or add one with "
                           "'carecall senders add'")
        # Two workers may do this at once: the second one's insert does nothing.
        dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" \
            else sqlite_insert
        session.execute(dialect_insert(Sender).values(
            address=self.configured, per_second=self.per_second, next_slot=0.0, active=True,
            created_at=created_at).on_conflict_do_nothing(index_elements=["address"]))
        return session.execute(select(Sender.id, Sender.address, Sender.per_second)
                               .where(Sender.address == self.configured)).one()


def describe_senders(session: Session, pool: SenderPool) -> str:
    """"+12015550100 at 1/s, MG… at 10/s" for the worker's start-up line."""
    rows = session.execute(select(Sender.address, Sender.per_second)
                           .where(Sender.active).order_by(Sender.id)).all()
    if not rows:
        return f"{pool.configured or 'none'} at {pool.per_second:g}/s (from the settings)"
    return ", ".join(f"{address} at {rate:g}/s" for address, rate in rows)
