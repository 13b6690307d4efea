"""Claim due check-ins and send their first messages, each exactly once.

A claim is a conditional update (`... WHERE status = 'scheduled'`) whose row count says who
won, which is safe on SQLite and PostgreSQL alike; on PostgreSQL the candidates are also read
with `FOR UPDATE SKIP LOCKED`, so concurrent workers pick disjoint rows instead of queueing
on the same ones. The outbound message is recorded before Twilio is called.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, selectinload

from assistant.conversation.turns import Turn
from assistant.outreach.contact_policy import earliest_contact, recent_contacts
from assistant.outreach.outbox import (
    RETRY_BACKOFF,
    Delivery,
    default_worker_id,
    deliver_batch,
    hold_expiry,
    pending_messages,
    save,
)
from assistant.outreach.pace import batch_size
from assistant.records.care_records import Caregiver
from assistant.records.db import DATABASE_AWAY, is_sqlite, transaction
from assistant.records.models import (
    CheckIn,
    ContactAttempt,
    Conversation,
    Episode,
    Message,
    Patient,
)
from assistant.telephony.channels import outcome_of

if TYPE_CHECKING:  # the wiring (assistant.services) imports this module
    from assistant.services import Services

log = logging.getLogger(__name__)

__all__ = ["DispatchReport", "claim_due", "default_worker_id", "dispatch_due"]


@dataclass
class DispatchReport:
    claimed: list[int] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    deferred: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    size: int = 0  # the most this batch could have claimed

    @property
    def more_due(self) -> bool:
        """The batch was full and went somewhere (sent, or cancelled or put off till a
        later time): more may be due now. A batch that only failed waits for the next tick:
        a carrier refusing everything is not asked again at once."""
        return bool(self.size and len(self.claimed) >= self.size
                    and (self.sent or self.cancelled or self.deferred))


def claim_due(services: Services, worker_id: str, limit: int | None = None) -> list[int]:
    """Claim at most `limit` due check-ins (by default, and never more than, a batch the
    senders can send: `pace.batch_size`)."""
    return _claim(services, worker_id, limit)[0]


def _claim(services: Services, worker_id: str, limit: int | None) -> tuple[list[int], int]:
    """The check-ins claimed, and how many could have been (a full batch: more may be due)."""
    now = services.clock()
    with transaction(services.sessions) as session:
        size = batch_size(session, services, worker_id, now)
        limit = size if limit is None else min(limit, size)
        candidates = (
            select(CheckIn.id)
            .where(CheckIn.status == "scheduled", CheckIn.due_at <= now)
            .order_by(CheckIn.due_at, CheckIn.id)
            .limit(limit)
        )
        if not is_sqlite(services.engine):
            candidates = candidates.with_for_update(skip_locked=True)
        ids = session.scalars(candidates).all()
        if not ids:
            return [], limit
        # One conditional update for the lot: only rows still scheduled are taken, and
        # RETURNING says which (another worker may have taken some on SQLite).
        won = set(session.scalars(
            update(CheckIn)
            .where(CheckIn.id.in_(ids), CheckIn.status == "scheduled")
            .values(status="claimed", claimed_by=worker_id, claimed_at=now)
            .returning(CheckIn.id)))
        return [checkin_id for checkin_id in ids if checkin_id in won], limit


class Heartbeat:
    """Renews a worker's claims and holds while it sends, so a batch slowed by the carrier
    (or by other workers sharing its senders) is not taken for a dead worker's."""

    def __init__(self, services: Services, worker_id: str, checkin_ids: list[int],
                 message_ids: list[int]) -> None:
        self.services, self.worker_id, self.checkin_ids = services, worker_id, checkin_ids
        self.message_ids = message_ids  # this batch's only: older unknown ones get settled
        self.every = services.settings.claim_lease_seconds / 4
        self.last = time.monotonic()

    def beat(self) -> None:
        if time.monotonic() - self.last < self.every:
            return
        now = self.services.clock()
        with transaction(self.services.sessions) as session:
            session.execute(update(CheckIn).where(
                CheckIn.id.in_(self.checkin_ids), CheckIn.claimed_by == self.worker_id,
                CheckIn.status == "claimed").values(claimed_at=now))
            session.execute(update(Message).where(
                Message.id.in_(self.message_ids), Message.held_by == self.worker_id,
                Message.status == "pending").values(held_until=hold_expiry(self.services, now)))
        self.last = time.monotonic()


