"""Engagement: where patients stop answering (a funnel per flow, question by question),
which questions' wording patients do not understand (replies that could not be read), who
opts out, and what the texts cost in SMS segments."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    FromClause,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from assistant.conversation.flow_loader import FlowLibrary
from assistant.conversation.question_words import asked_question
from assistant.conversation.wording import Wording
from assistant.records.models import Answer, CheckIn, Conversation, Episode, Message
from assistant.reporting.figures import Share
from assistant.reporting.kept_rows import kept


@dataclass(frozen=True)
class QuestionStep:
    question_id: str
    wording: str  # in English, as asked
    answered: int  # conversations that answered it
    stopped: int  # conversations that went no further (expired, or the patient opted out)
    replies: int
    unclear: int  # replies that could not be read as an answer, so it was asked again

    @property
    def completion(self) -> Share:
        """Of the conversations that got to this question, how many answered it."""
        return Share(self.answered, self.answered + self.stopped)

    @property
    def unclear_share(self) -> Share:
        return Share(self.unclear, self.replies)


@dataclass(frozen=True)
class FlowFunnel:
    flow: str
    title: str
    conversations: int  # check-ins the patient was asked, of this flow
    steps: list[QuestionStep]

    def reached(self, step: QuestionStep) -> Share:
        return Share(step.answered, self.conversations)


@dataclass(frozen=True)
class Engagement:
    funnels: list[FlowFunnel]
    opted_out: Share
    sms_messages: int
    sms_segments: int

    def segments_per_discharge(self) -> float | None:
        of = self.opted_out.of
        return self.sms_segments / of if of else None

    def most_unclear(self, limit: int = 10) -> list[tuple[str, QuestionStep]]:
        """The questions whose replies were least often read, with enough replies to say."""
        steps = [(funnel.flow, step) for funnel in self.funnels for step in funnel.steps
                 if step.replies >= 5 and step.unclear]
        return sorted(steps, key=lambda pair: -(pair[1].unclear_share.rate or 0))[:limit]


def engagement(session: Session, cohort: FromClause, facts: FromClause, flows: FlowLibrary,
               wording: Wording | None) -> Engagement:
    # A drop-out is a check-in the patient let expire or ended by opting out; one cancelled
    # (readmitted, died, stopped by the team) kept its waiting question but is no drop-out.
    dropped = or_(CheckIn.status.in_(("expired", "opted_out")),
                  CheckIn.cancel_reason == "opted_out")
    chosen = (select(Conversation.id.label("conversation_id"), cohort.c.flow,
                     case((dropped, Conversation.stopped_at)).label("stopped_at"))
              .join(CheckIn, CheckIn.id == Conversation.checkin_id)
              .join(cohort, cohort.c.episode_id == CheckIn.episode_id)
              .subquery("conversations"))
    with kept(session, chosen, "conversation_id") as conversations:
        return _engagement(session, cohort, conversations, facts, flows, wording)


def _engagement(session: Session, cohort: FromClause, conversations: FromClause,
                facts: FromClause, flows: FlowLibrary, wording: Wording | None) -> Engagement:
    question = _question_of(Answer.question_id, flows)
    answered = session.execute(
        select(conversations.c.flow, question, func.count(func.distinct(Answer.conversation_id)))
        .join(conversations, conversations.c.conversation_id == Answer.conversation_id)
        .group_by(conversations.c.flow, question)).all()
    stopped = session.execute(
        select(conversations.c.flow, conversations.c.stopped_at, func.count())
        .where(conversations.c.stopped_at.is_not(None))
        .group_by(conversations.c.flow, conversations.c.stopped_at)).all()
    asked = _question_of(Message.question_id, flows)
    replies = session.execute(
        select(conversations.c.flow, asked, func.count(),
               func.coalesce(func.sum(case((Message.unclear.is_(True), 1), else_=0)), 0))
        .join(conversations, conversations.c.conversation_id == Message.conversation_id)
        .where(Message.direction == "in", Message.question_id.is_not(None))
        .group_by(conversations.c.flow, asked)).all()
    started = dict(session.execute(select(conversations.c.flow, func.count())
                                   .group_by(conversations.c.flow)).all())
    texts = _billed_texts(cohort, conversations)
    sms_messages, sms_segments = session.execute(
        select(func.count(), func.coalesce(func.sum(texts.c.segments), 0))).one()
    discharges, opted_out = session.execute(
        select(func.count(), func.coalesce(func.sum(facts.c.opted_out), 0))).one()
    funnels = _funnels(started, answered, stopped, replies, flows, wording)
    return Engagement(funnels, Share(int(opted_out), int(discharges)), int(sms_messages),
                      int(sms_segments))


def _billed_texts(cohort: FromClause, conversations: FromClause) -> FromClause:
    """The texts sent for the cohort's discharges: those of their check-ins, and those sent
    outside a check-in (a visit reminder, a reply between check-ins) to the patient after
    the discharge and before their next one. A text the carrier refused, or that was never
    tried after one refused before it, or is still waiting to go, was not sent: not billed."""
    sent = and_(Message.direction == "out", Message.channel == "sms",
                Message.status.not_in(("pending", "failed")))
    in_checkins = (select(Message.id, Message.segments)
                   .join(conversations, conversations.c.conversation_id == Message.conversation_id)
                   .where(sent))
    later = aliased(Episode)
    next_stay_before_it = exists().where(
        later.patient_id == Episode.patient_id, later.id != Episode.id,
        later.discharged_at <= Message.created_at,
        or_(later.discharged_at > Episode.discharged_at,
            and_(later.discharged_at == Episode.discharged_at, later.id > Episode.id)))
    between = (select(Message.id, Message.segments)
               .join(Episode, Episode.patient_id == Message.patient_id)
               .join(cohort, cohort.c.episode_id == Episode.id)
               .where(sent, Message.conversation_id.is_(None),
                      Message.created_at >= Episode.discharged_at, ~next_stay_before_it))
    return union_all(in_checkins, between).subquery("billed_texts")


def _question_of(key: ColumnElement[str | None], flows: FlowLibrary) -> ColumnElement[str]:
    """The question an answer key belongs to: "meds_taking:12" (medicine 12) is
    "meds_taking", so a question asked per medicine counts once per conversation."""
    per_medicine = sorted({question.id for flow in flows.flows.values()
                           for question in flow.questions.values()
                           if question.for_each_medication})
    if not per_medicine:
        return key.label("question")  # type: ignore[return-value]
    return case(*[(key.like(f"{question_id}:%"), literal(question_id))
                  for question_id in per_medicine], else_=key).label("question")


def _funnels(started: dict[str, int], answered: list, stopped: list, replies: list,
             flows: FlowLibrary, wording: Wording | None) -> list[FlowFunnel]:
    tallies: dict[str, dict[str, list[int]]] = {}
    for rows, slot in ((answered, 0), (stopped, 1)):
        for flow_id, question_id, count in rows:
            tallies.setdefault(flow_id, {}).setdefault(question_id, [0, 0, 0, 0])[slot] += count
    for flow_id, question_id, count, unclear in replies:
        tally = tallies.setdefault(flow_id, {}).setdefault(question_id, [0, 0, 0, 0])
        tally[2] += count
        tally[3] += int(unclear)
    funnels = []
    for flow_id in sorted(started, key=lambda f: (-started[f], f)):
        flow = flows.flows.get(flow_id)
        order = list(flow.questions) if flow else []
        found = tallies.get(flow_id, {})
        ids = [q for q in order if q in found] + sorted(q for q in found if q not in order)
        steps = [QuestionStep(q, _words(wording, flow, q), *found[q]) for q in ids]
        funnels.append(FlowFunnel(flow_id, flow.title if flow else flow_id, started[flow_id],
                                  steps))
    return funnels


def _words(wording: Wording | None, flow: object, question_id: str) -> str:
    if wording is None or flow is None:
        return question_id.replace("_", " ")
    asked = asked_question(wording, flow, question_id, None)  # type: ignore[arg-type]
    return asked.text if asked else question_id
