"""Messages we start (not replies in TwiML): recorded before Twilio is called, then sent, so
a crash in between leaves a `pending` row to reconcile instead of a text sent twice.

A pending message is held by the process that recorded it (`held_by`, `held_until`). The
holder renews the hold just before each send, as a fence: a process whose hold was taken over
by a reconciler (because it stalled past the lease) finds it gone and sends nothing. The send
itself waits for a slot on a sender shared by every worker (`senders`), so the carrier's rate
is kept however many workers there are.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from assistant.outreach.senders import NoSender, Slots
from assistant.records.db import transaction
from assistant.records.models import Conversation, Message, Patient
from assistant.telephony.channels import outcome_of

if TYPE_CHECKING:  # the wiring (assistant.services) imports this module
    from assistant.services import Services

log = logging.getLogger(__name__)
UNSETTLED = ("pending", "unknown")
# A 429 means the carrier's own limit was reached: take a new slot and try again, a few times;
# after that the message waits (pending) this long and the reconciler sends it.
RETRIES_ON_429 = 3
RETRY_BACKOFF = timedelta(minutes=1)


def default_worker_id() -> str:
    """Unique per process start: host and pid repeat across containers and restarts, and two
    processes sharing an id would pass each other's fences."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def hold_expiry(services: Services, now: datetime) -> datetime:
    return now + timedelta(seconds=services.settings.claim_lease_seconds)


def record_outbound(session: Session, services: Services, patient: Patient,
                    conversation_id: int | None, texts: list[str],
                    now: datetime, holder: str | None = None,
                    to: str | None = None) -> list[tuple[int, str]]:
    """Pending rows for `texts`; returns (message id, body) pairs to send in order."""
    pending = pending_messages(services, patient, conversation_id, texts, now, holder, to)
    session.add_all(pending)
    session.flush()
    return [(m.id, m.body) for m in pending]


def conversation_phone(conversation: Conversation | None, patient: Patient) -> str:
    """Where a conversation's messages go: the caregiver who answers for the patient, or the
    patient."""
    respondent = conversation.respondent if conversation is not None else None
    return respondent.phone if respondent is not None and respondent.can_answer \
        and respondent.phone else patient.phone


def pending_messages(services: Services, patient: Patient, conversation_id: int | None,
                     texts: list[str], now: datetime, holder: str | None = None,
                     to: str | None = None) -> list[Message]:
    """The rows `record_outbound` writes, for a caller that writes many patients' at once.
    `to`: a caregiver's phone when they answer for the patient."""
    return pending_to(services, to or patient.phone, patient.id, conversation_id, texts, now,
                      holder=holder)


def pending_to(services: Services, to: str, patient_id: int | None,
               conversation_id: int | None, texts: list[str], now: datetime,
               holder: str | None = None, reply_to_id: int | None = None) -> list[Message]:
    return [
        Message(direction="out", channel="sms", from_number=None,  # chosen when it is sent
                to_number=to, body=text, status="pending", created_at=now,
                patient_id=patient_id, conversation_id=conversation_id, reply_to_id=reply_to_id,
                held_by=holder or services.worker_id, held_until=hold_expiry(services, now))
        for text in texts
    ]


@dataclass(frozen=True)
class Delivery:
    message_id: int
    outcome: str  # sent | retry | failed | unknown | skipped
    sid: str | None
    error: str | None
    sender: str | None = None


def deliver(services: Services, to: str, messages: list[tuple[int, str]],
            holder: str | None = None, prefer: str | None = None) -> tuple[str, list[Delivery]]:
    """Send recorded messages in order, each in its slot, stopping at the first that is not
    sent; the caller saves the deliveries (in the transaction it writes its own outcome in).

    The overall outcome is "sent", "retry" (not sent now but safe to send later: the carrier
    asked us to slow down, or no sender is active; `save` keeps such messages pending, held
    until a backoff, for the reconciler), "failed" (refused), "unknown" (may or may not have
    gone: never resend blindly) or "taken" (another process holds these messages now and
    settles them). Right before each send the hold is renewed (the fence): a process that
    stalled past its lease finds its messages taken over and sends nothing more. Should the
    process die before the deliveries are saved, the messages stay pending and, once their
    hold expires, the reconciler looks them up at Twilio.
    """
    holder = holder or services.worker_id
    if not messages:
        return "sent", []
    try:
        with transaction(services.sessions) as session:
            mine = renew_holds(session, services, holder, [mid for mid, _ in messages])
            if messages[0][0] not in mine:
                return "taken", []
            # A message resent after a crash goes from the number its conversation began on.
            slots = services.senders.reserve(session, len(messages), services.clock(),
                                             prefer=mine[messages[0][0]] or prefer)
            session.execute(update(Message).where(
                Message.id.in_(list(mine)), Message.held_by == holder)
                .values(from_number=slots.sender))
    except NoSender as exc:
        log.error("cannot send: %s", exc)
        return "retry", [Delivery(mid, "retry", None, str(exc)) for mid, _ in messages]
    return _send_in_slots(services, _Fence(services, holder), to, messages, slots)


