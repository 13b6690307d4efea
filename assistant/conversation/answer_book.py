"""What a turn knows of the conversation's answers: recording one, the answers so far as
rules see them, and the replies that could not be placed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from assistant.conversation.answer_facts import facts, medicines_for
from assistant.conversation.escalation import evidence
from assistant.conversation.flows import AnswerView, ItemAnswer, Rule
from assistant.conversation.question_words import answer_in_words, asked_question
from assistant.conversation.turns import (
    id_of,
)
from assistant.conversation.understanding import (
    Interpretation,
)
from assistant.records.models import Alert, Answer, Message


class AnswerBook:
    """The answers side of `AnswerTurn` (a mixin: it uses the turn's conversation,
    question, session and clock)."""

    def record(self, interpretation: Interpretation, raw: str) -> None:
        key = self.answer_key()
        answers = self.conversation.answers
        answer = next((a for a in answers if a.question_id == key), None)
        if answer is None:
            answer = Answer(question_id=key)
            answers.append(answer)
        answer.value = interpretation.value
        answer.unit = interpretation.unit
        answer.is_change = interpretation.change
        answer.raw = raw
        answer.understood = interpretation.understood
        answer.message_id = id_of(self.message)
        answer.created_at = self.now

    def instructions_given(self) -> set[str]:
        """Prompts already said by rules earlier in this conversation."""
        reasons = set(self.session.scalars(
            select(Alert.reason).where(Alert.conversation_id == self.conversation.id)))
        return {rule.say for rule in self.flow.rules if rule.id in reasons}

    def just_answered(self, answers: dict[str, AnswerView]) -> dict[str, AnswerView]:
        """For a question asked per medicine, rules look at this medicine's answer only, so
        an earlier medicine's "no" does not fire again."""
        view = answers.get(self.question.id)
        if view is None or not view.items:
            return answers
        current = next(a for a in self.conversation.answers if a.question_id == self.answer_key())
        medicine_id = int(self.answer_key().partition(":")[2])
        high_risk = next(m.high_risk for m in self.episode.medications if m.id == medicine_id)
        item = ItemAnswer(current.value, current.understood, high_risk)
        return {**answers, self.question.id: AnswerView(None, item.understood, (item,))}

    def answer_key(self) -> str:
        """A question asked once per medicine keeps one answer per medicine."""
        medicines = medicines_for(self.question, self.episode)
        if not medicines:
            return self.question.id
        return f"{self.question.id}:{medicines[self.conversation.item_index].id}"

    def answers(self) -> dict[str, AnswerView]:
        return facts(self.session, self.conversation, self.now)

    def rule_evidence(self, rule: Rule) -> list[dict[str, Any]]:
        """Each answer the rule looked at, in the flow's order: "more short of breath: yes"
        before "at rest: no", not only the answer that happened to come last. For a question
        asked per medicine, only this medicine's answer."""
        wanted = rule.when.questions()
        current = self.answer_key()
        chosen = []
        for question_id in self.flow.questions:
            if question_id not in wanted:
                continue
            for answer in self.conversation.answers:
                base, _, medicine = answer.question_id.partition(":")
                if base != question_id or (medicine and question_id == self.question.id
                                           and answer.question_id != current):
                    continue
                chosen.append(answer)
        chosen.sort(key=lambda answer: answer.question_id == current)  # the deciding one last
        return [self.answer_evidence(answer) for answer in chosen] or [self.said_evidence()]

    def answer_evidence(self, answer: Answer) -> dict[str, Any]:
        asked = asked_question(self.dialogue.wording, self.flow, answer.question_id,
                               self.episode)
        return evidence(answer.question_id, answer.value, answer.raw, answer.message_id,
                        self.now, asked=asked.text if asked else None,
                        medicine=asked.medicine if asked else None,
                        answer=answer_in_words(answer.value, answer.unit, answer.is_change,
                                               answer.understood),
                        channel=self.channel, **self.respondent())

    def said_evidence(self, raw: str | None = None) -> dict[str, Any]:
        """This reply as evidence, with the question it answered."""
        asked = asked_question(self.dialogue.wording, self.flow, self.answer_key(),
                               self.episode)
        return evidence(self.answer_key(), None, raw if raw is not None else self.said,
                        id_of(self.message), self.now, asked=asked.text if asked else None,
                        medicine=asked.medicine if asked else None, channel=self.channel,
                        **self.respondent())

    def respondent(self) -> dict[str, str | None]:
        """Who answered, when a caregiver answers for the patient: the nurse calls them."""
        caregiver = self.conversation.respondent
        if caregiver is None or not caregiver.can_answer:
            return {}
        return {"respondent": f"{caregiver.name} ({caregiver.relationship_to_patient})",
                "respondent_phone": caregiver.phone}

    def unclear_replies(self) -> list[str]:
        """The patient's replies to the question left unclear, oldest first (the last one
        alone when the turns are not stored as messages, as in `carecall converse`)."""
        key = self.answer_key()
        since = max((a.message_id for a in self.conversation.answers
                     if a.question_id != key and a.message_id is not None), default=0)
        replies = list(self.session.scalars(
            select(Message.body).where(Message.conversation_id == self.conversation.id,
                                       Message.direction == "in", Message.id > since)
            .order_by(Message.id)).all())
        return replies if replies and replies[-1] == self.said else [self.said]
