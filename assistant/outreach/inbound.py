"""An SMS from a patient: claim its SID once, find the conversation, take one turn.

Twilio may deliver the same message twice; the SID is claimed with a unique insert in the
same transaction as the turn, so a repeat gets the replies the first delivery produced and
nothing runs twice. If the turn fails, the raw message is still saved for a person to read.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from assistant.care_team.coordinator_sms import ack_number, answer, roster_user
from assistant.outreach.lean_turn import NOT_LEAN
from assistant.outreach.outage import InboundSms, answer_and_spool
from assistant.records.care_records import Caregiver
from assistant.records.db import DATABASE_AWAY, transaction
from assistant.records.models import CheckIn, Conversation, Episode, Message, Patient
from assistant.records.phones import InvalidPhone, to_e164

if TYPE_CHECKING:  # the wiring (assistant.services) imports this module
    from assistant.services import Services

log = logging.getLogger(__name__)
UNPARSED = "not parsed yet"  # `take_turn` parses the sender's number itself


__all__ = ["InboundSms", "keep_for_review", "receive_sms", "take_turn"]


def receive_sms(services: Services, sms: InboundSms, lean: bool = True,
                again: bool = False) -> list[str]:
    """The replies to send back (as TwiML); never raises for a patient's message. Without
    the database, the text goes to the spool and is answered from the text alone. `lean`:
    an answer in an open conversation takes the hot path (`lean_turn`), which stores the
    same rows as the ORM path; off only to compare the two. `again`: the turn is taken a
    second time, after it conflicted with another turn committed meanwhile."""
    committing = False
    try:
        with transaction(services.sessions) as session:
            now = services.clock()
            phone = _e164(services, sms.from_number)  # parsed once for the whole turn
            replies = _lean_turn(services, session, sms, phone, now) if lean else None
            if replies is None:
                replies, inbound = take_turn(services, session, sms, now, phone=phone)
                _store_replies(session, sms, inbound, replies, now)
            committing = True  # a failure from here on may have been committed after all
            return replies
    except NOT_LEAN as error:
        if not lean:  # the ORM path itself failed so: like any other failure, not retried
            log.exception("inbound SMS %s could not be processed; keeping it for review",
                          sms.sid)
            return keep_for_review(services, sms)
        # Something the hot path does not carry: rolled back, taken again the general way.
        _left_hot_path(sms.sid, error)
        return receive_sms(services, sms, lean=False, again=again)
    except IntegrityError:
        # Another delivery of the same SID committed first: answer as it did. Any other
        # conflict is no repeat (two texts answering one question at once): the turn is
        # taken again, seeing the other's answer now; a second conflict is kept for review.
        try:
            with transaction(services.sessions) as session:
                if session.scalar(select(Message.id).where(Message.provider_sid == sms.sid)):
                    return _replies_to(session, sms.sid)
        except DATABASE_AWAY:
            return answer_and_spool(services, sms)
        if not again:
            log.warning("inbound SMS %s conflicted with another turn; taken again", sms.sid)
            return receive_sms(services, sms, lean, again=True)
        log.exception("inbound SMS %s conflicted with another turn; keeping it for review",
                      sms.sid)
        return keep_for_review(services, sms)
    except DATABASE_AWAY:
        log.error("database away: inbound SMS %s kept in the spool", sms.sid)
        return answer_and_spool(services, sms, maybe_stored=committing)
    except Exception:
        log.exception("inbound SMS %s could not be processed; keeping it for review", sms.sid)
        return keep_for_review(services, sms)


def _left_hot_path(sid: str, error: Exception) -> None:
    """Worth knowing (the hot path should carry every turn), never worth a lost answer; the
    tests fail on it unless they expect it."""
    log.warning("inbound SMS %s left the hot path (%s); taken on the ORM path", sid, error)


def _lean_turn(services: Services, session: Session, sms: InboundSms, phone: str | None,
               now: datetime) -> list[str] | None:
    """A patient's answer in an open conversation, on the hot path; None for anything else
    (a text from the care team, "ACK 12", no conversation open on the phone)."""
    if phone is None or _may_be_coordinator(services, session, sms, phone):
        return None
    return services.lean_turns.take(services, session, sms, phone, now)


def _may_be_coordinator(services: Services, session: Session, sms: InboundSms,
                        phone: str) -> bool:
    """"ACK 12" from anyone, or any text from a phone the roster may hold: the user row
    decides (`roster_user`)."""
    return ack_number(sms.body) is not None or services.roster.may_be_on_roster(session, phone)


def take_turn(services: Services, session: Session, sms: InboundSms,
              now: datetime, outside: bool = False,
              phone: str | None = UNPARSED) -> tuple[list[str], Message]:
    """Store the text (claiming its SID) and take the turn it starts; the caller stores or
    sends the replies. `outside`: read it as a text between check-ins, whatever is open.
    `phone`: the sender's number as E.164 (None: not a valid number), if already parsed."""
    # No look-up of the SID first: storing the inbound message claims it, and a repeat
    # delivery fails there (IntegrityError) before anything else is written.
    if phone == UNPARSED:
        phone = _e164(services, sms.from_number)
    coordinator = roster_user(session, phone) \
        if phone is not None and _may_be_coordinator(services, session, sms, phone) else None
    if coordinator is not None or ack_number(sms.body) is not None:
        # A coordinator answering a notification; "ACK 12" from anyone else gets nothing.
        inbound = _store_inbound(session, sms, now, None, None)
        return (answer(session, coordinator, sms.body, now) if coordinator else []), inbound
    conversation, patient, caregiver = _find_conversation(session, phone)
    if outside and conversation is not None:
        conversation = None
    inbound = _store_inbound(session, sms, now, patient, conversation)
    if conversation is not None:
        replies = services.dialogue.reply(session, conversation, sms.body, inbound, "sms",
                                          now).replies
    else:
        replies = services.dialogue.outside_conversation(session, patient, sms.body, inbound,
                                                         "sms", now, caregiver)
    return replies, inbound


