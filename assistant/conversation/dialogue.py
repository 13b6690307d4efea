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
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.conversation.answer_facts import facts, medicines_for, prompt_values
from assistant.conversation.chart import END_STATES, ChartCache
from assistant.conversation.escalation import evidence, raise_alert, triggered_rules
from assistant.conversation.flow_versions import FlowVersions
from assistant.conversation.flows import AnswerView, Flow, ItemAnswer, Question, Rule
from assistant.conversation.keywords import asks_for_person, keyword
from assistant.conversation.understanding import (
    Interpretation,
    interpret,
    interpret_yes_no,
    is_skip,
)
from assistant.conversation.wording import Wording
from assistant.records.consent import opt_in, opt_out
from assistant.records.models import Alert, Answer, CheckIn, Conversation, Episode, Message, Patient
from assistant.safety import SUMMARIES, Assessment, assess, symptom_words

MAX_CLARIFICATIONS = 2
# Twilio's speech confidence below which an answer is read back to the patient.
READ_BACK_BELOW = 0.6
UNIT_WORDS = {
    "en": {"lb": "pounds", "kg": "kilograms", "F": "degrees", "C": "degrees", "mg/dL": ""},
    "es": {"lb": "libras", "kg": "kilos", "F": "grados", "C": "grados", "mg/dL": ""},
}
YES_NO_WORDS = {"en": ("yes", "no"), "es": ("sí", "no")}
MAX_IDENTITY_FAILURES = 2


@dataclass
class Turn:
    """What a turn produced: the replies, in the order the patient must see them."""

    replies: list[str]
    state: str
    # The patient asked for a person: on a call, put them through when a nurse is there.
    transfer: bool = False


def safety_check_alerts_and_words(assessment: Assessment) -> list[tuple[str, str]]:
    """For signs a nurse should check today (possible, or urgent by nature): each flag with
    the summary its urgent alert carries."""
    return [(f.flag, SUMMARIES[f.flag] + ("" if f.tier == "certain" else " (possible)"))
            for f in assessment.findings if not f.emergency]


def emergency_prompts(flags: list[str]) -> list[str]:
    """911 first, unless the only sign is self-harm, whose first call is 988."""
    if flags == ["self_harm"]:
        return ["crisis_988"]
    return ["emergency_911", "crisis_988"] if "self_harm" in flags else ["emergency_911"]


