"""A question and its answer as a nurse reads them: the question as it was asked (naming the
medicine it was about), and the answer as Yes, No or a value with its unit, never `True`, a
question id or `meds_taking:2`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant.conversation.flows import Flow
from assistant.conversation.prompts import PromptError
from assistant.conversation.visit_words import visit_values
from assistant.conversation.wording import Wording
from assistant.records.models import Episode

# The answering instructions ("Reply YES or NO.") are for the patient, not the nurse.
_INSTRUCTION = re.compile(
    r"^(please |if you can.t check it, |if it changed, )?(reply|for example|you can write)\b",
    re.I)
_COURTESY = re.compile(r"^(thank you|thanks)[.!]?$", re.I)  # "Thank you." before a question
_SENTENCE = re.compile(r"(?<=[.?!])\s+")


@dataclass(frozen=True)
class AskedQuestion:
    question_id: str
    text: str  # in English, as asked, without the answering instructions
    medicine: str | None = None


def asked_question(wording: Wording, flow: Flow | None, answer_key: str | None,
                   episode: Episode | None) -> AskedQuestion | None:
    """The question behind an answer key ("meds_taking:12" is the question about medicine
    12 of the episode). None for no key; the bare id when the flow no longer has it."""
    if not answer_key:
        return None
    question_id, _, medicine_id = answer_key.partition(":")
    medicine = None
    if medicine_id.isdigit() and episode is not None:
        medicine = next((m.name for m in episode.medications if m.id == int(medicine_id)), None)
    question = flow.questions.get(question_id) if flow is not None else None
    if question is None:
        return AskedQuestion(question_id, question_id.replace("_", " "), medicine)
    if question.identity:
        return AskedQuestion(question_id, "Date of birth (identity check)", None)
    # The visit a confirmation question named: the stay's first one on record.
    visit = {"visit_time": "on the day booked", "with_clinician": "", "at_place": ""}
    if episode is not None and getattr(episode, "appointments", None):
        visit = visit_values(episode.appointments[0], episode.patient.time_zone, "en")
    try:
        said = wording.say(question.prompt, None, "sms", flow, medicine=medicine or "the medicine",
                           dose="", **visit)
    except PromptError:  # a placeholder we cannot fill: the id still says enough
        return AskedQuestion(question_id, question_id.replace("_", " "), medicine)
    kept = [s for s in _SENTENCE.split(said.strip())
            if not _INSTRUCTION.match(s) and not _COURTESY.match(s)]
    return AskedQuestion(question_id, " ".join(kept) or said, medicine)


def answer_in_words(value: Any, unit: str | None = None, is_change: bool = False,
                    understood: bool = True) -> str:
    """Yes / No / "184 lb" / "up 3 lb" / the choice, as a person would write it."""
    if not understood:
        return "Unclear"
    if value is None:
        return "Skipped"
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if isinstance(value, int | float):
        number = f"{value:g}"
        if is_change:
            number = f"up {abs(value):g}" if value > 0 else (
                f"down {abs(value):g}" if value < 0 else "no change")
        return f"{number} {unit}".strip() if unit else number
    return str(value).replace("_", " ").capitalize()