def dispatch_due(services: Services, worker_id: str | None = None,
                 limit: int | None = None) -> DispatchReport:
    """One tick of the dispatcher: claim what is due and send each first message.

    The batch is prepared in one transaction (conversations opened, messages and contact
    attempts recorded), sent, then its outcomes saved in one more: a handful of commits per
    batch rather than per check-in. Whatever happens between the two, the reconciler finds
    the recorded messages and asks the carrier before anything is sent again.
    """
    holder = worker_id or default_worker_id()
    claimed, size = _claim(services, holder, limit)
    report = DispatchReport(claimed=claimed, size=size)
    if not report.claimed:
        return report
    try:
        prepared = _prepare(services, report.claimed, report, holder)
    except DATABASE_AWAY:
        raise  # no point preparing them one at a time: all stay claimed for the reconciler
    except Exception:
        # One bad check-in must not hold up the others: prepare them one at a time.
        log.exception("Preparing a batch of %d check-ins failed; retrying one by one",
                      len(report.claimed))
        report = DispatchReport(claimed=report.claimed, size=size)
        prepared = []
        for checkin_id in report.claimed:
            try:
                prepared += _prepare(services, [checkin_id], report, holder)
            except DATABASE_AWAY:
                raise
            except Exception:
                log.exception("Check-in %s could not be prepared; left claimed for the "
                              "reconciler", checkin_id)
                report.failed.append(checkin_id)
    heartbeat = Heartbeat(services, holder, report.claimed,
                          [message_id for item in prepared for message_id, _ in item.messages])
    texted = [item for item in prepared if item.channel != "voice"]
    for item in prepared:
        if item.channel == "voice":
            heartbeat.beat()
            outcome = _place_call(services, item.checkin_id, item.attempt_id, item.to)
            getattr(report, outcome).append(item.checkin_id)
    outcomes = deliver_batch(services, [(item.to, item.messages) for item in texted], holder,
                             before_each=heartbeat.beat)
    if texted:
        _save_outcomes(services, [(item, *outcome) for item, outcome in zip(texted, outcomes,
                                                                          strict=True)],
                       report)
    return report


@dataclass(frozen=True)
class _Prepared:
    checkin_id: int
    channel: str
    to: str
    attempt_id: int
    messages: list[tuple[int, str]]


@dataclass
class _Batch:
    """What preparing a batch needs to know about its patients, read once for all of them
    and kept up to date as the batch adds to it."""

    contacts: dict[int, list[datetime]]  # counted contacts of the last 7 days
    open_conversations: dict[int, list[Conversation]]
    # Phones this batch has started a conversation on: one open check-in per phone.
    phones: set[str] = field(default_factory=set)
    # Each patient's caregiver who answers for them (None: the patient answers).
    proxies: dict[int, Caregiver | None] = field(default_factory=dict)
    # Phone → the patients with a check-in open on it (their own phone or their proxy's).
    busy: dict[str, set[int]] = field(default_factory=dict)


def _prepare(services: Services, checkin_ids: list[int], report: DispatchReport,
             holder: str) -> list[_Prepared]:
    now = services.clock()
    prepared = []
    with transaction(services.sessions) as session:
        loaded, batch = _load(session, checkin_ids, now)
        admitted = []
        for checkin_id in checkin_ids:
            outcome = _admit(session, services, loaded[checkin_id], batch, now)
            if isinstance(outcome, str):
                getattr(report, outcome).append(checkin_id)
            else:
                admitted.append((loaded[checkin_id], *outcome))
        # Written a table at a time (one multi-row statement each), not a check-in at a time.
        session.flush()
        messages = {checkin.id: pending_messages(services, checkin.episode.patient,
                                                 checkin.conversation.id, turn.replies, now,
                                                 holder, to=_to(checkin, batch))
                    for checkin, _, turn in admitted if turn is not None
                    and checkin.conversation is not None}
        session.add_all([message for batch_messages in messages.values()
                         for message in batch_messages])
        session.flush()
        for checkin, attempt, _ in admitted:
            prepared.append(_Prepared(
                checkin.id, checkin.channel, _to(checkin, batch), attempt.id,
                [(m.id, m.body) for m in messages.get(checkin.id, [])]))
    return prepared


