"""Alert events for the hospital's own systems: a subscribed URL is told when an alert is
raised, acknowledged or resolved (a task, such as the TCM call to make, too: `kind`).

The delivery is written in the same transaction as the alert's change (nothing is told that
did not happen, nothing that happened is missed), then sent by a worker: POST of a JSON body
signed with the subscription's secret (`X-Carecall-Signature: sha256=<HMAC-SHA256 of
"<timestamp>.<body>">`, `X-Carecall-Timestamp`, so a receiver can refuse replays), retried
with back-off until the receiver answers 2xx, and given up after a day. Without
`with_health_information` the body names the alert and the stay by their ids only; with it, the
severity, the reason and the summary too. A delivery is claimed with a conditional update, so
two workers never send the same one; a worker dying mid-request leaves it to be sent again
after the lease (receivers de-duplicate on `delivery_id`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from assistant.records.db import transaction
from assistant.records.interfaces import WebhookDelivery, WebhookSubscription
from assistant.records.models import Alert, Episode, Patient

if TYPE_CHECKING:
    from assistant.services import Services

log = logging.getLogger(__name__)
EVENTS = ("raised", "acknowledged", "resolved")
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
           timedelta(hours=2), timedelta(hours=6), timedelta(hours=12))  # then given up
TIMEOUT_SECONDS = 10
# (url, body, headers) → HTTP status; raises OSError when nothing answered.
Poster = Callable[[str, bytes, dict[str, str]], int]


def new_secret() -> str:
    return secrets.token_hex(32)


def enqueue(session: Session, alert: Alert, event: str, now: datetime) -> int:
    """Record a delivery of `event` for each subscription that wants it; returns how many."""
    if event not in EVENTS:
        return 0
    subscriptions = [s for s in session.scalars(select(WebhookSubscription).where(
        WebhookSubscription.active)) if event in s.events]
    if not subscriptions:
        return 0
    session.flush()  # the alert's id, for a newly raised one
    patient = session.get(Patient, alert.patient_id)
    episode = session.get(Episode, alert.episode_id)
    for subscription in subscriptions:
        body = {"event": f"alert.{event}", "alert_id": alert.id, "kind": alert.kind,
                "at": now.isoformat() + "Z",
                "episode_id": alert.episode_id,
                "mrn": patient.mrn if patient else None,
                "mrn_authority": patient.mrn_authority if patient else None,
                "visit_number": episode.visit_number if episode else None}
        if subscription.with_health_information:
            body |= {"severity": alert.severity, "reason": alert.reason,
                     "summary": alert.summary, "status": alert.status}
        delivery = WebhookDelivery(subscription_id=subscription.id, event=event, payload="",
                                   status="pending", attempts=0, next_attempt_at=now,
                                   created_at=now)
        session.add(delivery)
        session.flush()
        delivery.payload = json.dumps(body | {"delivery_id": delivery.id}, sort_keys=True)
    return len(subscriptions)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def deliver_due(services: Services, post: Poster | None = None, limit: int = 50) -> dict[str, int]:
    """Send what is due (a worker tick); returns counts by outcome."""
    post = post or _post
    now = services.clock()
    lease = timedelta(seconds=services.settings.claim_lease_seconds)
    counts = {"delivered": 0, "retrying": 0, "failed": 0}
    with services.sessions() as session:
        due = session.scalars(select(WebhookDelivery.id).where(_due(now, lease))
                              .order_by(WebhookDelivery.id).limit(limit)).all()
    for delivery_id in due:
        outcome = _send_one(services, delivery_id, post, now, lease)
        if outcome:
            counts[outcome] += 1
    return counts


def _due(now: datetime, lease: timedelta):  # type: ignore[no-untyped-def]
    """Pending and due, or claimed by a worker that has not finished within a lease (it died
    mid-request). The same condition claims it, so a delivery in flight is never taken."""
    return or_(and_(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now),
               and_(WebhookDelivery.status == "sending",
                    WebhookDelivery.next_attempt_at <= now - lease))


def _send_one(services: Services, delivery_id: int, post: Poster, now: datetime,
              lease: timedelta) -> str | None:
    with transaction(services.sessions) as session:
        claimed = session.execute(update(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, _due(now, lease))
            .values(status="sending", claimed_by=services.worker_id, next_attempt_at=now)
        ).rowcount  # type: ignore[attr-defined]
        if claimed != 1:
            return None
        delivery = session.get_one(WebhookDelivery, delivery_id)
        subscription = session.get_one(WebhookSubscription, delivery.subscription_id)
        url, secret, body = subscription.url, subscription.secret, delivery.payload.encode()
    timestamp = str(int(now.timestamp()))
    headers = {"Content-Type": "application/json", "X-Carecall-Timestamp": timestamp,
               "X-Carecall-Signature": signature(secret, timestamp, body),
               "X-Carecall-Event": f"alert.{delivery.event}"}
    try:
        status = post(url, body, headers)
        error = None if 200 <= status < 300 else f"HTTP {status}"
    except OSError as exc:
        error = f"no answer: {exc}"
    with transaction(services.sessions) as session:
        delivery = session.get_one(WebhookDelivery, delivery_id)
        delivery.attempts += 1
        if error is None:
            delivery.status, delivery.delivered_at, delivery.last_error = "delivered", now, None
            return "delivered"
        delivery.last_error = error
        if delivery.attempts > len(BACKOFF):
            delivery.status = "failed"
            log.error("webhook delivery %s to %s given up: %s", delivery_id, url, error)
            return "failed"
        delivery.status = "pending"
        delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
        return "retrying"


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