def _store_inbound(session: Session, sms: InboundSms, now: datetime, patient: Patient | None,
                   conversation: Conversation | None) -> Message:
    inbound = Message(
        direction="in", channel="sms", from_number=sms.from_number, to_number=sms.to_number,
        body=sms.body, provider_sid=sms.sid, status="received", created_at=now, raw=sms.raw,
        patient_id=patient.id if patient else None,
        conversation_id=conversation.id if conversation else None,
    )
    session.add(inbound)
    session.flush()  # claims the SID: a concurrent duplicate waits here, then fails
    return inbound


def _store_replies(session: Session, sms: InboundSms, inbound: Message, replies: list[str],
                   now: datetime) -> None:
    for text in replies:
        session.add(Message(
            direction="out", channel="sms", from_number=sms.to_number, to_number=sms.from_number,
            body=text, status="sent", reply_to_id=inbound.id, created_at=now,
            patient_id=inbound.patient_id, conversation_id=inbound.conversation_id,
        ))


def _e164(services: Services, number: str) -> str | None:
    return _parsed_phone(number, services.settings.default_region)


@lru_cache(maxsize=4096)
def _parsed_phone(number: str, region: str) -> str | None:
    """A sender's number as E.164 (None: not a phone number), parsed once per number: the
    same patients text again and again."""
    try:
        return to_e164(number, region)
    except InvalidPhone:
        return None


def _find_conversation(
    session: Session, phone: str | None
) -> tuple[Conversation | None, Patient | None, Caregiver | None]:
    """The open conversation on this phone, else the patient it belongs to, and the
    caregiver when the phone is one who answers for the patient."""
    if phone is None:
        return None, None, None
    # The patient's own phone, or the phone of the caregiver answering for them.
    answering = select(Caregiver.id).where(  # a caregiver who answers for the patient
        Caregiver.phone == phone, Caregiver.active.is_(True), Caregiver.consent.is_(True),
        Caregiver.is_proxy.is_(True))
    conversation = session.scalars(
        select(Conversation)
        # Two index look-ups (the phone's patients, its answering caregivers), no scan.
        .where(or_(Conversation.patient_id.in_(select(Patient.id).where(Patient.phone == phone)),
                   Conversation.respondent_id.in_(answering)),
               Conversation.ended_at.is_(None))
        .order_by(Conversation.last_activity_at.desc(), Conversation.id.desc())
        .limit(1)
        # The turn reads all of these; loading them here saves a query each.
        .options(joinedload(Conversation.patient),
                 joinedload(Conversation.checkin).joinedload(CheckIn.episode)
                 .joinedload(Episode.medications))
    ).unique().first()
    if conversation is not None:
        return conversation, conversation.patient, None
    patient = session.scalar(
        select(Patient).where(Patient.phone == phone).order_by(Patient.id.desc()).limit(1))
    if patient is not None:
        return None, patient, None
    # A caregiver who answers for a patient, texting between check-ins.
    caregiver = session.scalar(
        select(Caregiver).where(Caregiver.phone == phone, Caregiver.active.is_(True),
                                Caregiver.is_proxy.is_(True), Caregiver.consent.is_(True))
        .order_by(Caregiver.patient_id.desc()).limit(1))
    return None, (caregiver.patient if caregiver else None), caregiver


def _replies_to(session: Session, sid: str) -> list[str]:
    inbound = session.scalar(select(Message).where(Message.provider_sid == sid))
    if inbound is None:
        return []
    return list(session.scalars(
        select(Message.body).where(Message.reply_to_id == inbound.id).order_by(Message.id)
    ))


def keep_for_review(services: Services, sms: InboundSms) -> list[str]:
    holding = services.prompts.render("holding_reply", "en", "sms")
    try:
        with transaction(services.sessions) as session:
            if session.scalar(select(Message.id).where(Message.provider_sid == sms.sid)):
                return _replies_to(session, sms.sid) or [holding]
            inbound = Message(
                direction="in", channel="sms", from_number=sms.from_number,
                to_number=sms.to_number, body=sms.body, provider_sid=sms.sid, status="error",
                raw=sms.raw,
                error="processing failed; see the server log", created_at=services.clock(),
            )
            session.add(inbound)
            session.flush()
            session.add(Message(
                direction="out", channel="sms", from_number=sms.to_number,
                to_number=sms.from_number, body=holding, status="sent", reply_to_id=inbound.id,
                created_at=services.clock(),
            ))
    except Exception:
        log.exception("could not even store inbound SMS %s; spooling it", sms.sid)
        return answer_and_spool(services, sms)
    return [holding]