def _to(checkin: CheckIn, batch: _Batch) -> str:
    """The patient's phone, or the caregiver's who answers for them."""
    conversation = checkin.conversation
    caregiver = conversation.respondent if conversation is not None else batch.proxies.get(
        checkin.episode.patient_id)
    return caregiver.phone if caregiver is not None and caregiver.can_answer \
        and caregiver.phone else checkin.episode.patient.phone


def _load(session: Session, checkin_ids: list[int],
          now: datetime) -> tuple[dict[int, CheckIn], _Batch]:
    """The check-ins with all the turn reads, and their patients' recent contacts and open
    conversations: a handful of queries for the whole batch."""
    loaded = {c.id: c for c in session.scalars(
        select(CheckIn).where(CheckIn.id.in_(checkin_ids)).options(
            selectinload(CheckIn.episode).selectinload(Episode.patient),
            selectinload(CheckIn.episode).selectinload(Episode.medications),
            selectinload(CheckIn.episode).selectinload(Episode.appointments),
            selectinload(CheckIn.conversation), selectinload(CheckIn.flow_version)))}
    patient_ids = sorted({c.episode.patient_id for c in loaded.values()})
    batch = _Batch(recent_contacts(session, patient_ids, now), {})
    for conversation in session.scalars(select(Conversation).where(
            Conversation.patient_id.in_(patient_ids), Conversation.ended_at.is_(None))
            .options(selectinload(Conversation.checkin).selectinload(CheckIn.flow_version),
                     selectinload(Conversation.patient))):
        batch.open_conversations.setdefault(conversation.patient_id, []).append(conversation)
    _load_phones(session, loaded.values(), batch)
    return loaded, batch


def _load_phones(session: Session, checkins: Iterable[CheckIn], batch: _Batch) -> None:
    """The batch's proxies and which of its phones already have a check-in open: two
    queries for the whole batch."""
    patients = {c.episode.patient_id: c.episode.patient for c in checkins}
    for caregiver in session.scalars(select(Caregiver).where(
            Caregiver.patient_id.in_(patients), Caregiver.active.is_(True),
            Caregiver.consent.is_(True), Caregiver.is_proxy.is_(True),
            Caregiver.phone.is_not(None)).order_by(Caregiver.id)):
        batch.proxies.setdefault(caregiver.patient_id, caregiver)
    phones = {p.phone for p in patients.values()} | {
        c.phone for c in batch.proxies.values() if c is not None and c.phone}
    for patient_id, own, answering in session.execute(
            select(Conversation.patient_id, Patient.phone, Caregiver.phone)
            .join(Patient, Conversation.patient_id == Patient.id)
            .outerjoin(Caregiver, (Conversation.respondent_id == Caregiver.id)
                       & Caregiver.active.is_(True) & Caregiver.consent.is_(True)
                       & Caregiver.is_proxy.is_(True))
            .where(Conversation.ended_at.is_(None),
                   or_(Patient.phone.in_(phones), Caregiver.phone.in_(phones)))):
        for phone in (own, answering):
            if phone:
                batch.busy.setdefault(phone, set()).add(patient_id)


def _admit(session: Session, services: Services, checkin: CheckIn, batch: _Batch,
           now: datetime) -> tuple[ContactAttempt, Turn | None] | str:
    """Decide whether the check-in may go now and, if so, open its conversation (a call's
    opens when the patient answers); returns "cancelled" or "deferred" otherwise."""
    patient = checkin.episode.patient
    if patient.opted_out_at is not None:
        checkin.status, checkin.ended_at = "cancelled", now
        checkin.cancel_reason = "opted_out"
        return "cancelled"
    contacts = batch.contacts.setdefault(patient.id, [])
    allowed = earliest_contact(services.settings, patient, now, contacts)
    if allowed > now:
        # Over the contact limit or outside the patient's hours: try again when allowed.
        checkin.status, checkin.due_at, checkin.claimed_by = "scheduled", allowed, None
        return "deferred"
    # A new check-in closes the patient's earlier one still open: its greeting says hello
    # again, so the old question is simply not pursued.
    still_open = batch.open_conversations.setdefault(patient.id, [])
    for older in [c for c in still_open if c.checkin_id != checkin.id]:
        services.dialogue.expire(session, older, "sms", now)
        still_open.remove(older)
    to = _to(checkin, batch)
    if to in batch.phones or batch.busy.get(to, set()) - {patient.id}:
        # A caregiver answering for two parents (or a patient who answers for his wife)
        # gets one check-in at a time: a reply could not say which patient it is about.
        checkin.status, checkin.claimed_by = "scheduled", None
        checkin.due_at = now + PHONE_BUSY_WAIT
        return "deferred"
    batch.phones.add(to)
    checkin.attempt += 1
    # The attempt is written before the send, and counted at once, so a second check-in of
    # the same patient in this batch is held to the contact limits.
    attempt = ContactAttempt(checkin=checkin, patient_id=patient.id, kind="checkin",
                             channel=checkin.channel, started_at=now,
                             outcome="placing" if checkin.channel == "voice" else "sending")
    session.add(attempt)
    contacts.append(now)
    if checkin.channel == "voice":
        return attempt, None
    turn = services.dialogue.start(session, checkin, "sms", now, flush=False,
                                   respondent=batch.proxies.get(patient.id))
    if checkin.conversation is not None and checkin.conversation not in still_open:
        still_open.append(checkin.conversation)
    return attempt, turn