class Dialogue:
    def __init__(self, wording: Wording, versions: FlowVersions, charts: ChartCache,
                 max_replies: int = 40) -> None:
        self.wording = wording
        self.versions = versions
        self.charts = charts
        self.max_replies = max_replies

    # -- starting ---------------------------------------------------------------------------

    def start(self, session: Session, checkin: CheckIn, channel: str, now: datetime,
              flush: bool = True) -> Turn:
        """Open the conversation of a check-in (or reopen one whose first send was refused)
        and return its first messages. `flush=False` leaves the writing to the caller (the
        dispatcher writes a whole batch's conversations at once)."""
        patient = checkin.episode.patient
        conversation = checkin.conversation
        if conversation is None:
            conversation = Conversation(
                checkin=checkin, patient_id=patient.id, started_at=now, last_activity_at=now,
            )
            session.add(conversation)
        flow = self.versions.flow(checkin.flow_version)
        machine = self.charts.chart_for(flow)(model=conversation, state_field="state")
        skip_questions_that_do_not_apply(machine, conversation, flow, {})
        if flush:
            session.flush()
        state = conversation.state or ""
        first = (self.wording.say(state, patient, channel, flow) if state in END_STATES else
                 self.wording.say(flow.questions[state].prompt, patient, channel, flow,
                                  **prompt_values(flow.questions[state], checkin.episode,
                                                  conversation.item_index)))
        return Turn([self.wording.say("greeting", patient, channel, flow), first], state)

    # -- a reply in a conversation ----------------------------------------------------------

    def reply(
        self, session: Session, conversation: Conversation, text: str, message: Message | None,
        channel: str, now: datetime, confidence: float | None = None,
    ) -> Turn:
        """`confidence`: the speech recogniser's, on a call; a doubtful answer is read back."""
        conversation.last_activity_at = now
        if conversation.state in END_STATES:
            replies = self.outside_conversation(session, conversation.patient, text, message,
                                                channel, now)
            return Turn(replies, conversation.state or "")
        return _Turn(self, session, conversation, text, message, channel, now,
                     confidence).run()

    def question_prompt(self, conversation: Conversation, question: Question,
                        channel: str) -> str:
        """The question as asked now (naming the medicine for a per-medicine question)."""
        flow = self.versions.flow(conversation.checkin.flow_version)
        return self.wording.say(question.prompt, conversation.patient, channel, flow,
                                **prompt_values(question, conversation.checkin.episode,
                                                conversation.item_index))

    def expire(self, session: Session, conversation: Conversation, channel: str,
               now: datetime) -> Turn:
        """Close a conversation the patient stopped answering, with a short closing message."""
        flow = self.versions.flow(conversation.checkin.flow_version)
        machine = self.charts.chart_for(flow)(model=conversation, state_field="state")
        machine.send("expire")
        _finish(conversation, now)
        return Turn([self.wording.say("expired", conversation.patient, channel)],
                    conversation.state or "")

    # -- a message with no conversation open ------------------------------------------------

    def outside_conversation(
        self, session: Session, patient: Patient | None, text: str, message: Message | None,
        channel: str, now: datetime,
    ) -> list[str]:
        """A text from a known patient between check-ins, or from an unknown number: the
        safety net and the keywords still apply."""
        say = self.wording.say
        episode = _latest_episode(session, patient) if patient else None
        assessment = assess(text)
        word = keyword(text)
        to_check = safety_check_alerts_and_words(assessment)
        if assessment.findings:
            if patient and episode:
                for flag in assessment.emergencies:
                    raise_alert(session, patient_id=patient.id, episode_id=episode.id,
                                conversation_id=None, reason=flag, severity="emergency",
                                summary=SUMMARIES[flag], question_id=None,
                                evidence=evidence(None, None, text, _id(message), now), now=now)
                for flag, summary in to_check:
                    raise_alert(session, patient_id=patient.id, episode_id=episode.id,
                                conversation_id=None, reason=flag, severity="urgent",
                                summary=summary, question_id=None,
                                evidence=evidence(None, None, text, _id(message), now), now=now)
            if assessment.emergencies:
                return [say(p, patient, channel) for p in emergency_prompts(
                    assessment.emergencies)]
            if patient is None:  # nobody to call back: the safest words we have
                return [say("emergency_911", None, channel)]
            return [self.safety_check_words(to_check, patient, channel)]
        if patient is None:
            if word == "help":
                return [say("help", None, channel)]
            return self._unless_said_lately(session, message, say("unknown_sender", None,
                                                                  channel), now)
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
        return self._unless_said_lately(session, message,
                                        say("conversation_closed", patient, channel), now)

    def safety_check_words(self, to_check: list[tuple[str, str]], patient: Patient | None,
                           channel: str) -> str:
        """What to do if it is happening now, and the nurse's call today, for the signs."""
        signs = [self.wording.say(f"sign_{flag}", patient, channel) for flag, _ in to_check]
        return self.wording.say("safety_check", patient, channel,
                                sign=_spoken_list(signs, patient.language if patient else "en"))

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


