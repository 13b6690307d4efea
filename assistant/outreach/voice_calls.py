"""Check-ins by phone call: the same dialogue as SMS, spoken and listened to.

Twilio asks our webhooks what to do at each step of a call; each answer is TwiML. A turn is
keyed by the call SID and its number in the call, so a request Twilio repeats gets the same
TwiML and changes nothing. Keypad answers are turned into the words they stand for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant.conversation.chart import END_STATES
from assistant.conversation.escalation import evidence, raise_alert
from assistant.conversation.flows import Question
from assistant.conversation.turns import Turn
from assistant.foundation.business_days import BusinessCalendar
from assistant.foundation.office_hours import parse_office_hours
from assistant.outreach.twiml import speak_then_ask, speak_then_hang_up, speak_then_transfer
from assistant.records.db import transaction
from assistant.records.models import CheckIn, ContactAttempt, Conversation, Message, Patient
from assistant.records.phones import InvalidPhone, to_e164

if TYPE_CHECKING:  # the wiring (assistant.services) imports this module
    from assistant.services import Services

NOT_REACHED = ("busy", "no-answer", "failed", "canceled")
ASK_FOR_NURSE = "I want to talk to a nurse"


@dataclass(frozen=True)
class CallEvent:
    """What Twilio tells us about a call at one step."""

    call_sid: str
    from_number: str = ""
    to_number: str = ""
    answered_by: str = ""
    call_status: str = ""
    speech: str = ""
    confidence: float | None = None
    digits: str = ""


def keypad_text(question: Question | None, digits: str) -> str:
    """What keys stand for: 0 asks for a nurse; 1 and 2 are yes and no; on a scale with named
    points (PHQ-2) 1 is the first point; * is a decimal point; 8 digits for a date are month,
    day and year (day first in Spanish)."""
    if digits == "0":
        return ASK_FOR_NURSE
    if question is None:
        return digits
    if question.kind == "yes_no":
        return {"1": "yes", "2": "no"}.get(digits, digits)
    if question.kind == "scale" and question.choices and digits.isdigit():
        points = sorted(question.choices, key=int)
        index = int(digits) - 1
        return points[index] if 0 <= index < len(points) else digits
    if question.kind == "number":
        return digits.replace("*", ".")
    if question.kind == "date" and len(digits) == 8:
        return f"{digits[:2]}/{digits[2:4]}/{digits[4:]}"
    return digits


class VoiceCalls:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.calendar = BusinessCalendar(services.settings.holiday_calendar)
        self.office_hours = parse_office_hours(services.settings.office_hours)

    # -- the call is answered ---------------------------------------------------------------

    def answer(self, checkin_id: int, event: CallEvent) -> str:
        services = self.services
        now = services.clock()
        with transaction(services.sessions) as session:
            checkin = session.get(CheckIn, checkin_id)
            if checkin is None:
                return speak_then_hang_up([], "en")
            patient = checkin.episode.patient
            say = services.dialogue.wording.say
            if event.answered_by.startswith(("machine", "fax")):
                # Voicemail: who we are and the number, nothing about their health.
                self._set_outcome(session, event.call_sid, "voicemail")
                return speak_then_hang_up([say("voicemail", patient, "voice")],
                                          patient.language)
            if checkin.conversation is not None and checkin.conversation.ended_at is not None:
                return speak_then_hang_up([say("conversation_closed", patient, "voice")],
                                          patient.language)
            turn = services.dialogue.start(session, checkin, "voice", now)
            checkin.status = "sent"
            self._set_outcome(session, event.call_sid, "answered")
            conversation = checkin.conversation
            assert conversation is not None
            twiml = self._render(session, conversation, turn, event.call_sid, 1)
            self._record(session, conversation, None, turn.replies, twiml, now)
            return twiml

    # -- the patient said or keyed something ------------------------------------------------

    def gather(self, checkin_id: int, turn_number: int, event: CallEvent) -> str:
        key = f"{event.call_sid}:{turn_number}"
        try:
            with transaction(self.services.sessions) as session:
                return self._take_turn(session, checkin_id, turn_number, key, event)
        except IntegrityError:
            with self.services.sessions() as session:
                return self._answered_before(session, key)

    def _take_turn(self, session: Session, checkin_id: int, turn_number: int, key: str,
                   event: CallEvent) -> str:
        services = self.services
        now = services.clock()
        earlier = self._answered_before(session, key, default=None)
        if earlier is not None:
            return earlier
        checkin = session.get(CheckIn, checkin_id)
        conversation = checkin.conversation if checkin else None
        if checkin is None or conversation is None:
            return speak_then_hang_up([], "en")
        flow = services.versions.flow_of(checkin)
        question = flow.questions.get(conversation.state or "")
        text = keypad_text(question, event.digits) if event.digits else event.speech
        # Stored as what the patient did: "pressed 0", not the meaning we gave the key.
        did = f"pressed {event.digits}" if event.digits else event.speech
        inbound = Message(
            direction="in", channel="voice", from_number=event.from_number,
            to_number=event.to_number, body=did, provider_sid=key, status="received",
            created_at=now, patient_id=conversation.patient_id,
            conversation_id=conversation.id)
        session.add(inbound)
        session.flush()  # claims the turn: a repeated request waits here, then fails
        confidence = event.confidence if event.speech and not event.digits else None
        turn = services.dialogue.reply(session, conversation, text, inbound, "voice", now,
                                       confidence)
        twiml = self._render(session, conversation, turn, event.call_sid, turn_number + 1)
        self._record(session, conversation, inbound, turn.replies, twiml, now)
        return twiml

    def _answered_before(self, session: Session, key: str,
                         default: str | None = "") -> str | None:
        inbound = session.scalar(select(Message).where(Message.provider_sid == key))
        if inbound is None:
            return default
        reply = session.scalar(select(Message.twiml).where(Message.reply_to_id == inbound.id,
                                                           Message.twiml.is_not(None)))
        return reply or speak_then_hang_up([], "en")

    # -- a call back from the patient -------------------------------------------------------

    def incoming(self, event: CallEvent) -> str:
        services = self.services
        now = services.clock()
        say = services.dialogue.wording.say
        with transaction(services.sessions) as session:
            patient = self._caller(session, event.from_number)
            conversation = session.scalar(
                select(Conversation).where(Conversation.patient_id == patient.id,
                                           Conversation.ended_at.is_(None))
                .order_by(Conversation.last_activity_at.desc()).limit(1)
            ) if patient else None
            if patient is None or conversation is None:
                language = patient.language if patient else "en"
                greeting = say("line_greeting", patient, "voice")
                if self._office_open(now):
                    return speak_then_transfer([greeting, say("transfer", patient, "voice")],
                                               services.settings.transfer_number, language)
                return speak_then_hang_up([greeting], language)
            flow = services.versions.flow_of(conversation.checkin)
            question = flow.questions[conversation.state or ""]
            turn = Turn([say("hello_again", patient, "voice"),
                         services.dialogue.question_prompt(conversation, question, "voice")],
                        conversation.state or "")
            turns_so_far = session.scalar(select(func.count()).select_from(Message).where(
                Message.conversation_id == conversation.id, Message.direction == "in",
                Message.provider_sid.like(f"{event.call_sid}:%"))) or 0
            twiml = self._render(session, conversation, turn, event.call_sid, turns_so_far + 1)
            self._record(session, conversation, None, turn.replies, twiml, now)
            return twiml

    def _caller(self, session: Session, number: str) -> Patient | None:
        try:
            phone = to_e164(number, self.services.settings.default_region)
        except InvalidPhone:
            return None
        return session.scalar(select(Patient).where(Patient.phone == phone)
                              .order_by(Patient.id.desc()).limit(1))

    # -- how the call ended -----------------------------------------------------------------

    def status(self, event: CallEvent) -> None:
        """A call that did not reach the patient is tried again after a wait, up to the
        limit, then the fallback channel, then the patient is unreachable."""
        services = self.services
        now = services.clock()
        settings = services.settings
        with transaction(services.sessions) as session:
            attempt = session.scalar(select(ContactAttempt).where(
                ContactAttempt.detail == event.call_sid))
            if attempt is None:
                return
            voicemail = event.answered_by.startswith(("machine", "fax"))
            if event.call_status in NOT_REACHED:
                attempt.outcome = event.call_status
            elif voicemail:
                attempt.outcome = "voicemail"
            checkin = attempt.checkin
            reached = checkin.conversation is not None
            if reached or not (event.call_status in NOT_REACHED or voicemail):
                return
            calls = sum(1 for a in checkin.attempts if a.channel == "voice")
            if calls < settings.max_call_attempts:
                checkin.status = "scheduled"
                checkin.due_at = now + timedelta(minutes=settings.call_retry_minutes)
            elif checkin.fallback_channel:
                checkin.channel, checkin.fallback_channel = checkin.fallback_channel, None
                checkin.status, checkin.due_at = "scheduled", now
            else:
                checkin.status, checkin.ended_at = "unreachable", now
                raise_alert(
                    session, patient_id=checkin.episode.patient_id,
                    episode_id=checkin.episode_id, conversation_id=None, reason="unreachable",
                    severity="routine",
                    summary=f"Not reached by phone after {calls} calls; please call",
                    question_id=None, evidence=evidence(None, None, "(no answer)", None, now),
                    now=now)

    # -- helpers ----------------------------------------------------------------------------

    def _render(self, session: Session, conversation: Conversation, turn: Turn, call_sid: str,
                next_turn: int) -> str:
        patient = conversation.patient
        language = patient.language
        say = self.services.dialogue.wording.say
        if turn.transfer:
            if self._office_open(self.services.clock()):
                return speak_then_transfer([say("transfer", patient, "voice")],
                                           self.services.settings.transfer_number, language)
            # The same promise the turn made when it raised the alert: the roster's, not
            # the phone line's hours (the on-call nurse may be on duty after the line closes).
            promise = self.services.dialogue.person_promise(session, patient,
                                                            self.services.clock())
            when = self.services.dialogue.wording.when_words(promise, patient)
            return speak_then_hang_up([say("after_hours", patient, "voice", when=when)],
                                      language)
        if turn.state in END_STATES or not turn.replies:
            return speak_then_hang_up(turn.replies, language)
        flow = self.services.versions.flow_of(conversation.checkin)
        action = self.services.url(
            f"/twilio/voice/gather?checkin={conversation.checkin_id}&turn={next_turn}")
        return speak_then_ask(turn.replies[:-1], turn.replies[-1], action, language,
                              flow.questions.get(turn.state))

    def _record(self, session: Session, conversation: Conversation, inbound: Message | None,
                replies: list[str], twiml: str, now: datetime) -> None:
        session.add(Message(
            direction="out", channel="voice", body=" ".join(replies), status="sent",
            reply_to_id=inbound.id if inbound else None, twiml=twiml, created_at=now,
            patient_id=conversation.patient_id, conversation_id=conversation.id))

    def _set_outcome(self, session: Session, call_sid: str, outcome: str) -> None:
        attempt = session.scalar(select(ContactAttempt).where(ContactAttempt.detail == call_sid))
        if attempt is not None:
            attempt.outcome = outcome

    def _office_open(self, now: datetime) -> bool:
        return self.office_hours.open_at(now, self.services.settings.default_timezone,
                                         self.calendar)
