"""A steady sending rate per sender, so a morning's batch does not overflow the carrier's
queue (a long code takes about one segment a second). Per process: with several workers,
give each a share of the sender's rate."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime

from assistant.telephony.channels import Channel


class RateLimitedChannel:
    def __init__(self, channel: Channel, per_second: float,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.channel = channel
        self.name = channel.name
        self.interval = 1.0 / per_second
        self.clock = clock
        self.sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def send(self, to: str, body: str) -> str:
        with self._lock:
            now = self.clock()
            wait = self._next - now
            if wait > 0:
                self.sleep(wait)
                now += wait
            self._next = now + self.interval
        return self.channel.send(to, body)

    def sent_matching(self, to: str, body: str, since: datetime) -> list[str]:
        return self.channel.sent_matching(to, body, since)