class _Turn:
    """The working state of one reply inside an open conversation."""

    def __init__(self, dialogue: Dialogue, session: Session, conversation: Conversation,
                 text: str, message: Message | None, channel: str, now: datetime,
                 confidence: float | None = None) -> None:
        self.dialogue = dialogue
        self.confidence = confidence
        self.session = session
        self.conversation = conversation
        self.checkin = conversation.checkin
        self.episode = self.checkin.episode
        self.patient = conversation.patient
        self.text = text
        self.message = message
        self.channel = channel
        self.now = now
        self.flow = dialogue.versions.flow(self.checkin.flow_version)
        self.machine = dialogue.charts.chart_for(self.flow)(model=conversation,
                                                            state_field="state")
        self.question = self.flow.questions[conversation.state or ""]
        self.sign_to_check = False  # the safety net already sent this reply to a nurse

    def say(self, prompt_id: str, **extra: object) -> str:
        return self.dialogue.wording.say(prompt_id, self.patient, self.channel, self.flow,
                                         **extra)

    @property
    def state(self) -> str:
        return self.conversation.state or ""

    def run(self) -> Turn:
        if self.checkin.status == "sent":
            self.checkin.status = "in_progress"
        assessment = assess(self.text)
        if assessment.emergencies:
            return self.emergency(assessment.emergencies, [], assessment)
        to_check = safety_check_alerts_and_words(assessment)
        self.sign_to_check = bool(to_check)
        turn = self.answer_turn()
        if not to_check:
            return turn
        # Never silence: whatever else the reply did, a nurse checks the sign today and the
        # patient hears what to do if it is happening now, first.
        for flag, summary in to_check:
            self.alert(flag, "urgent", summary, None)
        words = self.dialogue.safety_check_words(to_check, self.patient, self.channel)
        if self.state == "handed_over":  # an emergency rule's 911 stays first
            return Turn([*turn.replies, words], turn.state, turn.transfer)
        return Turn([words, *turn.replies], turn.state, turn.transfer)

    def answer_turn(self) -> Turn:
        if self.replies_so_far() >= self.dialogue.max_replies:
            return self.stop_loop()
        word = keyword(self.text)
        if word == "opt_out":
            return self.opt_out()
        if word in ("help", "opt_in"):
            # HELP (or START while already taking part) leaves the question open.
            return Turn([self.say("help"), self.ask(self.question)], self.state)
        if self.conversation.pending is not None:
            return self.confirm_read_back()
        interpretation = self.interpret()
        if asks_for_person(self.text):
            return self.hand_over_on_request(interpretation)
        if self.question.identity and interpretation.understood:
            return self.check_identity(interpretation)
        if not interpretation.understood:
            self.conversation.clarifications += 1
            shown = self.show_symptom_words_to_a_nurse()
            if self.conversation.clarifications <= MAX_CLARIFICATIONS:
                if self.sign_to_check and self.question.kind == "choice":
                    # The safety words have just spoken to what was said: the question again
                    # is enough, not a "didn't understand" of its own (two texts, not three).
                    return Turn([self.ask(self.question)], self.state)
                return Turn([*shown, *self.clarify(interpretation)], self.state)
        elif self.needs_read_back():
            return self.read_back(interpretation)
        self.conversation.clarifications = 0
        self.record(interpretation, self.text)
        return self.advance()

    def needs_read_back(self) -> bool:
        """On a call, a number (a weight, a temperature) is always read back, anything else
        when the recogniser was unsure."""
        if self.channel != "voice":
            return False
        unsure = self.confidence is not None and self.confidence < READ_BACK_BELOW
        return self.question.kind == "number" or unsure

    def read_back(self, interpretation: Interpretation) -> Turn:
        self.conversation.pending = {
            "value": interpretation.value, "unit": interpretation.unit,
            "change": interpretation.change, "raw": self.text,
        }
        heard = spoken_value(self.question, interpretation, self.patient.language)
        return Turn([self.say("read_back", heard=heard)], self.state)

    def confirm_read_back(self) -> Turn:
        pending = self.conversation.pending or {}
        answer = interpret_yes_no(self.text)
        if not answer.understood:
            self.conversation.clarifications += 1
            if self.conversation.clarifications <= MAX_CLARIFICATIONS:
                return Turn([self.say("clarify_yes_no")], self.state)
        self.conversation.pending = None
        if not pending.get("hedge") or (answer.understood and answer.value):
            # A hedge declined keeps its count, so hedging cannot go round for ever.
            self.conversation.clarifications = 0
        if answer.understood and answer.value:
            self.record(Interpretation(True, pending["value"], pending["unit"],
                                       change=pending["change"]), pending["raw"])
            return self.advance()
        # "No, that's wrong" (or still unclear): ask the question again.
        return Turn([self.ask(self.question)], self.state)

    def interpret(self) -> Interpretation:
        question = self.question
        if question.optional and is_skip(self.text):
            return Interpretation(True, None)
        result = interpret(question.kind, self.text, unit=question.unit,
                           choices=question.choices, minimum=question.minimum,
                           maximum=question.maximum, today=self.now.date(),
                           language=self.patient.language, question=question.id)
        # "Up 2 pounds" is not a reading: only a question that accepts a change takes it.
        return Interpretation(False) if result.change and not question.accepts_change \
            else result

    # -- outcomes ---------------------------------------------------------------------------

    def emergency(self, flags: list[str], rules: list[Rule],
                  assessment: Assessment | None = None) -> Turn:
        """Call 911 (or 988) comes first and alone; the conversation goes to a person. Other
        signs in the same message are alerted too, as urgent."""
        if flags and not self.question.identity:
            interpretation = self.interpret()
            if interpretation.understood:  # the answer is kept, whatever else was said
                self.record(interpretation, self.text)
                rules = rules or triggered_rules(self.flow, self.question.id, self.answers())
        for flag in flags:
            self.alert(flag, "emergency", SUMMARIES[flag], None)
        for flag, summary in safety_check_alerts_and_words(assessment or Assessment()):
            self.alert(flag, "urgent", summary, None)
        for rule in rules:
            self.alert(rule.id, rule.severity, rule.summary, self.current_answer())
        prompts = emergency_prompts(flags) if flags else []
        prompts += [rule.say for rule in rules if rule.severity == "emergency" and rule.say]
        self.machine.send("escalate")
        self.finish()
        return Turn(_unique([self.say(p) for p in prompts]), self.state)

    def replies_so_far(self) -> int:
        return self.session.scalar(
            select(func.count()).select_from(Message).where(
                Message.conversation_id == self.conversation.id, Message.direction == "out")
        ) or 0

    def stop_loop(self) -> Turn:
        """Too many messages for one check-in: probably a machine answering. Stop replying
        and let a person look."""
        self.alert("too_many_messages", "routine",
                   "Check-in stopped after too many messages; an automatic responder?", None)
        self.machine.send("escalate")
        self.finish()
        return Turn([], self.state)

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
        return Turn([self.say("nurse_callback")], self.state, transfer=True)

    def check_identity(self, interpretation: Interpretation) -> Turn:
        if date.fromisoformat(interpretation.value) == self.patient.dob:
            # The date of birth itself is not kept as an answer: it is already on record.
            self.record(Interpretation(True, True), "(confirmed)")
            self.conversation.clarifications = 0
            answers = self.answers()
            self.machine.send("answer", answers=answers)
            skip_questions_that_do_not_apply(self.machine, self.conversation, self.flow, answers)
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
        rules = triggered_rules(self.flow, self.question.id, self.just_answered(answers))
        if any(rule.severity == "emergency" for rule in rules):
            return self.emergency([], rules)
        said_before = self.instructions_given()
        for rule in rules:
            self.alert(rule.id, rule.severity, rule.summary, self.current_answer())
        # "A nurse will call you today" once is enough; saying it again adds nothing.
        instructions = _unique([self.say(rule.say) for rule in rules
                                if rule.say and rule.say not in said_before]
                               + [self.say(p) for p in self.review_unclear(rules)])
        if self.conversation.item_index + 1 < len(medicines_for(self.question, self.episode)):
            self.conversation.item_index += 1
            return Turn([*instructions, self.ask(self.question)], self.state)
        self.conversation.item_index = 0
        self.machine.send("answer", answers=answers)
        skip_questions_that_do_not_apply(self.machine, self.conversation, self.flow, answers)
        if self.state in END_STATES:
            self.finish()
        return self.next_prompt(instructions)

    def show_symptom_words_to_a_nurse(self) -> list[str]:
        """A reply that cannot be read but speaks of the body ("my chest feels weird") is
        never dropped: a nurse sees it today, and the patient is told so. A reply whose
        warning sign the safety net already sent to a nurse needs no second alert or promise."""
        if self.sign_to_check:
            return []
        words = symptom_words(self.text)
        if not words:
            return []
        self.alert("symptom_words", "urgent",
                   f"Reply mentions {', '.join(words)} and could not be read", None)
        return [self.say("unclear_review")]

    def review_unclear(self, rules: list[Rule]) -> list[str]:
        """An answer still unclear after the re-asks, to a question that can hide a warning
        sign, goes to a nurse with the patient's words, unless the flow's own rule already
        escalated it. Returns what the patient is told."""
        answer = next(a for a in self.conversation.answers if a.question_id == self.answer_key())
        if answer.understood or not self.question.unclear_review or any(
                rule.severity != "routine" for rule in rules):
            return []
        quoted = ", ".join(f'"{reply}"' for reply in self.unclear_replies())
        self.alert("unclear_answer", "urgent", f"Unclear answer to {self.question.id}: {quoted}",
                   evidence(self.question.id, None, quoted, _id(self.message), self.now))
        return ["unclear_review"]

    def unclear_replies(self) -> list[str]:
        """The patient's replies to the question left unclear, oldest first (the last one
        alone when the turns are not stored as messages, as in `carecall converse`)."""
        key = self.answer_key()
        since = max((a.message_id for a in self.conversation.answers
                     if a.question_id != key and a.message_id is not None), default=0)
        replies = list(self.session.scalars(
            select(Message.body).where(Message.conversation_id == self.conversation.id,
                                       Message.direction == "in", Message.id > since)
            .order_by(Message.id)).all())
        return replies if replies and replies[-1] == self.text else [self.text]

    def next_prompt(self, before: list[str]) -> Turn:
        if self.state in END_STATES:
            return Turn([*before, self.say(self.state)], self.state)
        return Turn([*before, self.ask(self.flow.questions[self.state])], self.state)

    def ask(self, question: Question) -> str:
        return self.say(question.prompt, **prompt_values(question, self.episode,
                                                         self.conversation.item_index))

    # -- bookkeeping ------------------------------------------------------------------------

    def record(self, interpretation: Interpretation, raw: str) -> None:
        key = self.answer_key()
        answers = self.conversation.answers
        answer = next((a for a in answers if a.question_id == key), None)
        if answer is None:
            answer = Answer(question_id=key)
            answers.append(answer)
        answer.value = interpretation.value
        answer.unit = interpretation.unit
        answer.is_change = interpretation.change
        answer.raw = raw
        answer.understood = interpretation.understood
        answer.message_id = _id(self.message)
        answer.created_at = self.now

    def instructions_given(self) -> set[str]:
        """Prompts already said by rules earlier in this conversation."""
        reasons = set(self.session.scalars(
            select(Alert.reason).where(Alert.conversation_id == self.conversation.id)))
        return {rule.say for rule in self.flow.rules if rule.id in reasons}

    def just_answered(self, answers: dict[str, AnswerView]) -> dict[str, AnswerView]:
        """For a question asked per medicine, rules look at this medicine's answer only, so
        an earlier medicine's "no" does not fire again."""
        view = answers.get(self.question.id)
        if view is None or not view.items:
            return answers
        current = next(a for a in self.conversation.answers if a.question_id == self.answer_key())
        medicine_id = int(self.answer_key().partition(":")[2])
        high_risk = next(m.high_risk for m in self.episode.medications if m.id == medicine_id)
        item = ItemAnswer(current.value, current.understood, high_risk)
        return {**answers, self.question.id: AnswerView(None, item.understood, (item,))}

    def answer_key(self) -> str:
        """A question asked once per medicine keeps one answer per medicine."""
        medicines = medicines_for(self.question, self.episode)
        if not medicines:
            return self.question.id
        return f"{self.question.id}:{medicines[self.conversation.item_index].id}"

    def answers(self) -> dict[str, AnswerView]:
        return facts(self.session, self.conversation, self.now)

    def current_answer(self) -> dict[str, Any]:
        key = self.answer_key()
        answer = next(a for a in self.conversation.answers if a.question_id == key)
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
        if interpretation.hedged and interpretation.value in (True, False, "yes", "no"):
            # Confirmed before it is stored: "yes, that's right" keeps it, "no" asks again.
            self.conversation.pending = {"value": interpretation.value, "unit": None,
                                         "change": False, "raw": self.text, "hedge": True}
            leaning = interpretation.value in (True, "yes")
            return [self.say("confirm_yes" if leaning else "confirm_no")]
        hint = self.say(f"clarify_{question.kind}", minimum=_number_text(question.minimum),
                        maximum=_number_text(question.maximum))
        if question.optional:  # someone with no thermometer must not be stuck here
            hint = f"{hint} {self.say('clarify_skip')}"
        return [hint, self.ask(question)] if question.kind == "choice" else [hint]

    def finish(self) -> None:
        _finish(self.conversation, self.now)


