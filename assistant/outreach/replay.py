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
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError

from assistant.outreach.inbound import take_turn
from assistant.outreach.outage import DATABASE_AWAY, InboundSms
from assistant.outreach.outbox import pending_to, send_recorded
from assistant.outreach.spool import Spooled
from assistant.records.db import transaction

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


def replay_in_background(services: Services) -> None:
    """From a web request that found the database healthy and the spool not empty: replay
    without making that request (or Twilio) wait."""
    if _REPLAYING.locked():
        return
    threading.Thread(target=replay_spool, args=(services,), name="spool-replay",
                     daemon=True).start()


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
    sms = InboundSms(entry.sid, entry.from_number, entry.to_number, entry.body)
    received = datetime.fromisoformat(entry.received_at)
    try:
        with transaction(services.sessions) as session:
            replies, inbound = take_turn(services, session, sms, received)
            # What the patient was already told at once is not said again.
            fresh = [text for text in replies if text not in entry.replies]
            outbound = pending_to(services, sms.from_number, inbound.patient_id,
                                  inbound.conversation_id, fresh, services.clock(),
                                  reply_to_id=inbound.id)
            session.add_all(outbound)
            session.flush()
            to_send = [(message.id, message.body) for message in outbound]
    except IntegrityError:
        report.already_stored.append(entry.sid)
        return
    except DATABASE_AWAY:
        raise
    except Exception:
        # Kept for a person, as a live text that fails is (never dropped).
        log.exception("spooled SMS %s could not be replayed; keeping it for review", entry.sid)
        from assistant.outreach.inbound import keep_for_review

        keep_for_review(services, sms)
        report.failed.append(entry.sid)
        return
    send_recorded(services, sms.from_number, to_send)
    report.replayed.append(entry.sid)