# A batch's slots are taken a quarter of a second's sending at a time (at least one
# recipient's): one transaction for a whole batch on a fast sender, and a worker that falls
# behind its slots never has more than that to send back to back on a slow one.
RESERVE_AHEAD_SECONDS = 0.25
Recipient = tuple[str, list[tuple[int, str]]]  # a phone, and the messages it gets in order


def deliver_batch(services: Services, recipients: list[Recipient], holder: str,
                  before_each: Callable[[], None] = lambda: None,
                  ) -> list[tuple[str, list[Delivery]]]:
    """`deliver` for many recipients' new messages (none has gone from a sender yet): the
    holds are renewed and the slots taken for a run of recipients in one transaction, not
    one per recipient. Returns each recipient's outcome and deliveries, in order;
    `before_each` runs before each recipient's sends (the dispatcher's heartbeat)."""
    results: list[tuple[str, list[Delivery]]] = []
    while len(results) < len(recipients):
        rest = recipients[len(results):]
        try:
            with transaction(services.sessions) as session:
                run = _reserve_run(session, services, holder, rest)
        except NoSender as exc:
            log.error("cannot send: %s", exc)
            return results + [("retry", [Delivery(mid, "retry", None, str(exc))
                                         for mid, _ in messages]) for _, messages in rest]
        fence = _Fence(services, holder)
        for (to, messages), slots in zip(rest, run, strict=False):
            before_each()
            if slots is None:
                results.append(("taken", []) if messages else ("sent", []))
            else:
                results.append(_send_in_slots(services, fence, to, messages, slots))
    return results


def _reserve_run(session: Session, services: Services, holder: str,
                 recipients: list[Recipient]) -> list[Slots | None]:
    """Slots for the leading recipients that the sender free soonest sends within
    RESERVE_AHEAD_SECONDS (at least the first), their holds renewed and that sender written on
    their messages; None for one with nothing to send or whose messages another process
    holds now (a reconciler that took them over settles them)."""
    sender = services.senders.choose(session, services.clock())
    budget, run = RESERVE_AHEAD_SECONDS * sender.per_second, 0
    for _, messages in recipients:
        if run and budget < len(messages):
            break
        run, budget = run + 1, budget - len(messages)
    leading = [messages for _, messages in recipients[:run]]
    held = renew_holds(session, services, holder,
                       [mid for messages in leading for mid, _ in messages])
    going = [messages if messages and messages[0][0] in held else [] for messages in leading]
    if not any(going):
        return [None] * run
    slots = iter(services.senders.take(session, sender, [len(m) for m in going if m]))
    session.execute(update(Message).where(
        Message.id.in_([mid for messages in going for mid, _ in messages]),
        Message.held_by == holder).values(from_number=sender.address))
    return [next(slots) if messages else None for messages in going]


def _send_in_slots(services: Services, fence: _Fence, to: str,
                   messages: list[tuple[int, str]], slots: Slots) -> tuple[str, list[Delivery]]:
    """One recipient's messages in order, each in its slot, stopping at the first not sent."""
    deliveries: list[Delivery] = []
    for index, (message_id, body) in enumerate(messages):
        delivery = _attempt(services, fence, message_id, to, body, slots, index)
        if delivery.outcome == "taken":
            return "taken", deliveries
        deliveries.append(delivery)
        if delivery.outcome != "sent":
            # Later messages make no sense without this one: they wait with it (a 429) or
            # are not sent at all (a refusal).
            follow = "retry" if delivery.outcome == "retry" else "skipped"
            if delivery.outcome != "unknown":
                deliveries += [Delivery(mid, follow, None, "an earlier message was not sent")
                               for mid, _ in messages[index + 1:]]
            return delivery.outcome, deliveries
    return "sent", deliveries


