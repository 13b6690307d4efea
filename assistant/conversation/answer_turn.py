"""One reply inside a conversation, from warning signs to the next question: safety first,
then the answer read, confirmed when hedged, recorded, and the flow's rules applied."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.care_team.promises import CallPromise
from assistant.conversation.answer_book import AnswerBook
from assistant.conversation.answer_facts import medicines_for, prompt_values
from assistant.conversation.chart import END_STATES
from assistant.conversation.escalation import add_evidence, raise_alert, triggered_rules
from assistant.conversation.flows import Question, Rule
from assistant.conversation.keywords import asks_for_person, keyword
from assistant.conversation.questions_back import answer_question_back
from assistant.conversation.reading_dates import interpret_date
from assistant.conversation.turn_promises import TurnPromises
from assistant.conversation.turns import (
    MAX_CLARIFICATIONS,
    MAX_IDENTITY_FAILURES,
    READ_BACK_BELOW,
    Turn,
    caregiver_opt_out,
    emergency_prompts,
    finish_conversation,
    number_text,
    opt_out_alert,
    person_alert,
    safety_check_alerts_and_words,
    skip_questions_that_do_not_apply,
    spoken_value,
    unique,
)
from assistant.conversation.understanding import (
    Interpretation,
    interpret,
    interpret_yes_no,
    is_skip,
)
from assistant.conversation.wording import addressee
from assistant.records.consent import opt_out
from assistant.records.models import Alert, Conversation, Message
from assistant.safety import SUMMARIES, Assessment, assess, symptom_words

if TYPE_CHECKING:  # the dialogue makes the turn
    from assistant.conversation.dialogue import Dialogue


class AnswerTurn(AnswerBook, TurnPromises):
    """The working state of one reply inside an open conversation."""
    unreadable = False  # the reply could not be read as an answer (reports count these)

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
        self.to = addressee(self.patient, conversation.respondent)  # a caregiver may answer
        self.text = text
        # What the patient did, as a nurse should read it: their words, or on a call the key
        # they pressed ("pressed 0"), never the meaning we gave the key.
        self.said = message.body if message is not None and message.body else text
        self.message = message
        self.channel = channel
        self.now = now
        self.flow = dialogue.versions.flow_of(self.checkin)
        self.machine = dialogue.charts.machine(self.flow, conversation)
        self.question = self.flow.questions[conversation.state or ""]
        self.sign_to_check = False  # the safety net already sent this reply to a nurse
        self.sign_named = False  # the safety net's rules found a sign in the reply's words
        self._promises: dict[tuple[str, str | None], CallPromise] = {}

    def say(self, prompt_id: str, **extra: object) -> str:
        """{when}, unless given, is when a nurse will call about an urgent alert."""
        extra.setdefault("when", self.when())  # worked out only if the prompt says it
        return self.dialogue.wording.say(prompt_id, self.to, self.channel, self.flow, **extra)

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
        self.sign_named = any(not finding.by_reader for finding in assessment.findings)
        turn = self.answer_turn()
        if not to_check:
            return turn
        # Never silence: whatever else the reply did, a nurse checks the sign today and the
        # patient hears what to do if it is happening now, first.
        for flag, summary in to_check:
            self.alert(flag, "urgent", summary, None)
        words = self.dialogue.safety_check_words(to_check, self.to, self.channel,
                                                 self.when(self.promise("urgent")))
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
        if not interpretation.understood and (back := answer_question_back(self)):
            return back  # "who is this?": answered, and the question asked again
        if self.question.identity:
            return self.check_identity(interpretation)
        if not interpretation.understood:
            self.conversation.clarifications += 1
            self.unreadable = True
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
        self.record(interpretation, self.said)
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
            "change": interpretation.change, "raw": self.said,
        }
        heard = spoken_value(self.question, interpretation, self.to.language)
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
                           language=self.to.language, question=question.id)
        # "Up 2 pounds" is not a reading: only a question that accepts a change takes it.
        return Interpretation(False) if result.change and not question.accepts_change \
            else result

    # -- outcomes ---------------------------------------------------------------------------

    def emergency(self, flags: list[str], rules: list[Rule],
                  assessment: Assessment | None = None) -> Turn:
        """Call 911 (or 988) comes first and alone; the conversation goes to a person. Other
        signs in the same message are alerted too, as urgent."""
        said: list[dict[str, Any]] | None = None
        if flags and not self.question.identity:
            interpretation = self.interpret()
            if interpretation.understood:  # the answer is kept, whatever else was said
                self.record(interpretation, self.said)
                rules = rules or triggered_rules(self.flow, self.question.id, self.answers())
                said = [self.answer_evidence(next(a for a in self.conversation.answers
                                                  if a.question_id == self.answer_key()))]
        for flag in flags:
            self.alert(flag, "emergency", SUMMARIES[flag], said)
        for flag, summary in safety_check_alerts_and_words(assessment or Assessment()):
            self.alert(flag, "urgent", summary, None)
        for rule in rules:
            self.alert(rule.id, rule.severity, rule.summary, self.rule_evidence(rule))
        prompts = emergency_prompts(flags) if flags else []
        prompts += [rule.say for rule in rules if rule.severity == "emergency" and rule.say]
        self.machine.send("escalate")
        self.finish()
        return Turn(unique([self.say(p) for p in prompts]), self.state)

    def replies_so_far(self) -> int:
        return self.conversation.replies_sent or 0  # kept by the database (migration 0020)

    def stop_loop(self) -> Turn:
        """Too many messages for one check-in: probably a machine answering. Stop replying
        and let a person look."""
        self.alert("too_many_messages", "routine",
                   "Check-in stopped after too many messages; an automatic responder?", None)
        self.machine.send("escalate")
        self.finish()
        return Turn([], self.state)

    def opt_out(self) -> Turn:
        """STOP from a caregiver stops the caregiver (a nurse follows up), not the patient."""
        caregiver = self.conversation.respondent
        if self.to is not self.patient and caregiver is not None:
            words = self.say("opted_out")
            caregiver_opt_out(self.session, self.patient, self.episode, caregiver,
                              self.conversation.id, self.said, self.message, self.now)
            self.machine.send("escalate")
            self.finish()
            return Turn([words], self.state)
        opt_out(self.session, self.patient, self.now)
        opt_out_alert(self.session, self.patient, self.checkin.episode, self.conversation.id,
                       self.said, self.message, self.now)
        self.machine.send("opt_out")
        self.finish()
        return Turn([self.say("opted_out")], self.state)

    def hand_over_on_request(self, interpretation: Interpretation) -> Turn:
        if interpretation.understood and not self.question.identity:
            self.record(interpretation, self.said)
        promise = self.promise("urgent", "routine")  # no page at night for a request
        person_alert(self.session, self.patient, self.checkin.episode, self.conversation.id,
                      self.answer_key(), self.said, self.message, self.now, promise.severity,
                      self.said_evidence())
        self.machine.send("escalate")
        self.finish()
        return Turn([self.say("nurse_callback", when=self.when(promise))], self.state,
                    transfer=True)

    def check_identity(self, interpretation: Interpretation) -> Turn:
        """Nothing about health or the stay before the date of birth matches. A reply that is
        not a date counts as a failed try like a wrong date, so three "x" cannot walk past the
        question; two failures end the conversation with an urgent alert for a person to call."""
        if interpretation.understood and self.dob_matches():
            # The date of birth itself is not kept as an answer: it is already on record.
            self.record(Interpretation(True, True), "(confirmed)")
            self.conversation.clarifications = 0
            answers = self.answers()
            self.machine.send("answer", answers=answers)
            skip_questions_that_do_not_apply(self.machine, self.conversation, self.flow, answers)
            return self.next_prompt([])
        self.conversation.identity_failures += 1
        self.unreadable = not interpretation.understood  # not a date, as against a wrong one
        shown = [] if interpretation.understood else self.show_symptom_words_to_a_nurse()
        if self.conversation.identity_failures < MAX_IDENTITY_FAILURES:
            again = "identity_retry" if interpretation.understood else "identity_unreadable"
            return Turn([*shown, self.say(again)], self.state)
        self.alert("identity_not_confirmed", "urgent",
                   "Date of birth not confirmed after two tries; call to confirm identity",
                   self.said_evidence())
        self.machine.send("escalate")
        self.finish()
        return Turn([*shown, self.say("identity_failed")], self.state)

    def dob_matches(self) -> bool:
        """Either reading of a numeric date counts ("03/04/1950" is 4 March in English and 3
        April in Spanish): a patient may write the other way round from their language's."""
        readings = {interpret_date(self.text, self.now.date(), day_first=first).value
                    for first in (False, True)}
        return self.patient.dob.isoformat() in readings

    def advance(self) -> Turn:
        if self.question.kind == "text":
            self.add_detail_to_alerts()
        answers = self.answers()
        rules = triggered_rules(self.flow, self.question.id, self.just_answered(answers))
        if any(rule.severity == "emergency" for rule in rules):
            return self.emergency([], rules)
        said_before = self.instructions_given() if rules else set()
        promises = {rule.id: self.promise(rule.severity, rule.off_duty) for rule in rules}
        for rule in rules:
            self.alert(rule.id, promises[rule.id].severity, rule.summary,
                       self.rule_evidence(rule))
        # "A nurse will call you today" once is enough; saying it again adds nothing.
        instructions = unique([self.say(rule.say, when=self.when(promises[rule.id]))
                               for rule in rules if rule.say and rule.say not in said_before]
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

    def add_detail_to_alerts(self) -> None:
        """A free-text answer that follows a question ("what is happening?" after "any side
        effects? yes") describes what that alert is about: the nurse reads it on the alert."""
        before = {question.id for question in self.flow.questions.values()
                  if any(branch.target == self.question.id for branch in question.branches)}
        if not before:
            return
        raised = self.session.scalars(select(Alert).where(
            Alert.conversation_id == self.conversation.id, Alert.question_id.in_(before),
            Alert.status != "resolved"))
        answer = next(a for a in self.conversation.answers if a.question_id == self.answer_key())
        for alert in raised:
            add_evidence(self.session, alert, [self.answer_evidence(answer)], self.now)

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
                   self.said_evidence(quoted))
        return ["unclear_review"]

    def next_prompt(self, before: list[str]) -> Turn:
        if self.state in END_STATES:
            return Turn([*before, self.say(self.state)], self.state)
        return Turn([*before, self.ask(self.flow.questions[self.state])], self.state)

    def ask(self, question: Question) -> str:
        return self.say(question.prompt, **prompt_values(question, self.episode,
                                                         self.conversation.item_index, self.now))

    # -- bookkeeping ------------------------------------------------------------------------

    def alert(self, reason: str, severity: str, summary: str,
              details: dict[str, Any] | list[dict[str, Any]] | None) -> None:
        raise_alert(
            self.session, patient_id=self.patient.id, episode_id=self.checkin.episode_id,
            conversation_id=self.conversation.id, reason=reason, severity=severity,
            summary=summary, question_id=self.question.id,
            evidence=details or self.said_evidence(),
            now=self.now,
        )

    def clarify(self, interpretation: Interpretation) -> list[str]:
        """A re-ask that helps: a hedge is read back to confirm, a choice lists its options
        again, anything else says how to answer."""
        question = self.question
        if interpretation.hedged and interpretation.value in (True, False, "yes", "no"):
            # Confirmed before it is stored: "yes, that's right" keeps it, "no" asks again.
            self.conversation.pending = {"value": interpretation.value, "unit": None,
                                         "change": False, "raw": self.said, "hedge": True}
            leaning = interpretation.value in (True, "yes")
            return [self.say("confirm_yes" if leaning else "confirm_no")]
        hint = self.say(f"clarify_{question.kind}", minimum=number_text(question.minimum),
                        maximum=number_text(question.maximum))
        if question.optional:  # someone with no thermometer must not be stuck here
            hint = f"{hint} {self.say('clarify_skip')}"
        return [hint, self.ask(question)] if question.kind == "choice" else [hint]

    def finish(self) -> None:
        finish_conversation(self.conversation, self.now)
