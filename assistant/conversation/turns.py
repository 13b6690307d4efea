"""What a turn gives back and the small pieces the dialogue and an answer's turn share: the
safety words for what was found, alerts for an opt-out or a request for a person, and how a
value is said back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.care_team.caregivers import deactivate_caregiver
from assistant.conversation.chart import END_STATES
from assistant.conversation.escalation import evidence, raise_alert
from assistant.conversation.flows import AnswerView, Flow, Question
from assistant.conversation.understanding import (
    Interpretation,
)
from assistant.records.care_records import Caregiver
from assistant.records.models import Conversation, Episode, Message, Patient
from assistant.safety import SUMMARIES, Assessment

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


def finish_conversation(conversation: Conversation, now: datetime) -> None:
    conversation.ended_at = now
    conversation.checkin.status = conversation.state or "completed"
    conversation.checkin.ended_at = now


def skip_questions_that_do_not_apply(machine: Any, conversation: Conversation, flow: Flow,
                                     answers: dict[str, AnswerView]) -> None:
    """Move past questions about medicines the patient was not given, and those whose
    `only_when` does not hold (`answers` carries the facts about the stay too)."""
    tags = {m.change for m in conversation.checkin.episode.medications}
    while conversation.state not in END_STATES:
        question = flow.questions[conversation.state or ""]
        if question.applies_to(tags, answers):
            return
        machine.send("answer", answers=answers)


def latest_episode(session: Session, patient: Patient) -> Episode | None:
    return session.scalar(select(Episode).where(Episode.patient_id == patient.id)
                          .order_by(Episode.discharged_at.desc(), Episode.id.desc()).limit(1))


def caregiver_opt_out(session: Session, patient: Patient, episode: Episode | None,
                      caregiver: Caregiver, conversation_id: int | None, text: str,
                      message: Message | None, now: datetime) -> None:
    """STOP from a caregiver who answers for the patient stops the caregiver, not the
    patient's follow-up: they are no longer asked, the patient's own phone is used again,
    and the team is told."""
    deactivate_caregiver(session, caregiver, actor=f"{caregiver.name} (STOP)", now=now)
    if episode is not None:
        raise_alert(session, patient_id=patient.id, episode_id=episode.id,
                    conversation_id=conversation_id, reason="caregiver_opted_out",
                    severity="routine",
                    summary=f"{caregiver.name} ({caregiver.relationship_to_patient}) asked to "
                            "stop; check-ins go to the patient's own phone again",
                    question_id=None, evidence=evidence(None, None, text, id_of(message), now),
                    now=now)


def opt_out_alert(session: Session, patient: Patient, episode: Episode,
                   conversation_id: int | None, text: str, message: Message | None,
                   now: datetime) -> None:
    raise_alert(session, patient_id=patient.id, episode_id=episode.id,
                conversation_id=conversation_id, reason="opted_out", severity="routine",
                summary="Patient opted out: no more automated check-ins", question_id=None,
                evidence=evidence(None, None, text, id_of(message), now), now=now)


def person_alert(session: Session, patient: Patient, episode: Episode,
                  conversation_id: int | None, question_id: str | None, text: str,
                  message: Message | None, now: datetime, severity: str = "urgent",
                  details: dict[str, Any] | None = None) -> None:
    """`severity`: urgent, or routine when no nurse can call the same day."""
    raise_alert(session, patient_id=patient.id, episode_id=episode.id,
                conversation_id=conversation_id, reason="asked_for_person", severity=severity,
                summary="Patient asked to speak to a nurse", question_id=question_id,
                evidence=details or evidence(question_id, None, text, id_of(message), now),
                now=now)


def spoken_list(items: list[str], language: str) -> str:
    """ "chest pain, trouble breathing or bleeding" in the patient's language."""
    if len(items) < 2:
        return "".join(items)
    joiner = " o " if language == "es" else " or "
    return ", ".join(items[:-1]) + joiner + items[-1]


def id_of(message: Message | None) -> int | None:
    return message.id if message else None


def unique(texts: list[str]) -> list[str]:
    return list(dict.fromkeys(texts))


def number_text(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if value == int(value) else str(value)