PHONE_BUSY_WAIT = timedelta(minutes=30)


def _save_outcomes(services: Services, sent: list[tuple[_Prepared, str, list[Delivery]]],
                   report: DispatchReport) -> None:
    with transaction(services.sessions) as session:
        checkins = {c.id: c for c in session.scalars(
            select(CheckIn).where(CheckIn.id.in_([item.checkin_id for item, _, _ in sent])))}
        attempts = {a.id: a for a in session.scalars(
            select(ContactAttempt).where(
                ContactAttempt.id.in_([item.attempt_id for item, _, _ in sent])))}
        now = services.clock()
        save(session, [delivery for _, _, deliveries in sent for delivery in deliveries], now)
        for item, status, deliveries in sent:
            checkin = checkins[item.checkin_id]
            if status == "taken":
                continue  # a reconciler holds its messages now and finishes the check-in
            attempts[item.attempt_id].outcome = status
            if status != "sent":
                checkin.last_error = f"first message {status}"
            if status == "sent" or any(d.outcome == "sent" for d in deliveries):
                # Once the greeting is out the conversation has begun; a later message that
                # failed is not a reason to greet the patient again.
                checkin.status, checkin.sent_at = "sent", services.clock()
                (report.sent if status == "sent" else report.failed).append(checkin.id)
                continue
            # A refusal Twilio says is temporary goes back in the queue; a definite refusal
            # means the patient cannot be reached by SMS; an unclear outcome stays claimed for
            # reconciliation, because sending it again could text the patient twice.
            checkin.status = {"retry": "scheduled", "failed": "unreachable"}.get(status,
                                                                               "claimed")
            if status == "retry":
                # Nothing went out: the check-in starts afresh after a backoff (no worker
                # claims it again at once), and its unsent messages are not sent on their own.
                checkin.due_at, checkin.claimed_by = now + RETRY_BACKOFF, None
                session.execute(update(Message).where(
                    Message.id.in_([d.message_id for d in deliveries]))
                    .values(status="failed", error="not sent: the check-in was rescheduled"))
            report.failed.append(checkin.id)


def _place_call(services: Services, checkin_id: int, attempt_id: int, to: str) -> str:
    """Ring the patient; the conversation starts when they answer (the answer webhook)."""
    outcome, sid, error = outcome_of(lambda: services.voice.call(
        to, services.url(f"/twilio/voice/answer?checkin={checkin_id}"),
        services.url("/twilio/voice/status")), "placed")
    with transaction(services.sessions) as session:
        checkin = session.get_one(CheckIn, checkin_id)
        attempt = session.get_one(ContactAttempt, attempt_id)
        attempt.outcome, attempt.detail = outcome, sid or error
        if outcome == "placed":
            checkin.status, checkin.sent_at = "sent", services.clock()
            return "sent"
        checkin.last_error = f"call {outcome}: {error}"
        if outcome == "retry":
            checkin.status = "scheduled"
        elif outcome == "failed" and checkin.fallback_channel:
            checkin.channel, checkin.fallback_channel = checkin.fallback_channel, None
            checkin.status = "scheduled"
        else:
            checkin.status = "unreachable" if outcome == "failed" else "claimed"
        return "failed"
