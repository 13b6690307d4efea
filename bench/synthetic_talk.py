"""One check-in's conversation in a synthetic year, as the assistant would have recorded it:
each question asked (an outbound message), each reply (inbound, with the question it answered
and whether it was read), a re-ask after each unclear reply, the answers in flow order, the
flow's own rules raising alerts, and where it ended: completed, handed over (an emergency
answer or a wish to talk to a nurse), opted out or gone quiet (`stopped_at`)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from assistant.conversation.flows import AnswerView, Flow, ItemAnswer, Question

from .synthetic_rows import Rows
from .synthetic_words import Answers, Wording, muddled

SERVICE_NUMBER = "+12015550199"
UNCLEAR_RATE = 0.035  # replies not read at the first try
ASKS_FOR_NURSE = 0.006  # conversations where the patient asks for a person instead
SEVERITY_ORDER = {"emergency": 0, "urgent": 1, "routine": 2}
ONCE = (None,)  # a question asked once, not once per medicine
NUMBERS = (int, float)
DERIVED_FROM = ("mood_down", "weight")  # the answers values are derived from (derived.py)
# The commonest answers' views, made once (they are immutable).
PLAIN_VIEWS = {(value, True): AnswerView(value, True) for value in (True, False)}
QUIET = timedelta(hours=24)  # conversation_timeout_hours


@dataclass(frozen=True)
class Medicine:
    id: int
    change: str
    high_risk: bool


@dataclass
class Stay:
    """What a conversation needs of the patient and the stay."""

    patient_id: int
    phone: str
    language: str
    dob: Any
    flow: Flow
    medicines: list[Medicine]
    visit_at: datetime | None
    weight: float | None  # at discharge (heart failure), for the weight questions
    last_weight: float | None = None

    def __post_init__(self) -> None:
        self.tags = {m.change for m in self.medicines}
        self.high_risk = sum(1 for m in self.medicines
                             if m.high_risk and m.change in ("new", "changed"))


@dataclass(frozen=True)
class RaisedAlert:
    reason: str
    severity: str
    summary: str
    question_id: str | None
    at: datetime
    evidence: dict[str, Any]


@dataclass
class Talk:
    state: str
    last_activity: datetime
    ended_at: datetime | None
    stopped_at: str | None = None
    replied_at: datetime | None = None
    clarifications: int = 0
    alerts: list[RaisedAlert] = field(default_factory=list)


class Talker:
    def __init__(self, rows: Rows, rng: random.Random, wording: Wording,
                 answers: dict[str, Answers]) -> None:
        self.rows, self.rng, self.wording, self.answers = rows, rng, wording, answers
        # Bound once: a year is millions of messages and answers.
        self._message, self._message_id = rows.appender("message"), rows.counter("message")
        self._answer_row, self._answer_id = rows.appender("answer"), rows.counter("answer")
        self._stamp = rows.stamp

    def converse(self, stay: Stay, conversation_id: int, channel: str, start: datetime,
                 first_reply: datetime | None, fate: str, stop_after: int,
                 end: datetime) -> Talk:
        """`fate`: completed (unless an answer hands it over), expired (quiet after
        `stop_after` answers), opted_out (STOP instead of answer `stop_after`) or silent (no
        reply at all). Nothing later than `end` is written: such a conversation is still open."""
        rng, flow, answers = self.rng, stay.flow, self.answers[stay.flow.id]
        self._out(stay, conversation_id, channel, "greeting", start)
        state = flow.first_question
        self._ask(stay, conversation_id, channel, flow.questions[state], start)
        talk = Talk(state, start, None)
        if first_reply is None or first_reply > end:
            return talk
        facts = self._facts(stay, start)
        views = dict(facts)
        now, answered = first_reply, 0
        raised: set[str] = set()
        talk.replied_at = first_reply
        nurse_at = rng.randrange(12) if rng.random() < ASKS_FOR_NURSE else -1
        while state not in ("completed", "end"):
            question = flow.questions[state]
            if fate == "expired" and answered == stop_after:
                return self._quiet(stay, conversation_id, channel, talk, state, end)
            if now > end:
                talk.state = state
                return talk
            if (fate == "opted_out" and answered == stop_after) or answered == nurse_at:
                stop = "opted_out" if answered == stop_after and fate == "opted_out" \
                    else "handed_over"
                return self._stop(stay, conversation_id, channel, talk, question, stop, now,
                                  end)
            for index, item in enumerate(self._items(stay, question)
                                         if question.for_each_medication else ONCE):
                if index:  # the same question again, about the next medicine
                    now += timedelta(seconds=rng.uniform(1, 3))
                    self._ask(stay, conversation_id, channel, question, now)
                    now += self._pause(channel)
                now = self._answer(stay, conversation_id, channel, question, item, views,
                                   talk, now)
            answered += 1
            talk.last_activity = now
            alerts = self._alerts(stay, question, views, raised, now) \
                if answers.rules[question.id] else ()
            talk.alerts.extend(alerts)
            if alerts and alerts[0].severity == "emergency":
                self._out(stay, conversation_id, channel, "emergency_911", now)
                return self._ended(stay, conversation_id, channel, talk, "handed_over", now,
                                   end)
            state = self._next(stay, question, views, facts)
            if state not in flow.questions:
                break
            asked = now + timedelta(seconds=rng.uniform(1, 3))
            self._ask(stay, conversation_id, channel, flow.questions[state], asked)
            now = asked + self._pause(channel)
        return self._ended(stay, conversation_id, channel, talk, "completed", now, end)

    # -- turns ------------------------------------------------------------------------------

    def _items(self, stay: Stay, question: Question) -> list[Medicine | None]:
        if not question.for_each_medication:
            return [None]
        return [m for m in stay.medicines if m.change in question.for_each_medication]

    def _answer(self, stay: Stay, conversation_id: int, channel: str, question: Question,
                medicine: Medicine | None, views: dict[str, AnswerView], talk: Talk,
                now: datetime) -> datetime:
        """The reply (and any re-asks it needs) and the answer it gives; returns its time."""
        rng, rows = self.rng, self.rows
        value, said = self.answers[stay.flow.id].value(question, rng, stay.language, stay.dob,
                                                       stay.weight)
        tries = 0
        while rng.random() < UNCLEAR_RATE and tries < 2:
            self._in(stay, conversation_id, channel, muddled(rng, stay.language), question.id,
                     True, now)
            talk.clarifications += 1
            tries += 1
            now += timedelta(seconds=rng.uniform(1, 3))
            self._out(stay, conversation_id, channel, f"clarify_{question.kind}", now)
            now += self._pause(channel)
        understood = tries < 2 or rng.random() < 0.5
        if not understood:
            value, said = None, muddled(rng, stay.language)
        stamp = self._stamp(now)
        message_id = self._message_id()
        self._message((message_id, stay.patient_id, conversation_id, "in", channel, stay.phone,
                       SERVICE_NUMBER, said, "received", stamp, question.id, False, None))
        key = question.id if medicine is None else f"{question.id}:{medicine.id}"
        unit = question.unit if type(value) in NUMBERS else None
        self._answer_row((self._answer_id(), conversation_id, key, rows.json(value), unit,
                          False, said, understood, message_id, stamp))
        if medicine is None:
            view = PLAIN_VIEWS.get((value, understood)) if type(value) is bool else None
            views[question.id] = view or AnswerView(value, understood)
        else:
            earlier = views.get(question.id)
            items = (*(earlier.items if earlier else ()),
                     ItemAnswer(value, understood, medicine.high_risk))
            views[question.id] = AnswerView(None, all(i.understood for i in items), items)
        if question.id in DERIVED_FROM:
            self._derive(stay, question, value, views)
        return now

    def _derive(self, stay: Stay, question: Question, value: Any,
                views: dict[str, AnswerView]) -> None:
        """The values rules compute from answers (derived.py): PHQ-2, weight changes."""
        if question.id == "mood_down" and "mood" in views:
            mood, down = views["mood"].value, value
            if isinstance(mood, int | float) and isinstance(down, int | float):
                views["phq2_total"] = AnswerView(mood + down)
        if question.id == "weight" and isinstance(value, int | float) and stay.weight:
            views["weight_change_discharge"] = AnswerView(round(value - stay.weight, 1))
            views["weight_change_week"] = AnswerView(round(value - stay.weight, 1))
            if stay.last_weight is not None:
                views["weight_change_2days"] = AnswerView(round(value - stay.last_weight, 1))
            stay.last_weight = value

    def _alerts(self, stay: Stay, question: Question, views: dict[str, AnswerView],
                raised: set[str], now: datetime) -> list[RaisedAlert]:
        found = []
        for rule in self.answers[stay.flow.id].rules[question.id]:
            if rule.id not in raised and rule.when.holds(views):
                raised.add(rule.id)
                answer = views.get(question.id)
                found.append(RaisedAlert(rule.id, rule.severity, rule.summary, question.id, now,
                                         {"question": question.id,
                                          "value": answer.value if answer else None,
                                          "at": now.isoformat(timespec="seconds")}))
        return sorted(found, key=lambda alert: SEVERITY_ORDER[alert.severity])

    @staticmethod
    def _next(stay: Stay, question: Question, views: dict[str, AnswerView],
              facts: dict[str, AnswerView]) -> str:
        """The next question asked, passing by those that do not apply to this stay."""
        questions = stay.flow.questions
        while True:
            target = next(b.target for b in question.branches
                          if b.when is None or b.when.holds(views))
            if target not in questions:
                return target
            question = questions[target]
            if (not question.for_each_medication and not question.only_with_medications
                    and question.only_when is None) or question.applies_to(stay.tags, facts):
                return target

    @staticmethod
    def _facts(stay: Stay, start: datetime) -> dict[str, AnswerView]:
        """Facts about the stay as the conversation starts (the visit still to come or not)."""
        return {"appointment_known": AnswerView(stay.visit_at is not None
                                                and stay.visit_at > start),
                "caregiver_answering": AnswerView(False),
                "high_risk_medicines": AnswerView(stay.high_risk)}

    # -- endings ----------------------------------------------------------------------------

    def _quiet(self, stay: Stay, conversation_id: int, channel: str, talk: Talk, state: str,
               end: datetime) -> Talk:
        """No more replies: the expiry closes it a quiet day later, with a closing message."""
        closed = talk.last_activity + QUIET + timedelta(seconds=self.rng.uniform(5, 60))
        talk.state = state
        if closed > end:
            return talk
        self._out(stay, conversation_id, channel, "expired", closed)
        talk.state, talk.stopped_at, talk.ended_at = "expired", state, closed
        return talk

    def _stop(self, stay: Stay, conversation_id: int, channel: str, talk: Talk,
              question: Question, how: str, now: datetime, end: datetime) -> Talk:
        if how == "opted_out":
            said = "STOP" if stay.language == "en" else self.rng.choice(("STOP", "PARAR"))
            talk.stopped_at = question.id
        else:
            said = "can a nurse call me" if stay.language == "en" else "quiero hablar con una" \
                                                                       " enfermera"
            talk.alerts.append(RaisedAlert("asked_for_person", "urgent",
                                           "Patient asked to speak to a nurse", question.id, now,
                                           {"question": question.id, "raw": said}))
        self._in(stay, conversation_id, channel, said, question.id, False, now)
        return self._ended(stay, conversation_id, channel, talk, how, now, end)

    def _ended(self, stay: Stay, conversation_id: int, channel: str, talk: Talk, state: str,
               now: datetime, end: datetime) -> Talk:
        closing = now + timedelta(seconds=self.rng.uniform(1, 3))
        if closing > end:
            return talk
        self._out(stay, conversation_id, channel, state, closing)
        talk.state, talk.ended_at, talk.last_activity = state, closing, now
        return talk

    # -- messages ---------------------------------------------------------------------------

    def _pause(self, channel: str) -> timedelta:
        """The patient's time to answer: lognormal, about 40 s by SMS and 9 s on a call."""
        median = 9.0 if channel == "voice" else 40.0
        return timedelta(seconds=median * math.exp(self.rng.gauss(0, 0.8)))

    def _ask(self, stay: Stay, conversation_id: int, channel: str, question: Question,
             at: datetime) -> None:
        self._out(stay, conversation_id, channel, question.prompt, at)

    def _out(self, stay: Stay, conversation_id: int, channel: str, prompt_id: str,
             at: datetime) -> None:
        body, parts = self.wording.say(stay.flow, prompt_id, stay.language, channel)
        status = "delivered" if self.rng.random() < 0.97 else "sent"
        self._message((self._message_id(), stay.patient_id, conversation_id, "out", channel,
                       SERVICE_NUMBER, stay.phone, body, status, self._stamp(at), None, None,
                       parts))

    def _in(self, stay: Stay, conversation_id: int, channel: str, said: str, question_id: str,
            unclear: bool, at: datetime) -> int:
        number = self._message_id()
        self._message((number, stay.patient_id, conversation_id, "in", channel, stay.phone,
                       SERVICE_NUMBER, said, "received", self._stamp(at), question_id, unclear,
                       None))
        return number
