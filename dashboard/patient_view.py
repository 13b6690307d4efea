"""What the patient page shows, gathered in one place so the template only lays it out: the
current stay, each check-in's questions and answers in words, the trend charts, notes and
caregivers. No Flask here: plain data from the session and the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.care_team.caregivers import caregivers_of
from assistant.care_team.notes import notes_of
from assistant.conversation.flow_loader import FlowError
from assistant.conversation.flows import Flow
from assistant.conversation.question_words import answer_in_words, asked_question
from assistant.conversation.readings import Series, series
from assistant.outreach.active_patients import age_in_years
from assistant.records.care_records import Caregiver, CareNote
from assistant.records.models import Alert, CheckIn, Episode, Message, Patient
from assistant.services import Services
from dashboard.charts import Point, line_chart

# A chart needs at least this many readings; fewer are shown as values.
MIN_READINGS_FOR_CHART = 2


@dataclass(frozen=True)
class AnswerRow:
    question: str
    medicine: str | None
    answer: str
    said: str
    understood: bool


@dataclass
class CheckInView:
    checkin: CheckIn
    answers: list[AnswerRow]
    respondent: str | None = None  # a caregiver who answered for the patient
    messages: list[Message] = field(default_factory=list)


@dataclass
class Trend:
    series: Series
    chart: Markup | None  # None below MIN_READINGS_FOR_CHART
    reference: float | None = None


@dataclass
class PatientPage:
    patient: Patient
    age: int
    episode: Episode | None  # the current stay: the latest discharge
    earlier: list[Episode]
    checkins: list[CheckInView]
    trends: list[Trend]
    open_alerts: list[Alert]
    closed_alerts: int
    notes: list[CareNote]
    caregivers: list[Caregiver]
    other_messages: list[Message]  # not part of a check-in: STOP, a text out of the blue
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)


def _stays(session: Session, patient_id: int) -> list[Episode]:
    """Newest first: the first is the current stay."""
    return list(session.scalars(select(Episode).where(Episode.patient_id == patient_id)
                                .order_by(Episode.discharged_at.desc(), Episode.id.desc())))


def current_episode(session: Session, patient_id: int) -> Episode | None:
    stays = _stays(session, patient_id)
    return stays[0] if stays else None


def patient_page(session: Session, services: Services, patient: Patient) -> PatientPage:
    episodes = _stays(session, patient.id)
    current = episodes[0] if episodes else None
    alerts = list(session.scalars(select(Alert).where(Alert.patient_id == patient.id)
                                  .order_by(Alert.created_at.desc(), Alert.id.desc())))
    caregivers = caregivers_of(session, patient.id)
    names = {c.id: f"{c.name} ({c.relationship_to_patient})" for c in caregivers}
    checkins = [_checkin_view(services, checkin, episode, names)
                for episode in episodes for checkin in reversed(episode.checkins)]
    messages = list(session.scalars(select(Message).where(Message.patient_id == patient.id)
                                    .order_by(Message.id)))
    by_conversation = {view.checkin.conversation.id: view for view in checkins
                       if view.checkin.conversation is not None}
    other = []
    for message in messages:
        view = by_conversation.get(message.conversation_id or 0)
        (view.messages if view is not None else other).append(message)
    return PatientPage(
        patient=patient,
        age=age_in_years(patient.dob, services.clock(), patient.time_zone),
        episode=current, earlier=episodes[1:],
        checkins=[view for view in checkins if _happened(view.checkin)],
        trends=_trends(current, patient.time_zone) if current else [],
        open_alerts=[a for a in alerts if a.status != "resolved"],
        closed_alerts=sum(1 for a in alerts if a.status == "resolved"),
        notes=notes_of(session, patient.id), caregivers=caregivers,
        other_messages=other,
        contacts=_contacts(current),
    )


def _happened(checkin: CheckIn) -> bool:
    """Planned check-ins still ahead are in the stay's plan, not in the record of contacts."""
    return checkin.status not in ("scheduled", "cancelled") or checkin.conversation is not None


def _flow(services: Services, checkin: CheckIn) -> Flow | None:
    """The flow version the check-in ran; an old version that no longer parses (the flow
    format moved on) still shows its answers, with the question ids in words."""
    try:
        return services.versions.flow_of(checkin)
    except FlowError:
        return None


def _checkin_view(services: Services, checkin: CheckIn, episode: Episode,
                  caregivers: dict[int, str]) -> CheckInView:
    conversation = checkin.conversation
    if conversation is None:
        return CheckInView(checkin, [])
    flow = _flow(services, checkin)
    rows = []
    for answer in conversation.answers:
        asked = asked_question(services.dialogue.wording, flow, answer.question_id, episode)
        question = flow.questions.get(answer.question_id) if flow is not None else None
        if question is not None and question.identity:
            # The date of birth is not kept (it is on record): only that it matched.
            words, said = ("Confirmed" if answer.value is True else "Not confirmed"), ""
        else:
            words = answer_in_words(answer.value, answer.unit, answer.is_change,
                                    answer.understood)
            said = answer.raw
        rows.append(AnswerRow(
            question=asked.text if asked else answer.question_id,
            medicine=asked.medicine if asked else None,
            answer=words, said=said, understood=answer.understood))
    respondent = caregivers.get(conversation.respondent_id) \
        if conversation.respondent_id else None
    return CheckInView(checkin, rows, respondent)


def _trends(episode: Episode, zone: str) -> list[Trend]:
    trends = []
    for found in series(episode.checkins):
        measure = found.measure
        reference = episode.baseline.get("weight_lb") if measure.question_id == "weight" \
            else None
        chart = None
        if len(found.readings) >= MIN_READINGS_FOR_CHART:
            chart = line_chart(
                [Point(r.at, r.value) for r in found.readings], title=measure.title,
                unit=measure.unit, zone=zone, chart_id=f"trend-{measure.question_id}",
                reference=reference, reference_label="discharge",
                floor=measure.floor, ceiling=measure.ceiling)
        trends.append(Trend(found, chart, reference))
    return trends


def _contacts(episode: Episode | None) -> dict[str, dict[str, Any]]:
    """PCP and pharmacy as {"pcp": {"name", "phone"}, ...}; anything else in the JSON is
    ignored rather than shown half-understood."""
    given = (episode.care_contacts if episode else None) or {}
    found = {}
    for role in ("pcp", "pharmacy"):
        entry = given.get(role)
        if isinstance(entry, dict) and (entry.get("name") or entry.get("phone")):
            found[role] = {"name": str(entry.get("name") or ""),
                           "phone": str(entry.get("phone") or "")}
    return found
