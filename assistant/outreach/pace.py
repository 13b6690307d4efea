"""How many check-ins a worker claims at once: what the senders can send, not a fixed number.

A batch is this worker's share of the senders' rate (shared with the other workers holding
claims) over half a tick: a tick then ends before the next one is due (APScheduler skips a
tick that finds the last still running), and a full batch asks for the next tick at once
(`carecall.worker`), so a worker keeps the senders busy while work is due and idles at the
tick when there is none. Never more than half a lease's worth either: a claim is never held
longer than it can be kept (the heartbeat covers a slower carrier, not a batch too big to
send). `dispatch_batch_max` bounds the one transaction a batch is prepared in.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.records.models import CheckIn

if TYPE_CHECKING:  # the wiring (assistant.services) imports the dispatcher, which imports this
    from assistant.services import Services

# A first SMS check-in sends the greeting and the identity question.
MESSAGES_PER_CHECKIN = 2


def batch_size(session: Session, services: Services, worker_id: str, now: datetime) -> int:
    settings = services.settings
    lease = settings.claim_lease_seconds
    peers = session.scalar(select(func.count(func.distinct(CheckIn.claimed_by))).where(
        CheckIn.status == "claimed", CheckIn.claimed_by != worker_id,
        CheckIn.claimed_at > now - timedelta(seconds=lease))) or 0
    share = services.senders.total_rate(session) / (peers + 1)
    seconds = min(settings.tick_seconds, lease) / 2
    return max(1, min(settings.dispatch_batch_max,
                      int(share * seconds / MESSAGES_PER_CHECKIN)))
