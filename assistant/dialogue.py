"""One turn of a check-in conversation: understand the reply, apply the rules, say what's next.

The conversation row holds the chart's state, so any process can take the next turn. Each turn
runs inside the caller's transaction: the answer, the alerts, the new state and the replies are
saved together or not at all.

The order of a turn is the order of what matters: a red flag anywhere in the message first
(emergency instruction, alert, hand-over), then keywords (STOP, START, HELP, asking for a
person), then the answer to the question asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .chart import END_STATES, ChartCache
from .consent import opt_in, opt_out
from .escalation import evidence, raise_alert, triggered_rules
from .flow_versions import FlowVersions
from .flows import AnswerView, Rule
from .keywords import asks_for_person, keyword
from .models import Answer, CheckIn, Conversation, Episode, Message, Patient
from .redflags import SUMMARIES, scan
from .understanding import Interpretation, interpret, is_skip
from .wording import Wording

MAX_CLARIFICATIONS = 2
MAX_IDENTITY_FAILURES = 2


@dataclass
class Turn:
    """What a turn produced: the replies, in the order the patient must see them."""

    replies: list[str]
    state: str


def emergency_prompts(flags: list[str]) -> list[str]:
    """911 first, unless the only sign is self-harm, whose first call is 988."""
    if flags == ["self_harm"]:
        return ["crisis_988"]
    return ["emergency_911", "crisis_988"] if "self_harm" in flags else ["emergency_911"]


class Dialogue:
    def __init__(self, wording: Wording, versions: FlowVersions, charts: ChartCache) -> None:
        self.wording = wording
        self.versions = versions
        self.charts = charts

    # -- starting ---------------------------------------------------------------------------

    def start(self, session: Session, checkin: CheckIn, channel: str, now: datetime) -> Turn:
        """Open the conversation of a check-in (or reopen one whose first send was refused)
        and return its first messages."""
        patient = checkin.episode.patient
        conversation = checkin.conversation
        if conversation is None:
            conversation = Conversation(
                checkin=checkin, patient_id=patient.id, started_at=now, last_activity_at=now,
            )
            session.add(conversation)
        flow = self.versions.flow(checkin.flow_version)
        self.charts.chart_for(flow)(model=conversation, state_field="state")
        session.flush()
        question = flow.questions[conversation.state or ""]
        return Turn(
            [self.wording.say("greeting", patient, channel),
             self.wording.say(question.prompt, patient, channel)],
            conversation.state or "",
        )

    # -- a reply in a conversation ----------------------------------------------------------

    def reply(
        self, session: Session, conversation: Conversation, text: str, message: Message | None,
        channel: str, now: datetime,
    ) -> Turn:
        conversation.last_activity_at = now
        if conversation.state in END_STATES:
            replies = self.outside_conversation(session, conversation.patient, text, message,
                                                channel, now)
            return Turn(replies, conversation.state or "")
        return _Turn(self, session, conversation, text, message, channel, now).run()

    # -- a message with no conversation open ------------------------------------------------

    def outside_conversation(
        self, session: Session, patient: Patient | None, text: str, message: Message | None,
        channel: str, now: datetime,
    ) -> list[str]:
        """A text from a known patient between check-ins, or from an unknown number: the
        safety net and the keywords still apply."""
        say = self.wording.say
        episode = _latest_episode(session, patient) if patient else None
        flags = scan(text)
        word = keyword(text)
        if flags:
            if patient and episode:
                for flag in flags:
                    raise_alert(session, patient_id=patient.id, episode_id=episode.id,
                                conversation_id=None, reason=flag, severity="emergency",
                                summary=SUMMARIES[flag], question_id=None,
                                evidence=evidence(None, None, text, _id(message), now), now=now)
            return [say(p, patient, channel) for p in emergency_prompts(flags)]
        if patient is None:
            return [say("help" if word == "help" else "unknown_sender", None, channel)]
        if word == "opt_out":
            opt_out(session, patient, now)
            if episode:
                _opt_out_alert(session, patient, episode, None, text, message, now)
            return [say("opted_out", patient, channel)]
        if word == "opt_in":
            opt_in(session, patient, now)
            return [say("opted_in", patient, channel)]
        if word == "help":
            return [say("help", patient, channel)]
        if asks_for_person(text) and episode:
            _person_alert(session, patient, episode, None, None, text, message, now)
            return [say("nurse_callback", patient, channel)]
        return [say("conversation_closed", patient, channel)]


class _Turn:
    """The working state of one reply inside an open conversation."""

    def __init__(self, dialogue: Dialogue, session: Session, conversation: Conversation,
                 text: str, message: Message | None, channel: str, now: datetime) -> None:
        self.dialogue = dialogue
        self.session = session
        self.conversation = conversation
        self.checkin = conversation.checkin
        self.patient = conversation.patient
        self.text = text
        self.message = message
        self.channel = channel
        self.now = now
        self.flow = dialogue.versions.flow(self.checkin.flow_version)
        self.machine = dialogue.charts.chart_for(self.flow)(model=conversation,
                                                            state_field="state")
        self.question = self.flow.questions[conversation.state or ""]

    def say(self, prompt_id: str, **extra: object) -> str:
        return self.dialogue.wording.say(prompt_id, self.patient, self.channel, **extra)

    @property
    def state(self) -> str:
        return self.conversation.state or ""

    def run(self) -> Turn:
        if self.checkin.status == "sent":
            self.checkin.status = "in_progress"
        flags = scan(self.text)
        if flags:
            return self.emergency(flags, [])
        word = keyword(self.text)
        if word == "opt_out":
            return self.opt_out()
        if word in ("help", "opt_in"):
            # HELP (or START while already taking part) leaves the question open.
            return Turn([self.say("help"), self.say(self.question.prompt)], self.state)
        interpretation = self.interpret()
        if asks_for_person(self.text):
            return self.hand_over_on_request(interpretation)
        if self.question.identity and interpretation.understood:
            return self.check_identity(interpretation)
        if not interpretation.understood:
            self.conversation.clarifications += 1
            if self.conversation.clarifications <= MAX_CLARIFICATIONS:
                return Turn(self.clarify(interpretation), self.state)
        self.conversation.clarifications = 0
        self.record(interpretation, self.text)
        return self.advance()

    def interpret(self) -> Interpretation:
        question = self.question
        if question.optional and is_skip(self.text):
            return Interpretation(True, None)
        result = interpret(question.kind, self.text, unit=question.unit,
                           choices=question.choices, minimum=question.minimum,
                           maximum=question.maximum, today=self.now.date(),
                           language=self.patient.language)
        # "Up 2 pounds" is not today's reading; until a question asks for a change, re-ask.
        return Interpretation(False) if result.change else result

    # -- outcomes ---------------------------------------------------------------------------

    def emergency(self, flags: list[str], rules: list[Rule]) -> Turn:
        """Call 911 (or 988) comes first and alone; the conversation goes to a person."""
        if flags and not self.question.identity:
            interpretation = self.interpret()
            if interpretation.understood:  # the answer is kept, whatever else was said
                self.record(interpretation, self.text)
                rules = rules or triggered_rules(self.flow, self.question.id, self.answers())
        for flag in flags:
            self.alert(flag, "emergency", SUMMARIES[flag], None)
        for rule in rules:
            self.alert(rule.id, rule.severity, rule.summary, self.current_answer())
        prompts = emergency_prompts(flags) if flags else []
        prompts += [rule.say for rule in rules if rule.severity == "emergency" and rule.say]
        self.machine.send("escalate")
        self.finish()
        return Turn(_unique([self.say(p) for p in prompts]), self.state)

    def opt_out(self) -> Turn:
        opt_out(self.session, self.patient, self.now)
        _opt_out_alert(self.session, self.patient, self.checkin.episode, self.conversation.id,
                       self.text, self.message, self.now)
        self.machine.send("opt_out")
        self.finish()
        return Turn([self.say("opted_out")], self.state)

    def hand_over_on_request(self, interpretation: Interpretation) -> Turn:
        if interpretation.understood and not self.question.identity:
            self.record(interpretation, self.text)
        _person_alert(self.session, self.patient, self.checkin.episode, self.conversation.id,
                      self.question.id, self.text, self.message, self.now)
        self.machine.send("escalate")
        self.finish()
        return Turn([self.say("nurse_callback")], self.state)

    def check_identity(self, interpretation: Interpretation) -> Turn:
        if date.fromisoformat(interpretation.value) == self.patient.dob:
            # The date of birth itself is not kept as an answer: it is already on record.
            self.record(Interpretation(True, True), "(confirmed)")
            self.conversation.clarifications = 0
            self.machine.send("answer", answers=self.answers())
            return self.next_prompt([])
        self.conversation.identity_failures += 1
        if self.conversation.identity_failures < MAX_IDENTITY_FAILURES:
            return Turn([self.say("identity_retry")], self.state)
        self.alert("identity_not_confirmed", "routine",
                   "Date of birth did not match twice; call to confirm identity",
                   evidence(self.question.id, None, self.text, _id(self.message), self.now))
        self.machine.send("escalate")
        self.finish()
        return Turn([self.say("identity_failed")], self.state)

    def advance(self) -> Turn:
        answers = self.answers()
        rules = triggered_rules(self.flow, self.question.id, answers)
        if any(rule.severity == "emergency" for rule in rules):
            return self.emergency([], rules)
        for rule in rules:
            self.alert(rule.id, rule.severity, rule.summary, self.current_answer())
        instructions = _unique([self.say(rule.say) for rule in rules if rule.say])
        self.machine.send("answer", answers=answers)
        if self.state in END_STATES:
            self.finish()
        return self.next_prompt(instructions)

    def next_prompt(self, before: list[str]) -> Turn:
        if self.state in END_STATES:
            return Turn([*before, self.say(self.state)], self.state)
        return Turn([*before, self.say(self.flow.questions[self.state].prompt)], self.state)

    # -- bookkeeping ------------------------------------------------------------------------

    def record(self, interpretation: Interpretation, raw: str) -> None:
        answers = self.conversation.answers
        answer = next((a for a in answers if a.question_id == self.question.id), None)
        if answer is None:
            answer = Answer(question_id=self.question.id)
            answers.append(answer)
        answer.value = interpretation.value
        answer.unit = interpretation.unit
        answer.raw = raw
        answer.understood = interpretation.understood
        answer.message_id = _id(self.message)
        answer.created_at = self.now

    def answers(self) -> dict[str, AnswerView]:
        return answer_views(self.conversation)

    def current_answer(self) -> dict[str, Any]:
        answer = next(a for a in self.conversation.answers if a.question_id == self.question.id)
        return evidence(self.question.id, answer.value, answer.raw, answer.message_id, self.now)

    def alert(self, reason: str, severity: str, summary: str,
              details: dict[str, Any] | None) -> None:
        raise_alert(
            self.session, patient_id=self.patient.id, episode_id=self.checkin.episode_id,
            conversation_id=self.conversation.id, reason=reason, severity=severity,
            summary=summary, question_id=self.question.id,
            evidence=details or evidence(self.question.id, None, self.text, _id(self.message),
                                         self.now),
            now=self.now,
        )

    def clarify(self, interpretation: Interpretation) -> list[str]:
        """A re-ask that helps: a hedge is read back to confirm, a choice lists its options
        again, anything else says how to answer."""
        question = self.question
        if interpretation.hedged and isinstance(interpretation.value, bool):
            return [self.say("confirm_yes" if interpretation.value else "confirm_no")]
        hint = self.say(f"clarify_{question.kind}", minimum=_number_text(question.minimum),
                        maximum=_number_text(question.maximum))
        return [hint, self.say(question.prompt)] if question.kind == "choice" else [hint]

    def finish(self) -> None:
        self.conversation.ended_at = self.now
        self.checkin.status = self.state
        self.checkin.ended_at = self.now


def answer_views(conversation: Conversation) -> dict[str, AnswerView]:
    return {a.question_id: AnswerView(a.value, a.understood) for a in conversation.answers}


def _latest_episode(session: Session, patient: Patient) -> Episode | None:
    return session.scalar(select(Episode).where(Episode.patient_id == patient.id)
                          .order_by(Episode.discharged_at.desc(), Episode.id.desc()).limit(1))


def _opt_out_alert(session: Session, patient: Patient, episode: Episode,
                   conversation_id: int | None, text: str, message: Message | None,
                   now: datetime) -> None:
    raise_alert(session, patient_id=patient.id, episode_id=episode.id,
                conversation_id=conversation_id, reason="opted_out", severity="routine",
                summary="Patient opted out: no more automated check-ins", question_id=None,
                evidence=evidence(None, None, text, _id(message), now), now=now)


def _person_alert(session: Session, patient: Patient, episode: Episode,
                  conversation_id: int | None, question_id: str | None, text: str,
                  message: Message | None, now: datetime) -> None:
    raise_alert(session, patient_id=patient.id, episode_id=episode.id,
                conversation_id=conversation_id, reason="asked_for_person", severity="urgent",
                summary="Patient asked to speak to a nurse", question_id=question_id,
                evidence=evidence(question_id, None, text, _id(message), now), now=now)


def _id(message: Message | None) -> int | None:
    return message.id if message else None


def _unique(texts: list[str]) -> list[str]:
    return list(dict.fromkeys(texts))


def _number_text(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if value == int(value) else str(value)
