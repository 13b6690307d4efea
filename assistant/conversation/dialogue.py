"""One turn of a check-in conversation: understand the reply, apply the rules, say what's next.

The conversation row holds the chart's state, so any process can take the next turn. Each turn
runs inside the caller's transaction: the answer, the alerts, the new state and the replies are
saved together or not at all.

The order of a turn is the order of what matters: a red flag anywhere in the message first
(emergency instruction, alert, hand-over), then keywords (STOP, START, HELP, asking for a
person), then the answer to the question asked.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.care_team.caregivers import proxy_for
from assistant.care_team.promises import CallPromise, Promises
from assistant.conversation.answer_facts import episode_facts, prompt_values
from assistant.conversation.answer_turn import AnswerTurn
from assistant.conversation.chart import END_STATES, ChartCache
from assistant.conversation.escalation import evidence, raise_alert
from assistant.conversation.flow_versions import FlowVersions
from assistant.conversation.flows import Question
from assistant.conversation.keywords import asks_for_person, keyword
from assistant.conversation.turns import (
    Turn,
    caregiver_opt_out,
    emergency_prompts,
    finish_conversation,
    id_of,
    latest_episode,
    opt_out_alert,
    person_alert,
    safety_check_alerts_and_words,
    skip_questions_that_do_not_apply,
    spoken_list,
)
from assistant.conversation.visit_replies import answer_reminder_reply, reminded_visit
from assistant.conversation.wording import Addressee, Later, Wording, addressee
from assistant.records.care_records import Caregiver
from assistant.records.consent import opt_in, opt_out
from assistant.records.models import CheckIn, Conversation, Message, Patient
from assistant.safety import SUMMARIES, assess

LOOK_UP = "look up"  # `Dialogue.start`: find the caregiver who answers for the patient


class Dialogue:
    def __init__(self, wording: Wording, versions: FlowVersions, charts: ChartCache,
                 promises: Promises, max_replies: int = 40) -> None:
        self.wording = wording
        self.promises = promises
        self.versions = versions
        self.charts = charts
        self.max_replies = max_replies

    # -- starting ---------------------------------------------------------------------------

    def start(self, session: Session, checkin: CheckIn, channel: str, now: datetime,
              flush: bool = True, respondent: Caregiver | str | None = LOOK_UP) -> Turn:
        """Open the conversation of a check-in (or reopen one whose first send was refused)
        and return its first messages. `flush=False` leaves the writing to the caller (the
        dispatcher writes a whole batch's conversations at once, having looked up the
        caregivers who answer for them: `respondent`)."""
        patient = checkin.episode.patient
        conversation = checkin.conversation
        if conversation is None:
            # A caregiver answering on the patient's behalf is asked instead of the patient.
            conversation = Conversation(
                checkin=checkin, patient_id=patient.id, started_at=now, last_activity_at=now,
                respondent=proxy_for(session, patient.id) if isinstance(respondent, str)
                else respondent,
            )
            session.add(conversation)
        to = addressee(patient, conversation.respondent)
        flow = self.versions.flow_of(checkin)
        machine = self.charts.machine(flow, conversation)
        skip_questions_that_do_not_apply(machine, conversation, flow,
                                         episode_facts(checkin.episode, now, conversation))
        if flush:
            session.flush()
        state = conversation.state or ""
        first = (self.wording.say(state, to, channel, flow) if state in END_STATES else
                 self.wording.say(flow.questions[state].prompt, to, channel, flow,
                                  **prompt_values(flow.questions[state], checkin.episode,
                                                  conversation.item_index, now)))
        return Turn([self.wording.say("greeting", to, channel, flow), first], state)

    # -- a reply in a conversation ----------------------------------------------------------

    def reply(
        self, session: Session, conversation: Conversation, text: str, message: Message | None,
        channel: str, now: datetime, confidence: float | None = None,
    ) -> Turn:
        """`confidence`: the speech recogniser's, on a call; a doubtful answer is read back."""
        conversation.last_activity_at = now
        if conversation.state in END_STATES:
            replies = self.outside_conversation(session, conversation.patient, text, message,
                                                channel, now, conversation.respondent)
            return Turn(replies, conversation.state or "")
        asked, unclear_before = conversation.state, conversation.clarifications
        answer = AnswerTurn(self, session, conversation, text, message, channel, now,
                            confidence)
        turn = answer.run()
        if message is not None:  # what the reports count: the question, and was it read
            message.question_id = asked
            # Unreadable, whether asked again or given up on (a nurse looks), and a read-back
            # on a call not answered yes or no.
            message.unclear = answer.unreadable or conversation.clarifications > unclear_before
        if conversation.state == "opted_out":
            conversation.stopped_at = asked
        return turn

    def question_prompt(self, conversation: Conversation, question: Question,
                        channel: str) -> str:
        """The question as asked now (naming the medicine for a per-medicine question, and
        the visit as of the conversation's latest turn)."""
        flow = self.versions.flow_of(conversation.checkin)
        to = addressee(conversation.patient, conversation.respondent)
        return self.wording.say(question.prompt, to, channel, flow,
                                **prompt_values(question, conversation.checkin.episode,
                                                conversation.item_index,
                                                conversation.last_activity_at))

    def expire(self, session: Session, conversation: Conversation, channel: str,
               now: datetime) -> Turn:
        """Close a conversation the patient stopped answering, with a short closing message."""
        flow = self.versions.flow_of(conversation.checkin)
        machine = self.charts.machine(flow, conversation)
        conversation.stopped_at = conversation.state
        machine.send("expire")
        finish_conversation(conversation, now)
        to = addressee(conversation.patient, conversation.respondent)
        return Turn([self.wording.say("expired", to, channel)],
                    conversation.state or "")

    # -- a message with no conversation open ------------------------------------------------

    def outside_conversation(
        self, session: Session, patient: Patient | None, text: str, message: Message | None,
        channel: str, now: datetime, caregiver: Caregiver | None = None,
    ) -> list[str]:
        """A text from a known patient between check-ins (or from the caregiver who answers
        for them: `caregiver`, spoken to in their own words and language), or from an unknown
        number: the safety net and the keywords still apply."""
        say = self.wording.say
        to = addressee(patient, caregiver) if patient else None
        episode = latest_episode(session, patient) if patient else None
        assessment = assess(text)
        word = keyword(text)
        to_check = safety_check_alerts_and_words(assessment)
        if assessment.findings:
            when = self.when_words(session, patient, "urgent", now, to)
            if patient and episode:
                for flag in assessment.emergencies:
                    raise_alert(session, patient_id=patient.id, episode_id=episode.id,
                                conversation_id=None, reason=flag, severity="emergency",
                                summary=SUMMARIES[flag], question_id=None,
                                evidence=evidence(None, None, text, id_of(message), now), now=now)
                for flag, summary in to_check:
                    raise_alert(session, patient_id=patient.id, episode_id=episode.id,
                                conversation_id=None, reason=flag, severity="urgent",
                                summary=summary, question_id=None,
                                evidence=evidence(None, None, text, id_of(message), now), now=now)
            if assessment.emergencies:
                return [say(p, to, channel) for p in emergency_prompts(assessment.emergencies)]
            if patient is None:  # nobody to call back: the safest words we have
                return [say("emergency_911", None, channel)]
            return [self.safety_check_words(to_check, to, channel, when)]
        if patient is None:
            if word == "help":
                return [say("help", None, channel)]
            return self._unless_said_lately(session, message, say("unknown_sender", None,
                                                                  channel), now)
        if word == "opt_out":
            if isinstance(to, Addressee) and caregiver is not None:
                caregiver_opt_out(session, patient, episode, caregiver, None, text, message,
                                  now)
                return [say("opted_out", to, channel)]
            opt_out(session, patient, now)
            if episode:
                opt_out_alert(session, patient, episode, None, text, message, now)
            return [say("opted_out", patient, channel)]
        if word == "opt_in":
            opt_in(session, patient, now)
            return [say("opted_in", to, channel)]
        if word == "help":
            return [say("help", to, channel)]
        if asks_for_person(text) and episode:
            promise = self.person_promise(session, patient, now)
            person_alert(session, patient, episode, None, None, text, message, now,
                         promise.severity)
            return [say("nurse_callback", to, channel,
                        when=self.wording.when_words(promise, to))]
        visit = reminded_visit(episode, now) if episode else None
        if visit is not None:  # an answer to yesterday's reminder of the visit: never lost
            answer = answer_reminder_reply(session, patient, visit, text, message, now)
            return self._unless_said_lately(session, message, say(answer, to, channel), now)
        return self._unless_said_lately(session, message,
                                        say("conversation_closed", to, channel), now)

    def safety_check_words(self, to_check: list[tuple[str, str]],
                           patient: Patient | Addressee | None, channel: str,
                           when: object) -> str:
        """What to do if it is happening now, and when the nurse will call, for the signs."""
        signs = [self.wording.say(f"sign_{flag}", patient, channel) for flag, _ in to_check]
        return self.wording.say("safety_check", patient, channel, when=when,
                                sign=spoken_list(signs, patient.language if patient else "en"))

    # -- promises ---------------------------------------------------------------------------

    def person_promise(self, session: Session, patient: Patient, now: datetime) -> CallPromise:
        """A patient asking for a nurse: urgent while a nurse can call the same day, else
        the next business day's queue (no page at night), and the patient is told which."""
        return self.promises.for_severity(session, "urgent", patient.time_zone, now, "routine")

    def when_words(self, session: Session, patient: Patient | None, severity: str,
                   now: datetime, to: Patient | Addressee | None = None) -> Later:
        """{when} for a prompt, worked out only if the prompt says it; `to` is whom it is
        said to (the patient unless given)."""
        zone = patient.time_zone if patient else self.wording.settings.default_timezone
        return Later(lambda: self.wording.when_words(
            self.promises.for_severity(session, severity, zone, now), to or patient))

    @staticmethod
    def _unless_said_lately(session: Session, message: Message | None, text: str,
                            now: datetime) -> list[str]:
        """The same courtesy reply at most once a day to a number, so an automatic
        responder at the other end cannot keep a loop going."""
        if message is None or not message.from_number:
            return [text]
        said = session.scalar(
            select(Message.id).where(
                Message.direction == "out", Message.to_number == message.from_number,
                Message.body == text, Message.created_at > now - timedelta(days=1))
            .limit(1))
        return [] if said else [text]
