"""FHIR R4 out: what the check-ins found, as resources the hospital's record can take.

- an Observation, LOINC-coded, for each reading the flows measure (body weight 29463-7, body
  temperature 8310-5, glucose by home meter 41653-7) and the PHQ-2 items (44250-9, 44255-8)
  with their total (55758-7);
- a QuestionnaireResponse for each completed check-in (the flow is the questionnaire);
- a Flag for each alert, and a Task for each TCM call to make.

Every resource is built through `fhir.resources` (R4B models), so what we emit validates.
`changed_since` gives those whose record changed at or after a moment (the `_lastUpdated`
search and the Bulk Data export).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.task import Task
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from assistant.records.models import Alert, Answer, CheckIn, Conversation, Patient

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
READINGS = {  # question id → (LOINC code, display, UCUM unit, unit text, category)
    "weight": ("29463-7", "Body weight", "[lb_av]", "lb", "vital-signs"),
    "temperature": ("8310-5", "Body temperature", "[degF]", "°F", "vital-signs"),
    "glucose": ("41653-7", "Glucose [Mass/volume] in Capillary blood by Glucometer",
                "mg/dL", "mg/dL", "laboratory"),
}
PHQ2 = {"mood": ("44250-9", "Little interest or pleasure in doing things"),
        "mood_down": ("44255-8", "Feeling down, depressed, or hopeless")}
PHQ2_TOTAL = ("55758-7", "Patient Health Questionnaire 2 item (PHQ-2) total score [Reported]")
TYPES = ("Observation", "QuestionnaireResponse", "Flag", "Task")


def changed_since(session: Session, kind: str, since: datetime | None,
                  base_url: str) -> Iterator[dict[str, Any]]:
    """Resources of `kind` (one of TYPES) whose record changed at or after `since`."""
    if kind == "Observation":
        for answer, patient in _answers(session, since):
            yield from _observations(answer, patient)
        yield from _phq2_totals(session, since)
    elif kind == "QuestionnaireResponse":
        query = select(Conversation, CheckIn, Patient).join(
            CheckIn, Conversation.checkin_id == CheckIn.id).join(
            Patient, Conversation.patient_id == Patient.id).where(
            CheckIn.status == "completed")
        if since is not None:
            query = query.where(Conversation.last_activity_at >= since)
        for conversation, checkin, patient in session.execute(query.order_by(Conversation.id)):
            yield _questionnaire_response(conversation, checkin, patient, base_url)
    elif kind in ("Flag", "Task"):
        query = select(Alert, Patient).join(Patient, Alert.patient_id == Patient.id).where(
            Alert.kind == ("alert" if kind == "Flag" else "task"))
        if since is not None:
            query = query.where(Alert.updated_at >= since)
        for alert, patient in session.execute(query.order_by(Alert.id)):
            yield _flag(alert, patient) if kind == "Flag" else _task(alert, patient)
    else:
        raise ValueError(f"{kind} is not one of {', '.join(TYPES)}")


def _subject(patient: Patient) -> dict[str, Any]:
    reference: dict[str, Any] = {"reference": f"Patient/{patient.id}", "display": patient.name}
    if patient.mrn:
        reference["identifier"] = {"system": f"urn:carecall:mrn:{patient.mrn_authority or 'local'}",
                                   "value": patient.mrn}
    return reference


def _instant(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).isoformat()


def _answers(session: Session, since: datetime | None):  # type: ignore[no-untyped-def]
    query = select(Answer, Patient).join(Conversation, Answer.conversation_id == Conversation.id
                                         ).join(Patient, Conversation.patient_id == Patient.id
                                                ).where(Answer.understood.is_(True),
                                                        Answer.is_change.is_(False),
                                                        or_(*[Answer.question_id == q for q in
                                                              (*READINGS, *PHQ2)]))
    if since is not None:
        query = query.where(Answer.created_at >= since)
    return session.execute(query.order_by(Answer.id))


def _observations(answer: Answer, patient: Patient) -> Iterator[dict[str, Any]]:
    if answer.value is None or isinstance(answer.value, bool):
        return
    if answer.question_id in READINGS:
        code, display, unit_code, unit, category = READINGS[answer.question_id]
        value: dict[str, Any] = {"valueQuantity": {"value": float(answer.value), "unit": unit,
                                                   "system": UCUM, "code": unit_code}}
    else:
        code, display = PHQ2[answer.question_id]
        category, value = "survey", {"valueInteger": int(answer.value)}
    yield Observation.model_validate({
        "resourceType": "Observation", "id": f"answer-{answer.id}", "status": "final",
        "meta": {"lastUpdated": _instant(answer.created_at)},
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                            "observation-category", "code": category}]}],
        "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
        "subject": _subject(patient), "effectiveDateTime": _instant(answer.created_at),
        "note": [{"text": f"In the patient's words: {answer.raw}"}], **value,
    }).model_dump(mode="json", exclude_none=True)


def _phq2_totals(session: Session, since: datetime | None) -> Iterator[dict[str, Any]]:
    query = select(Conversation, Patient).join(Patient, Conversation.patient_id == Patient.id)
    if since is not None:
        query = query.where(Conversation.last_activity_at >= since)
    for conversation, patient in session.execute(query.order_by(Conversation.id)):
        scores = {a.question_id: a.value for a in conversation.answers
                  if a.question_id in PHQ2 and a.understood and isinstance(a.value, int)
                  and not isinstance(a.value, bool)}
        if len(scores) != len(PHQ2):
            continue
        yield Observation.model_validate({
            "resourceType": "Observation", "id": f"phq2-{conversation.id}", "status": "final",
            "meta": {"lastUpdated": _instant(conversation.last_activity_at)},
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                                "observation-category", "code": "survey"}]}],
            "code": {"coding": [{"system": LOINC, "code": PHQ2_TOTAL[0],
                                 "display": PHQ2_TOTAL[1]}]},
            "subject": _subject(patient),
            "effectiveDateTime": _instant(conversation.last_activity_at),
            "valueInteger": sum(scores.values()),
        }).model_dump(mode="json", exclude_none=True)


def _questionnaire_response(conversation: Conversation, checkin: CheckIn, patient: Patient,
                            base_url: str) -> dict[str, Any]:
    items = []
    for answer in conversation.answers:
        if not answer.understood or answer.value is None:
            continue
        value = answer.value
        if isinstance(value, bool):
            typed: dict[str, Any] = {"valueBoolean": value}
        elif isinstance(value, int | float):
            typed = {"valueDecimal": float(value)}
        else:
            typed = {"valueString": str(value)}
        items.append({"linkId": answer.question_id, "answer": [typed]})
    return QuestionnaireResponse.model_validate({
        "resourceType": "QuestionnaireResponse", "id": f"checkin-{checkin.id}",
        "meta": {"lastUpdated": _instant(conversation.last_activity_at)},
        "questionnaire": f"{base_url.rstrip('/')}/fhir/r4/Questionnaire/"
                         f"{checkin.episode.flow_id}",
        "status": "completed", "subject": _subject(patient),
        "authored": _instant(conversation.last_activity_at), "item": items or None,
    }).model_dump(mode="json", exclude_none=True)


def _flag(alert: Alert, patient: Patient) -> dict[str, Any]:
    return Flag.model_validate({
        "resourceType": "Flag", "id": f"alert-{alert.id}",
        "meta": {"lastUpdated": _instant(alert.updated_at)},
        "status": "inactive" if alert.status == "resolved" else "active",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                            "flag-category", "code": "clinical"}]}],
        "code": {"text": f"{alert.severity.upper()}: {alert.summary}"},
        "subject": _subject(patient),
        "period": {"start": _instant(alert.created_at),
                   **({"end": _instant(alert.resolved_at)} if alert.resolved_at else {})},
    }).model_dump(mode="json", exclude_none=True)


def _task(alert: Alert, patient: Patient) -> dict[str, Any]:
    status = {"open": "requested", "acknowledged": "in-progress",
              "resolved": "completed"}.get(alert.status, "requested")
    task: dict[str, Any] = {
        "resourceType": "Task", "id": f"task-{alert.id}",
        "meta": {"lastUpdated": _instant(alert.updated_at)},
        "status": status, "intent": "order", "priority": "urgent",
        "description": alert.summary, "for": _subject(patient),
        "authoredOn": _instant(alert.created_at),
        "code": {"text": "Transitional care management: interactive contact"
                 if alert.reason == "tcm_contact" else alert.reason},
    }
    if alert.due_at:
        task["restriction"] = {"period": {"end": _instant(alert.due_at)}}
    return Task.model_validate(task).model_dump(mode="json", exclude_none=True)
