"""One turn of a check-in conversation: understand the reply, apply the rules, say what's next.

The conversation row holds the chart's state, so any process can take the next turn. Each turn
runs inside the caller's transaction: the answer, the alerts, the new state and the replies are
saved together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .chart import END_STATES, ChartCache
from .config import Settings
from .escalation import raise_alert, triggered_rules
from .flow_versions import FlowVersions
from .flows import AnswerView, Flow, Question
from .models import Answer, CheckIn, Conversation, Episode, Message, Patient
from .prompts import PromptCatalogue
from .understanding import (
    NOT_UNDERSTOOD,
    Interpretation,
    interpret_choice,
    interpret_date,
    interpret_number,
    interpret_scale,
    interpret_text,
    interpret_yes_no,
    is_skip,
    normalise,
)

MAX_CLARIFICATIONS = 2
MAX_IDENTITY_FAILURES = 2
STOP_WORDS = {"stop", "stopall", "unsubscribe", "end", "quit", "cancel", "revoke", "optout"}


@dataclass
class Turn:
    """What a turn produced: the replies, in the order the patient must see them."""

    replies: list[str]
    state: str


class Dialogue:
    def __init__(
        self, prompts: PromptCatalogue, settings: Settings, versions: FlowVersions,
        charts: ChartCache,
    ) -> None:
        self.prompts = prompts
        self.settings = settings
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
        question = flow.questions[conversation.state]
        return Turn(
            [self._say("greeting", patient, channel), self._ask(question, patient, channel)],
            conversation.state or "",
        )

    # -- replying ---------------------------------------------------------------------------

    def reply(
        self, session: Session, conversation: Conversation, text: str, message: Message | None,
        channel: str, now: datetime,
    ) -> Turn:
        checkin = conversation.checkin
        patient = conversation.patient
        flow = self.versions.flow(checkin.flow_version)
        machine = self.charts.chart_for(flow)(model=conversation, state_field="state")
        conversation.last_activity_at = now
        if conversation.state in END_STATES:
            return Turn([self._say("conversation_closed", patient, channel)], conversation.state)
        if checkin.status == "sent":
            checkin.status = "in_progress"
        if normalise(text).replace(" ", "") in STOP_WORDS:
            return self._opt_out(session, conversation, machine, text, message, channel, now)

        question = flow.questions[conversation.state or ""]
        interpretation = self._interpret(question, text, now)
        if question.identity and interpretation.understood:
            return self._check_identity(session, conversation, machine, question, interpretation,
                                        text, message, channel, now)
        if not interpretation.understood:
            conversation.clarifications += 1
            if conversation.clarifications <= MAX_CLARIFICATIONS:
                return Turn([self._clarify(question, patient, channel)], conversation.state or "")
        conversation.clarifications = 0
        self._record(session, conversation, question, interpretation, text, message, now)
        return self._advance(session, conversation, machine, flow, question, channel, now)

    def _interpret(self, question: Question, text: str, now: datetime) -> Interpretation:
        if question.optional and is_skip(text):
            return Interpretation(True, None)
        kind = question.kind
        if kind == "yes_no":
            return interpret_yes_no(text)
        if kind == "number":
            return interpret_number(text, question.unit, question.minimum, question.maximum)
        if kind == "scale":
            return interpret_scale(text, question.minimum or 0, question.maximum or 10)
        if kind == "choice":
            return interpret_choice(text, question.choices)
        if kind == "date":
            return interpret_date(text, today=now.date())
        if kind == "text":
            return interpret_text(text)
        return NOT_UNDERSTOOD

    def _check_identity(
        self, session: Session, conversation: Conversation, machine: Any, question: Question,
        interpretation: Interpretation, text: str, message: Message | None, channel: str,
        now: datetime,
    ) -> Turn:
        patient = conversation.patient
        if date.fromisoformat(interpretation.value) == patient.dob:
            # The date of birth itself is not kept as an answer: it is already on record.
            confirmed = Interpretation(True, True)
            self._record(session, conversation, question, confirmed, "(confirmed)", message, now)
            conversation.clarifications = 0
            machine.send("answer", answers=answer_views(conversation))
            flow = self.versions.flow(conversation.checkin.flow_version)
            return self._next_prompt([], conversation, flow, channel)
        conversation.identity_failures += 1
        if conversation.identity_failures < MAX_IDENTITY_FAILURES:
            return Turn([self._say("identity_retry", patient, channel)], conversation.state or "")
        raise_alert(
            session, conversation, reason="identity_not_confirmed", severity="routine",
            summary="Date of birth did not match twice; call to confirm identity",
            question_id=question.id,
            evidence=self._evidence(question.id, None, text, _id(message), now), now=now,
        )
        machine.send("escalate")
        self._finish(conversation, now)
        return Turn([self._say("identity_failed", patient, channel)], conversation.state or "")

    def _record(
        self, session: Session, conversation: Conversation, question: Question,
        interpretation: Interpretation, text: str, message: Message | None, now: datetime,
    ) -> None:
        answer = next((a for a in conversation.answers if a.question_id == question.id), None)
        if answer is None:
            answer = Answer(question_id=question.id)
            conversation.answers.append(answer)
        answer.value = interpretation.value
        answer.unit = interpretation.unit
        answer.raw = text
        answer.understood = interpretation.understood
        answer.message_id = message.id if message else None
        answer.created_at = now
        session.flush()

    def _advance(
        self, session: Session, conversation: Conversation, machine: Any, flow: Flow,
        question: Question, channel: str, now: datetime,
    ) -> Turn:
        answers = answer_views(conversation)
        patient = conversation.patient
        rules = triggered_rules(flow, question.id, answers)
        current = next(a for a in conversation.answers if a.question_id == question.id)
        for rule in rules:
            raise_alert(
                session, conversation, reason=rule.id, severity=rule.severity,
                summary=rule.summary, question_id=question.id,
                evidence=self._evidence(question.id, current.value, current.raw,
                                        current.message_id, now),
                now=now,
            )
        emergencies = [rule for rule in rules if rule.severity == "emergency"]
        if emergencies:
            # The emergency instruction is the whole reply: nothing may distract from it.
            machine.send("escalate")
            self._finish(conversation, now)
            return Turn(_unique([self._say(rule.say, patient, channel) for rule in emergencies]),
                        conversation.state or "")
        instructions = _unique([self._say(rule.say, patient, channel) for rule in rules
                                if rule.say])
        machine.send("answer", answers=answers)
        if conversation.state in END_STATES:
            self._finish(conversation, now)
        return self._next_prompt(instructions, conversation, flow, channel)

    def _next_prompt(self, before: list[str], conversation: Conversation, flow: Flow,
                     channel: str) -> Turn:
        state = conversation.state or ""
        patient = conversation.patient
        if state in END_STATES:
            return Turn([*before, self._say(state, patient, channel)], state)
        return Turn([*before, self._ask(flow.questions[state], patient, channel)], state)

    def _opt_out(
        self, session: Session, conversation: Conversation, machine: Any, text: str,
        message: Message | None, channel: str, now: datetime,
    ) -> Turn:
        patient = conversation.patient
        patient.opted_out_at = now
        session.execute(
            update(CheckIn)
            .where(CheckIn.episode_id.in_(select_episode_ids(patient)),
                   CheckIn.status == "scheduled")
            .values(status="cancelled", ended_at=now)
        )
        raise_alert(
            session, conversation, reason="opted_out", severity="routine",
            summary="Patient replied STOP: no more automated check-ins",
            question_id=None, evidence=self._evidence(None, None, text, _id(message), now), now=now,
        )
        machine.send("opt_out")
        self._finish(conversation, now)
        return Turn([self._say("opted_out", patient, channel)], conversation.state or "")

    def _finish(self, conversation: Conversation, now: datetime) -> None:
        conversation.ended_at = now
        conversation.checkin.status = conversation.state or "completed"
        conversation.checkin.ended_at = now

    # -- wording ----------------------------------------------------------------------------

    def _values(self, patient: Patient) -> dict[str, object]:
        return {
            "first_name": patient.first_name,
            "provider": self.settings.provider_name,
            "callback": self.settings.callback_number,
        }

    def _say(self, prompt_id: str, patient: Patient, channel: str, **extra: object) -> str:
        return self.prompts.render(prompt_id, patient.language, channel,
                                   **self._values(patient), **extra)

    def _ask(self, question: Question, patient: Patient, channel: str) -> str:
        return self._say(question.prompt, patient, channel)

    def _clarify(self, question: Question, patient: Patient, channel: str) -> str:
        options = ", ".join(key.upper() for key in question.choices)
        return self._say(f"clarify_{question.kind}", patient, channel, options=options,
                         minimum=_number_text(question.minimum),
                         maximum=_number_text(question.maximum))

    @staticmethod
    def _evidence(question_id: str | None, value: Any, raw: str, message_id: int | None,
                  now: datetime) -> dict[str, Any]:
        return {
            "question": question_id,
            "value": value,
            "raw": raw,
            "message_id": message_id,
            "at": now.isoformat(timespec="seconds"),
        }


def answer_views(conversation: Conversation) -> dict[str, AnswerView]:
    return {a.question_id: AnswerView(a.value, a.understood) for a in conversation.answers}


def select_episode_ids(patient: Patient) -> Any:
    return select(Episode.id).where(Episode.patient_id == patient.id)


def _id(message: Message | None) -> int | None:
    return message.id if message else None


def _unique(texts: list[str]) -> list[str]:
    return list(dict.fromkeys(texts))


def _number_text(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if value == int(value) else str(value)