def renew_holds(session: Session, services: Services, holder: str,
                message_ids: list[int]) -> dict[int, str | None]:
    """Extend `holder`'s hold on these messages; returns the ones it still holds, with the
    sender each was meant to go from (None until one was chosen)."""
    if not message_ids:
        return {}
    return {row.id: row.from_number for row in session.execute(
        update(Message).where(Message.id.in_(message_ids), Message.held_by == holder,
                              Message.status.in_(UNSETTLED))
        .values(held_until=hold_expiry(services, services.clock()))
        .returning(Message.id, Message.from_number))}


def save(session: Session, deliveries: list[Delivery], now: datetime | None = None) -> None:
    """Outcomes onto the messages. One not sent for a passing reason ("retry") stays pending,
    held until a backoff, and the reconciler sends it then: it is never silently dropped."""
    messages = {m.id: m for m in session.scalars(
        select(Message).where(Message.id.in_([d.message_id for d in deliveries])))}
    for delivery in deliveries:
        message = messages[delivery.message_id]
        message.provider_sid, message.error = delivery.sid, delivery.error
        if delivery.outcome == "retry":
            message.status = "pending"
            message.held_until = (now or message.created_at) + RETRY_BACKOFF
            continue
        message.status = {"skipped": "failed"}.get(delivery.outcome, delivery.outcome)
        if delivery.sender:
            message.from_number = delivery.sender


def send_recorded(services: Services, to: str, messages: list[tuple[int, str]],
                  holder: str | None = None, prefer: str | None = None) -> str:
    """`deliver` and save at once, for callers with nothing else to write."""
    outcome, deliveries = deliver(services, to, messages, holder, prefer)
    if deliveries:
        with transaction(services.sessions) as session:
            save(session, deliveries, services.clock())
    return outcome


class _Fence:
    """Checked as late as possible: after the wait for a slot, just before the request. A
    hold renewed less than a quarter of a lease ago cannot have expired (a reconciler takes
    over only after a whole lease), so the check is skipped then: it costs a commit."""

    def __init__(self, services: Services, holder: str) -> None:
        self.services, self.holder = services, holder
        self.renewed = services.clock()  # `deliver` has just renewed the holds
        self.fresh_for = timedelta(seconds=services.settings.claim_lease_seconds) / 4

    def still_held(self, message_id: int) -> bool:
        if self.services.clock() - self.renewed < self.fresh_for:
            return True
        with transaction(self.services.sessions) as session:
            if not renew_holds(session, self.services, self.holder, [message_id]):
                return False
        self.renewed = self.services.clock()
        return True


def _attempt(services: Services, fence: _Fence, message_id: int, to: str, body: str,
             slots: Slots, index: int) -> Delivery:
    sender, moment = slots.sender, slots.time_of(index)
    for _ in range(RETRIES_ON_429 + 1):
        services.senders.wait_for(moment)
        if not fence.still_held(message_id):
            log.warning("SMS %s was taken over by a reconciler: not sent here", message_id)
            return Delivery(message_id, "taken", None, None)
        outcome, sid, error = outcome_of(
            lambda s=sender: services.sms.send(to, body, sender=s), "sent")  # type: ignore[misc]
        if outcome != "retry":
            break
        log.info("SMS %s: the carrier asked us to slow down; taking a later slot", message_id)
        try:
            with transaction(services.sessions) as session:
                later = services.senders.reserve(session, 1, services.clock(), prefer=sender)
        except NoSender:
            break
        sender, moment = later.sender, later.at
    if error:
        log.warning("SMS %s not sent (%s): %s", message_id, outcome, error)
    may_have_gone = outcome in ("sent", "unknown")
    return Delivery(message_id, outcome, sid, error, sender if may_have_gone else None)


def conversation_sender(session: Session, conversation_id: int | None) -> str | None:
    """The number a conversation's messages went from, so later ones go from it too."""
    if conversation_id is None:
        return None
    return session.scalar(select(Message.from_number).where(
        Message.conversation_id == conversation_id, Message.direction == "out",
        Message.from_number.is_not(None)).order_by(Message.id.desc()).limit(1))
