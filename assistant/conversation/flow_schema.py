"""What a flow file may say: the kinds, severities, units, targets and reasons it may name, and
small helpers the parser and its checks share."""

from __future__ import annotations

import re
from typing import Any

from assistant.conversation.flows import (
    Condition,
)
from assistant.safety import RED_FLAG_IDS

ANSWER_KINDS = ("yes_no", "number", "scale", "choice", "date", "text")
SEVERITIES = ("emergency", "urgent", "routine")
CHANNELS = ("sms", "voice")
UNITS = ("lb", "kg", "F", "C", "mg/dL")
MEDICATION_TAGS = ("new", "changed", "stopped", "held", "unchanged")
END_TARGETS = {"end": "completed", "handover": "handed_over"}
END_STATE_NAMES = ("completed", "handed_over", "opted_out", "expired", "in_progress")
# Alerts the dialogue raises whatever the flow says: red flags and what patients ask for.
BUILT_IN_REASONS = {*RED_FLAG_IDS, "identity_not_confirmed", "opted_out", "asked_for_person",
                    "too_many_messages", "unreachable", "unclear_answer"}
# The yes/no and reading questions about warning signs (docs/CLINICAL.md): an
# answer to one of them that stays unclear must reach a nurse, never be left blank.
SYMPTOM_QUESTIONS = ("breathing", "chest_pain", "fever", "weight", "swelling", "orthopnea",
                     "sputum", "rescue_inhaler", "pain", "wound", "glucose", "side_effects",
                     "mood")
# unanswered: review (a nurse looks at an unclear answer) or record (it is left blank).
UNANSWERED = ("review", "record")
# Prompts the dialogue itself uses, whatever the flow asks.
SYSTEM_PROMPTS = (
    "greeting",
    "identity_retry",
    "identity_unreadable",
    "identity_failed",
    "completed",
    "handed_over",
    "opted_out",
    "conversation_closed",
    "unknown_sender",
    "holding_reply",
    "emergency_911",
    "crisis_988",
    "help",
    "opted_in",
    "nurse_callback",
    "confirm_yes",
    "confirm_no",
    "unclear_review",
    "expired",
    "reminder",
    *(VOICE_ONLY_PROMPTS := ("voicemail", "transfer", "after_hours", "hello_again",
                             "line_greeting", "read_back")),
    *(f"clarify_{kind}" for kind in ANSWER_KINDS),
)
# Facts about the stay a condition may test (`{appointment_known: true}`), as branches and
# `only_when` see them: appointment_known is a follow-up visit on record still to come;
# caregiver_answering is a caregiver answering on the patient's behalf.
EPISODE_FACTS = ("appointment_known", "caregiver_answering")
# What a prompt about the known visit may name; such a question needs
# `only_when: {appointment_known: true}`, or there would be no visit to name.
VISIT_PLACEHOLDERS = ("visit_time", "with_clinician", "at_place")
# Typical values, to measure how long a prompt is once filled in.
SAMPLE_VALUES = {"first_name": "Alexandra", "provider": "Riverside Hospital",
                 "callback": "+12015550100", "medicine": "Hydrochlorothiazide", "dose": "25 mg",
                 "minimum": "0", "maximum": "10", "visit_time": "Wednesday, Dec 30 at 10:30 AM",
                 "with_clinician": " with Dr. Alexandra Lee",
                 "at_place": " at Riverside Family Medicine"}
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
TIME_PATTERN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
COMPARISONS = ("gte", "gt", "lte", "lt")


def plain(data: Any) -> Any:
    """Strip line bookkeeping so a flow can be stored as JSON."""
    if isinstance(data, dict):
        return {str(key): plain(value) for key, value in data.items()}
    if isinstance(data, list):
        return [plain(item) for item in data]
    return data


def holds_when_unclear(condition: Condition, question_id: str) -> bool:
    """Whether a rule's condition holds for an unclear answer to the question."""
    if condition.op in ("all", "any"):
        return any(holds_when_unclear(child, question_id) for child in condition.children)
    return condition.question == question_id and condition.op == "unclear" and bool(
        condition.operand)


def requires_fact(condition: Condition | None, fact: str) -> bool:
    """Whether a condition can hold only when the stay's `fact` is true."""
    if condition is None:
        return False
    if condition.op == "all":
        return any(requires_fact(child, fact) for child in condition.children)
    return condition.episode_fact and condition.question == fact and condition.operand is True
