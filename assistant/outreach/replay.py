"""Replaying the spool once the database is back (see `spool` for why it exists).

Each spooled text goes through the same turn as a live one, claimed by its Twilio SID, so a
text already stored (a replay cut short and run again, or Twilio's own retry that reached a
healthy server) is skipped. The conversation's answers are recorded as outbound messages held
by this process in the same transaction, then sent through the outbox: a crash between the two
leaves pending messages for the reconciler, never a text answered twice.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant.conversation.escalation import evidence, raise_alert
from assistant.conversation.turns import latest_episode
from assistant.outreach.inbound import take_turn
from assistant.outreach.outage import InboundSms
from assistant.outreach.outbox import (
    conversation_sender,
    hold_expiry,
    pending_to,
    send_recorded,
)
from assistant.outreach.spool import Spooled
from assistant.records.db import DATABASE_AWAY, transaction
from assistant.records.models import Message, Patient

if TYPE_CHECKING:  # the wiring (assistant.services) imports this module
    from assistant.services import Services

log = logging.getLogger(__name__)
MAX_ROUNDS = 20  # a tick's worth; whatever arrives later waits for the next replay


@dataclass
class ReplayReport:
    replayed: list[str] = field(default_factory=list)  # SIDs
    already_stored: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


_REPLAYING = threading.Lock()  # one replay at a time in a process (files are shared via rename)
_WATCHING = threading.Lock()  # guards `_watcher`
_watcher: list[threading.Thread] = []


def keep_replaying(services: Services) -> None:
    """Replay in the background, at once and then every `spool_replay_seconds`, until the
    spool is empty: a web host's spool is its own, so no other process will, and nobody
    should have to text again before the spooled ones are answered. One watcher a process."""
    seconds = services.settings.spool_replay_seconds
    if seconds <= 0:
        return  # replayed by the worker's tick (same host) or `carecall spool replay` only
    with _WATCHING:
        if _watcher and _watcher[0].is_alive():
            return
        thread = threading.Thread(target=_watch, args=(services, seconds), name="spool-replay",
                                  daemon=True)
        _watcher[:] = [thread]
        thread.start()


def _watch(services: Services, seconds: int) -> None:
    while True:
        try:
            replay_spool(services)
        except Exception:
            log.exception("spool replay failed; trying again in %ss", seconds)
        with _WATCHING:
            # Checked under the lock `keep_replaying` takes: a text spooled just now either
            # is seen here or starts a new watcher.
            if not services.spool.has_waiting():
                _watcher.clear()
                return
        time.sleep(seconds)


def replay_spool(services: Services) -> ReplayReport:
    """Replay what the spool holds; stops at the first sign the database is away again."""
    report = ReplayReport()
    if not _REPLAYING.acquire(blocking=False):
        return report
    try:
        _replay_files(services, report)
    finally:
        _REPLAYING.release()
    if report.replayed or report.failed:
        log.warning("spool replayed: %s", report)
    return report


def _replay_files(services: Services, report: ReplayReport) -> None:
    """Round after round: texts keep joining the spool while it is replayed."""
    for _ in range(MAX_ROUNDS):
        with services.spool.replay() as files:
            if not files:
                return
            for path, entries in files:
                for entry in entries:
                    try:
                        _replay_one(services, entry, report)
                    except DATABASE_AWAY:
                        log.warning("database away again: the spool keeps %s", path.name)
                        return
                path.unlink(missing_ok=True)


def _replay_one(services: Services, entry: Spooled, report: ReplayReport) -> None:
    sms = InboundSms(entry.sid, entry.from_number, entry.to_number, entry.body, entry.raw)
    received = datetime.fromisoformat(entry.received_at)
    try:
        with transaction(services.sessions) as session:
            # A later text of this patient was taken live first: this one must not be read as
            # the answer to whatever is asked now. It is read as a text between check-ins
            # (the safety net still raises its alerts) and kept in the patient's record.
            overtaken = session.scalar(select(Message.id).where(
                Message.direction == "in", Message.from_number == sms.from_number,
                Message.created_at > received).limit(1)) is not None
            replies, inbound = take_turn(services, session, sms, received, outside=overtaken)
            if overtaken:
                _ask_a_person_to_read(session, inbound, sms.body, received)
            # What the patient was already told at once is not said again.
            fresh = [text for text in replies if text not in entry.replies]
            outbound = pending_to(services, sms.from_number, inbound.patient_id,
                                  inbound.conversation_id, fresh, services.clock(),
                                  reply_to_id=inbound.id)
            session.add_all(outbound)
            session.flush()
            to_send = [(message.id, message.body) for message in outbound]
            sender = conversation_sender(session, inbound.conversation_id)
    except IntegrityError:
        _already_stored(services, entry, sms, report)
        return
    except DATABASE_AWAY:
        raise
    except Exception:
        _keep_for_review(services, sms, report)
        return
    send_recorded(services, sms.from_number, to_send, prefer=sender)
    report.replayed.append(entry.sid)


def _ask_a_person_to_read(session: Session, inbound: Message, text: str,
                          received: datetime) -> None:
    """An overtaken text may have answered a warning-sign question ("yes" to chest pain):
    not taken as an answer, so a nurse reads it today."""
    patient = session.get(Patient, inbound.patient_id) if inbound.patient_id else None
    episode = latest_episode(session, patient) if patient else None
    if patient is None or episode is None:
        return
    raise_alert(session, patient_id=patient.id, episode_id=episode.id, conversation_id=None,
                reason="late_text", severity="urgent",
                summary="A text kept during an outage arrived after later ones: please read it",
                question_id=None, evidence=evidence(None, None, text, inbound.id, received),
                now=received)


def _already_stored(services: Services, entry: Spooled, sms: InboundSms,
                    report: ReplayReport) -> None:
    """Its SID is stored: a replay run again, Twilio's own retry, or a commit that took
    effect although the connection broke before it said so. In that last case the answers
    were stored as TwiML that never reached the patient (who got the outage reply instead):
    they are sent now, through the outbox."""
    holder = services.worker_id
    to_send: list[tuple[int, str]] = []
    sender = None
    with transaction(services.sessions) as session:
        inbound = session.scalar(select(Message).where(Message.provider_sid == sms.sid))
        # Only a text whose commit was in doubt has answers stored but never delivered; any
        # other stored text was answered by its own TwiML (a duplicate delivery).
        if inbound is not None and entry.maybe_stored:
            unsent = list(session.scalars(select(Message).where(
                Message.reply_to_id == inbound.id, Message.direction == "out",
                Message.held_by.is_(None), Message.provider_sid.is_(None),
                Message.status == "sent").order_by(Message.id)))
            for message in unsent:
                if message.body in entry.replies:
                    continue  # already said at once, by the outage reply
                message.status, message.held_by = "pending", holder
                message.held_until = hold_expiry(services, services.clock())
                to_send.append((message.id, message.body))
            sender = conversation_sender(session, inbound.conversation_id)
    if inbound is None:  # another constraint failed: the text is not stored at all
        _keep_for_review(services, sms, report)
        return
    if to_send:
        send_recorded(services, sms.from_number, to_send, holder, prefer=sender)
    report.already_stored.append(entry.sid)


def _keep_for_review(services: Services, sms: InboundSms, report: ReplayReport) -> None:
    """Kept for a person, as a live text that fails is (never dropped)."""
    log.exception("spooled SMS %s could not be replayed; keeping it for review", sms.sid)
    from assistant.outreach.inbound import keep_for_review

    keep_for_review(services, sms)
    report.failed.append(sms.sid)
