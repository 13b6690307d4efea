"""What rules and branches see of a conversation: its answers (one per medicine for
questions asked per medicine) and the values derived from them and from the episode."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.conversation.derived import WeightReading, compute
from assistant.conversation.flows import AnswerView, ItemAnswer, Question
from assistant.conversation.visit_words import upcoming_visit, visit_values
from assistant.records.models import Answer, CheckIn, Conversation, Episode, Medication


def medicines_for(question: Question, episode: Episode) -> list[Medication]:
    """The medicines a question is asked about, in list order (none for other questions)."""
    return [m for m in episode.medications if m.change in question.for_each_medication]


def prompt_values(question: Question, episode: Episode, item_index: int,
                  now: datetime | None = None) -> dict[str, str]:
    """What a question's prompt may name: the medicine asked about and, given the moment
    it is asked, the follow-up visit still to come."""
    values: dict[str, str] = {}
    visit = upcoming_visit(episode, now) if now is not None else None
    if visit is not None:
        values.update(visit_values(visit, episode.patient.time_zone, episode.patient.language))
    medicines = medicines_for(question, episode)
    if not medicines:
        return values
    medicine = medicines[min(item_index, len(medicines) - 1)]
    return {**values, "medicine": medicine.name, "dose": medicine.dose or ""}


def episode_facts(episode: Episode, now: datetime,
                  conversation: Conversation | None = None) -> dict[str, AnswerView]:
    """Facts about the stay that conditions may test, as they stand at `now`; and whether a
    caregiver is answering for the patient (a self-report screen is then not asked)."""
    return {"appointment_known": AnswerView(upcoming_visit(episode, now) is not None),
            "caregiver_answering": AnswerView(
                conversation is not None and conversation.respondent_id is not None)}


def answer_views(conversation: Conversation, episode: Episode) -> dict[str, AnswerView]:
    views: dict[str, AnswerView] = {}
    items: dict[str, list[ItemAnswer]] = {}
    high_risk = {m.id: m.high_risk for m in episode.medications}
    for answer in conversation.answers:
        question_id, _, medicine_id = answer.question_id.partition(":")
        if medicine_id:
            items.setdefault(question_id, []).append(ItemAnswer(
                answer.value, answer.understood, high_risk.get(int(medicine_id), False)))
        else:
            views[question_id] = AnswerView(answer.value, answer.understood)
    for question_id, answered in items.items():
        views[question_id] = AnswerView(None, all(i.understood for i in answered),
                                        tuple(answered))
    return views


def earlier_weights(session: Session, conversation: Conversation) -> list[WeightReading]:
    """Weights read at this episode's earlier check-ins."""
    rows = session.execute(
        select(Answer.created_at, Answer.value)
        .join(Conversation, Answer.conversation_id == Conversation.id)
        .join(CheckIn, Conversation.checkin_id == CheckIn.id)
        .where(CheckIn.episode_id == conversation.checkin.episode_id,
               Conversation.id != conversation.id, Answer.question_id == "weight",
               Answer.understood.is_(True), Answer.is_change.is_(False))
    ).all()
    return [WeightReading(at, float(value)) for at, value in rows
            if isinstance(value, int | float)]


def facts(session: Session, conversation: Conversation, now: datetime) -> dict[str, AnswerView]:
    """The answers so far, with the values rules derive from them and the episode."""
    episode = conversation.checkin.episode
    views = answer_views(conversation, episode)
    current = {key: view.value for key, view in views.items() if view.understood}
    weight = next((a for a in conversation.answers if a.question_id == "weight"), None)
    derived = compute(
        current, now=now, discharge_weight=episode.baseline.get("weight_lb"),
        discharged_at=episode.discharged_at,
        earlier_weights=earlier_weights(session, conversation) if weight is not None else [],
        weight_is_change=bool(weight and weight.is_change),
        high_risk_medicines=sum(1 for m in episode.medications
                                if m.high_risk and m.change in ("new", "changed")),
    )
    views.update({name: AnswerView(value) for name, value in derived.items()})
    views.update(episode_facts(episode, now, conversation))
    return views
