"""Which phones belong to the care team: asked of every text that arrives, so kept in memory.

A text from a coordinator's phone is an answer to a notification ("ACK 12"), not a patient's
reply. Looking the roster up for every patient's text was a statement per turn for a list
that changes a few times a month, so the phones are cached. The cache can only be wrong in
one direction that matters, and not for long:

- a change made through this process's sessions (the admin page, the users CLI run inside
  it, a test) empties the cache at once (`watch`), and again at its commit: a text read in
  between saw the roster without it (a load that began before is not kept);
- a change made by another process is seen within `MAX_AGE` (the cache reloads);
- the cache only says who *may* be on the roster: the caller still reads the user row, so a
  coordinator removed a moment ago is never treated as one, and "ACK 12" is always looked
  up fresh (`assistant.outreach.inbound`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from assistant.records.models import User

MAX_AGE = 30.0  # seconds before a change made by another process is seen
_CHANGED = "roster changed"  # in a session's info: it flushed a user row, not yet committed


class RosterPhones:
    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 max_age: float = MAX_AGE) -> None:
        self._clock = clock
        self._max_age = max_age
        self._phones: frozenset[str] | None = None
        self._loaded_at = 0.0
        self._generation = 0  # one more at each `forget`: a load begun before is stale
        self._lock = threading.Lock()

    def may_be_on_roster(self, session: Session, phone: str) -> bool:
        phones = self._phones
        if phones is None or self._clock() - self._loaded_at > self._max_age:
            phones = self._load(session)
        return phone in phones

    def forget(self) -> None:
        """The roster changed: the next text reads it again."""
        with self._lock:
            self._phones = None
            self._generation += 1

    def watch(self, sessions: sessionmaker[Session]) -> None:
        """Forget the phones whenever a session of this process writes a user row."""

        def written(session: Session, *_: Any) -> None:
            touched = (*session.new, *session.dirty, *session.deleted)
            if any(isinstance(row, User) for row in touched):
                session.info[_CHANGED] = True
                self.forget()

        def committed(session: Session) -> None:
            if session.info.pop(_CHANGED, False):
                self.forget()

        event.listen(sessions, "before_flush", written)
        event.listen(sessions, "after_commit", committed)

    def _load(self, session: Session) -> frozenset[str]:
        with self._lock:
            generation = self._generation
        loaded_at = self._clock()
        phones = frozenset(session.scalars(
            select(User.phone).where(User.active.is_(True), User.phone.is_not(None))))
        with self._lock:
            if self._generation == generation:  # else forgotten meanwhile: used once only
                self._phones, self._loaded_at = phones, loaded_at
        return phones
