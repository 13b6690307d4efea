"""What is said in a synthetic year: the assistant's real prompts (so SMS segments are counted
on real text, Spanish ones often two or three), the patients' replies, and the answer values
each question gets, drawn so that the flows' own rules fire about as often as in practice."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from assistant.conversation.flows import Condition, Flow, Question, Rule
from assistant.conversation.prompts import PromptCatalogue, fill
from assistant.foundation.sms_length import segments

SAMPLE_VALUES = {"first_name": "Maria", "provider": "Riverside Hospital",
                 "callback": "(201) 555-0100", "medicine": "furosemide", "dose": "40 mg",
                 "minimum": "0", "maximum": "10", "when": "today by 5 PM",
                 "clinician": "Dr. Lee", "date": "Tuesday, December 1", "time": "10:00 AM",
                 "place": "Main Street Clinic", "heard": "yes"}
# How often an answer is the one a rule looks for, by the rule's severity: emergencies are rare.
BAD_RATE = {"emergency": 0.006, "urgent": 0.03, "routine": 0.04}
YES = {"en": ("yes", "Yes", "yes", "YES", "yeah", "Y"), "es": ("si", "Sí", "si", "Si")}
NO = {"en": ("no", "No", "no", "NO", "nope", "N"), "es": ("no", "No", "no")}
MUDDLED = {"en": ("?", "what", "hmm", "idk", "k", "maybe", "not sure"),
           "es": ("?", "que", "no se", "mmm", "tal vez")}
NOTES = {"en": ("my legs hurt at night", "can someone call about my pills",
                "I have a question about my diet", "feeling tired", "when is my visit"),
         "es": ("me duelen las piernas", "tengo una pregunta sobre mis pastillas",
                "cuando es mi cita", "me siento cansado")}


class _Samples(Mapping[str, str]):
    """Any placeholder a prompt names, filled with a plausible value."""

    def __getitem__(self, name: str) -> str:
        return SAMPLE_VALUES.get(name, "it")

    def __contains__(self, name: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(SAMPLE_VALUES)

    def __len__(self) -> int:
        return len(SAMPLE_VALUES)


class Wording:
    """The prompts of each flow, by language and channel, with the SMS segments they bill."""

    def __init__(self, catalogue: PromptCatalogue) -> None:
        self.catalogue = catalogue
        self._overlays: dict[str, PromptCatalogue] = {}
        self._said: dict[tuple[str, str, str, str], tuple[str, int | None]] = {}

    def say(self, flow: Flow, prompt_id: str, language: str,
            channel: str) -> tuple[str, int | None]:
        key = (flow.id, prompt_id, language, channel)
        said = self._said.get(key)
        if said is None:
            catalogue = self._overlays.get(flow.id)
            if catalogue is None:
                catalogue = self._overlays[flow.id] = self.catalogue.overlay(flow.prompts)
            prompts = catalogue.languages.get(language, catalogue.languages["en"])
            prompt = prompts.get(prompt_id) or catalogue.languages["en"][prompt_id]
            body = fill(prompt.for_channel(channel), _Samples(), prompt_id)
            said = self._said[key] = (body, segments(body) if channel == "sms" else None)
        return said


def leaves(condition: Condition) -> Iterator[Condition]:
    if condition.children:
        for child in condition.children:
            yield from leaves(child)
    else:
        yield condition


class Answers:
    """Answer values for one flow's questions: most are the reassuring answer; a rule's answer
    comes at its severity's rate (so alerts come from the flow's own rules, as they would)."""

    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self.rules: dict[str, list[Rule]] = {q: flow.rules_for(q) for q in flow.questions}
        self.worrying: dict[str, list[tuple[str, Condition]]] = {q: [] for q in flow.questions}
        for rule in flow.rules:
            for leaf in leaves(rule.when):
                if leaf.question in self.worrying and leaf.op in ("is", "in", "gte", "gt",
                                                                   "lte", "lt"):
                    self.worrying[leaf.question].append((rule.severity, leaf))
        # The answers some rule looks for, per question (read for every answer drawn).
        self.bad: dict[str, set[Any]] = {}
        for question_id, found in self.worrying.items():
            bad = {leaf.operand for _, leaf in found if leaf.op == "is"}
            self.bad[question_id] = bad | {o for _, leaf in found if leaf.op == "in"
                                           for o in leaf.operand}

    def value(self, question: Question, rng: random.Random, language: str, dob: date,
              weight: float | None) -> tuple[Any, str]:
        """(value, the patient's words)."""
        for severity, leaf in self.worrying[question.id]:
            if rng.random() < BAD_RATE[severity]:
                return self._meeting(leaf, question, rng, language)
        return self._reassuring(question, rng, language, dob, weight)

    def _meeting(self, leaf: Condition, question: Question, rng: random.Random,
                 language: str) -> tuple[Any, str]:
        operand = leaf.operand
        if leaf.op == "in":
            operand = rng.choice(sorted(operand, key=str))  # a set: its order varies by run
        if leaf.op in ("is", "in"):
            return operand, self._words(question, operand, rng, language)
        step = rng.choice((0, 1, 2)) if question.kind == "scale" else round(rng.uniform(0, 2), 1)
        value = operand + step if leaf.op in ("gte", "gt") else operand - step - 1
        if leaf.op == "gt" and value == operand:
            value += 1
        return value, str(value)

    def _reassuring(self, question: Question, rng: random.Random, language: str, dob: date,
                    weight: float | None) -> tuple[Any, str]:
        kind, bad = question.kind, self.bad[question.id]
        if kind == "yes_no":
            # The reassuring answer is the one no rule looks for ("yes, I can get there").
            value = not any(o is True for o in bad) if bad else rng.random() < 0.9
            return value, self._words(question, value, rng, language)
        if kind == "choice":
            keys = [k for k in question.choices if k not in bad] or list(question.choices)
            value = keys[0] if rng.random() < 0.6 else rng.choice(keys)
            return value, self._words(question, value, rng, language)
        if kind == "date":
            return dob.isoformat(), dob.strftime("%m/%d/%Y")
        if kind == "text":
            said = rng.choice(NOTES.get(language, NOTES["en"]))
            return said, said
        return self._number(question, rng, weight)

    @staticmethod
    def _number(question: Question, rng: random.Random,
                weight: float | None) -> tuple[Any, str]:
        if question.id == "weight" and weight is not None:
            value: float = round(weight + rng.gauss(0, 1.0), 1)
        elif question.id == "temperature":
            value = round(rng.uniform(97.2, 99.6), 1)
        elif question.id == "glucose":
            value = rng.randint(85, 240)
        elif question.kind == "scale":
            low = int(question.minimum or 0)
            high = int(question.maximum if question.maximum is not None else 10)
            value = min(high, low + int(rng.expovariate(1.2) * max(1, (high - low) / 4)))
        else:
            low, high = question.minimum or 0, question.maximum or 100
            value = round(rng.uniform(low + (high - low) * 0.3, low + (high - low) * 0.5))
        return value, f"{value:g}" if isinstance(value, float) else str(value)

    @staticmethod
    def _words(question: Question, value: Any, rng: random.Random, language: str) -> str:
        if value is True:
            return rng.choice(YES[language])
        if value is False:
            return rng.choice(NO[language])
        synonyms = question.choices.get(str(value))
        if not synonyms:
            return str(value)
        return synonyms[-1] if language == "es" else rng.choice(synonyms[:3])


def muddled(rng: random.Random, language: str) -> str:
    return rng.choice(MUDDLED[language])
