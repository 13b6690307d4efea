"""When unsure, a person: a reply that stays unclear to a question that can hide a warning sign
reaches a nurse with the patient's words, in every shipped flow, by text and by phone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from assistant.conversation.flow_loader import FlowError, FlowLibrary, load_flow_text
from assistant.conversation.flow_schema import SYMPTOM_QUESTIONS, holds_when_unclear
from assistant.conversation.prompts import PromptCatalogue
from assistant.foundation.config import PROJECT_ROOT
from assistant.records.models import Alert, Answer
from carecall.cli import main
from tests.helpers import DOB_REPLY, alerts, start_checkin

PROMPTS = PromptCatalogue.load(PROJECT_ROOT / "prompts")
LIBRARY = FlowLibrary.load(PROJECT_ROOT / "flows", PROMPTS)


def symptom_question_without_its_own_rule(flow_id: str) -> str:
    """A yes/no question that can hide a warning sign and has no rule of its own for an
    unclear answer (a symptom, or one with an urgent or emergency rule)."""
    flow = LIBRARY.flows[flow_id]
    return next(q.id for q in flow.questions.values()
                if q.unclear_review and q.kind == "yes_no"
                and not any(holds_when_unclear(r.when, q.id) for r in flow.rules_for(q.id)))


def converse(tmp_path: Path, flow_id: str, channel: str, replies: dict, lang: str = "en") -> dict:
    script = tmp_path / "script.yaml"
    patient = "{language: es}" if lang == "es" else "{}"
    script.write_text(f"patient: {patient}\nreplies: {json.dumps(replies)}\n")
    result = CliRunner().invoke(main, ["converse", "--flow", flow_id, "--script", str(script),
                                       "--channel", channel, "--lang", lang, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("channel", ["sms", "voice"])
@pytest.mark.parametrize("flow_id", sorted(LIBRARY.flows))
def test_an_unclear_symptom_answer_reaches_a_nurse_in_every_flow(
        flow_id: str, channel: str, tmp_path: Path) -> None:
    question = symptom_question_without_its_own_rule(flow_id)
    replies = {"*": "no", "feeling": "same", "pain": "2", "weight": "180", "glucose": "120",
               "mood": "not at all", "mood_down": "not at all", question: "purple"}
    report = converse(tmp_path, flow_id, channel, replies)
    assert {"severity": "urgent", "reason": "unclear_answer", "question": question} in \
        report["alerts"]
    said = [t["text"] for t in report["transcript"] if t["from"] == "assistant"]
    assert any("a nurse from Riverside Hospital will look at it" in text for text in said)
    assert report["end_state"] == "completed"  # the check-in goes on after it


def test_in_spanish_the_patient_is_told_a_nurse_will_review_it(tmp_path: Path) -> None:
    report = converse(tmp_path, "heart_failure", "sms",
                      {"*": "no", "feeling": "igual", "weight": "180", "swelling": "morado"},
                      lang="es")
    said = " ".join(t["text"] for t in report["transcript"] if t["from"] == "assistant")
    assert "Una enfermera de Riverside Hospital revisará su respuesta" in said


def test_the_coordinator_sees_every_reply_quoted(services, phone) -> None:
    start_checkin(services)
    for reply in (DOB_REPLY, "same", "no", "no"):
        phone.text(reply)
    phone.text("hmm")
    phone.text("the thermometer broke")
    told = phone.text("who knows")
    assert told[0].startswith("Thank you. We couldn't be sure of that answer")
    assert "keep down" in told[-1]
    assert ("urgent", "unclear_answer") in alerts(services)
    with services.sessions() as session:
        alert = session.scalars(select(Alert).where(Alert.reason == "unclear_answer")).one()
        stored = session.scalars(select(Answer).where(Answer.question_id == "fever")).one()
    assert alert.summary == 'Unclear answer to fever: "hmm", "the thermometer broke", "who knows"'
    assert alert.evidence[0]["raw"] == '"hmm", "the thermometer broke", "who knows"'
    assert not stored.understood


def test_a_clear_answer_after_a_re_ask_raises_nothing(services, phone) -> None:
    start_checkin(services)
    for reply in (DOB_REPLY, "same", "no", "no"):
        phone.text(reply)
    phone.text("hmm")
    assert "keep down" in phone.text("no fever")[-1]
    assert alerts(services) == []


def test_a_hedge_declined_is_asked_again_not_stored(services, phone) -> None:
    start_checkin(services)
    for reply in (DOB_REPLY, "same"):
        phone.text(reply)
    assert phone.text("I don't think so") == [
        "It sounds like NO. Is that right? Please reply YES or NO."]
    assert "chest pain" in phone.text("no")[0]  # "no, that's not right": asked again
    with services.sessions() as session:
        assert session.scalars(select(Answer).where(Answer.question_id == "chest_pain")
                               ).first() is None
    assert "short of breath" in phone.text("no chest pain")[0]


FLOW = """flow: general
title: T
languages: [en]
schedule: [{{day: 2, at: "10:00", channel: sms}}]
questions:
  - id: swelling
    kind: yes_no
{extra}
rules:
{rules}
"""


def test_validate_refuses_a_symptom_question_whose_unclear_answer_would_be_dropped() -> None:
    with pytest.raises(FlowError) as caught:
        load_flow_text(FLOW.format(extra="    unanswered: record", rules="  []"),
                       "flows/mine.yaml", PROMPTS)
    message = str(caught.value)
    assert message.startswith("flows/mine.yaml:8: ")
    assert "question 'swelling' asks about a warning sign" in message
    assert "remove 'unanswered: record'" in message and "unclear: true" in message


def test_validate_accepts_it_with_its_own_rule_or_the_default_review() -> None:
    rule = ("  - {id: swelling_unclear, when: {answer: swelling, unclear: true}, "
            "severity: urgent, say: nurse_today}")
    own = load_flow_text(FLOW.format(extra="    unanswered: record", rules=rule), "f.yaml",
                         PROMPTS)
    assert not own.questions["swelling"].unclear_review
    default = load_flow_text(FLOW.format(extra="", rules="  []"), "f.yaml", PROMPTS)
    assert default.questions["swelling"].unclear_review


def test_every_shipped_symptom_question_is_reviewed_or_has_its_own_rule() -> None:
    for flow in LIBRARY.flows.values():
        for question in flow.questions.values():
            if question.id in SYMPTOM_QUESTIONS:
                assert question.unclear_review or any(
                    holds_when_unclear(r.when, question.id) for r in flow.rules_for(question.id))