def spoken_value(question: Question, interpretation: Interpretation, language: str) -> str:
    """How an answer is read back: "4 pounds more", "101.5 degrees", "yes", "worse"."""
    value = interpretation.value
    if isinstance(value, bool):
        yes, no = YES_NO_WORDS.get(language, YES_NO_WORDS["en"])
        return yes if value else no
    if question.kind == "number":
        unit = UNIT_WORDS.get(language, UNIT_WORDS["en"]).get(interpretation.unit or "", "")
        amount = f"{abs(value)} {unit}".strip()
        if interpretation.change:
            more = {"en": ("more", "less"), "es": ("más", "menos")}.get(language, ("more",
                                                                                  "less"))
            return f"{amount} {more[0] if value > 0 else more[1]}"
        return amount
    return str(value)


def _finish(conversation: Conversation, now: datetime) -> None:
    conversation.ended_at = now
    conversation.checkin.status = conversation.state or "completed"
    conversation.checkin.ended_at = now


def skip_questions_that_do_not_apply(machine: Any, conversation: Conversation, flow: Flow,
                                     answers: dict[str, AnswerView]) -> None:
    """Move past questions about medicines the patient was not given."""
    tags = {m.change for m in conversation.checkin.episode.medications}
    while conversation.state not in END_STATES:
        question = flow.questions[conversation.state or ""]
        if question.applies_to(tags):
            return
        machine.send("answer", answers=answers)


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


def _spoken_list(items: list[str], language: str) -> str:
    """ "chest pain, trouble breathing or bleeding" in the patient's language."""
    if len(items) < 2:
        return "".join(items)
    joiner = " o " if language == "es" else " or "
    return ", ".join(items[:-1]) + joiner + items[-1]


def _id(message: Message | None) -> int | None:
    return message.id if message else None


def _unique(texts: list[str]) -> list[str]:
    return list(dict.fromkeys(texts))


def _number_text(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if value == int(value) else str(value)
