"""Scripted conversations through the core: a made-up patient enrolled on a throw-away
database answers a flow from a script, and the result is reported as `carecall converse`'s
JSON. Flow tests run here (by text, straight through the dialogue, as the SMS webhook takes
turns); `carecall converse` adds the phone call through the simulated network and the voice
webhooks, which the core does not know."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from twilio.http import HttpClient

from assistant.conversation.answer_facts import prompt_values
from assistant.conversation.chart import END_STATES
from assistant.conversation.flows import Flow
from assistant.foundation.config import Settings
from assistant.intake.enrollment import enroll, validate_discharge
from assistant.records.db import make_engine, transaction
from assistant.records.models import Alert, Base, CheckIn, Conversation, User
from assistant.services import Services, build_services

MAX_TURNS = 300
DEFAULT_PATIENT = {"name": "Alex Rivera", "dob": "1950-03-14", "phone": "+12015550123"}


class ScriptError(ValueError):
    pass


@dataclass
class Script:
    patient: dict[str, Any]
    replies: list[str] | dict[str, str]
    answer_identity: bool

    @classmethod
    def load(cls, path: Path) -> Script:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ScriptError(f"cannot read script {path}: {exc}") from None
        return cls.from_data(data, f"script {path}")

    @classmethod
    def from_data(cls, data: Any, where: str) -> Script:
        if isinstance(data, list):
            data = {"replies": data}
        if not isinstance(data, dict) or not isinstance(data.get("replies"), list | dict):
            raise ScriptError(f"{where} needs replies: a list, or a mapping of question "
                              "id to reply")
        patient = data.get("patient") or {}
        if not isinstance(patient, dict):
            raise ScriptError(f"{where}: patient must be a mapping")
        replies = data["replies"]
        if isinstance(replies, dict):
            replies = {reply_text(key): reply_text(value) for key, value in replies.items()}
        else:
            replies = [reply_text(reply) for reply in replies]
        return cls(patient, replies, bool(data.get("identity", True)))


def _visit(given: Any, now: datetime) -> dict[str, str | None]:
    """The script's follow-up visit: an ISO 8601 date-time, or, so a flow's test stays in the
    future whenever it runs, `{in_days: 3, time: "10:00", with: Dr. Lee, at_place: ...}`
    (the patient's local time)."""
    if not given:
        return {}
    if not isinstance(given, dict):
        return {"appointment": str(given)}
    day = now.date() + timedelta(days=int(given.get("in_days", 3)))
    return {"appointment": f"{day.isoformat()}T{given.get('time', '10:00')}",
            "appointment_with": str(given["with"]) if given.get("with") else None,
            "appointment_place": str(given["at_place"]) if given.get("at_place") else None}


def reply_text(value: Any) -> str:
    """A reply as the patient typed it: YAML reads a bare yes/no as a boolean."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


class ScriptedPatient:
    """Picks the patient's next reply for the question being asked."""

    def __init__(self, script: Script, dob: date, flow: Flow, language: str) -> None:
        self.script = script
        # As the patient would write it: day first in Spanish, month first in English.
        self.dob_reply = dob.strftime("%d/%m/%Y" if language == "es" else "%m/%d/%Y")
        self.flow = flow
        self.queue = list(script.replies) if isinstance(script.replies, list) else []

    def reply_to(self, question_id: str, medicine: str | None = None) -> str | None:
        """The reply to a question; `meds_taking:apixaban` answers for one medicine only."""
        question = self.flow.questions[question_id]
        replies = self.script.replies
        if isinstance(replies, dict):
            for key in (f"{question_id}:{(medicine or '').lower()}", question_id):
                if key in replies:
                    return replies[key]
            if question.identity and self.script.answer_identity:
                return self.dob_reply
            return replies.get("*")
        if question.identity and self.script.answer_identity:
            return self.dob_reply
        return self.queue.pop(0) if self.queue else None


@dataclass
class Sandbox:
    """Services on a throw-away database, and whatever phone network the caller put behind
    Twilio (none for text, where turns go straight to the dialogue)."""

    services: Services
    network: Any = None


@contextmanager
def sandbox(settings: Settings, twilio_http: HttpClient | None = None,
            network: Any = None) -> Iterator[Sandbox]:
    """A fresh SQLite database that is deleted afterwards."""
    with tempfile.TemporaryDirectory(prefix="carecall-converse-") as folder:
        url = f"sqlite:///{Path(folder) / 'converse.db'}"
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        services = build_services(settings.with_overrides(database_url=url), engine=engine,
                                  twilio_http=twilio_http)
        with transaction(services.sessions) as session:
            # A nurse on call round the clock, so a rehearsal's promises ("a nurse will call
            # you today") read the same whatever the hour it runs at.
            session.add(User(username="rehearsal", name="Rehearsal nurse", role="coordinator",
                             phone="+12015550100", on_call="always", active=True,
                             created_at=services.clock()))
        try:
            yield Sandbox(services, network)
        finally:
            services.close()


def run_script(box: Sandbox, script: Script, flow_id: str, channel: str = "sms",
               language: str | None = None, call: PhoneCall | None = None) -> dict[str, Any]:
    """The script's conversation, by text straight through the dialogue, or by `call` (the
    caller's own way of placing a phone call, such as the simulated network and the voice
    webhooks), reported as the `converse` JSON contract."""
    services = box.services
    now = services.clock()
    details = {**DEFAULT_PATIENT, **script.patient}
    language = language or str(details.get("language", "en"))
    discharge = validate_discharge(
        services.settings, services.flows, now=now, name=str(details["name"]),
        dob=str(details["dob"]),
        phone=str(details["phone"]), flow=flow_id, lang=language,
        discharged=(now - timedelta(days=2)).isoformat(timespec="minutes") + "+00:00",
        **_visit(details.get("appointment"), now),
        baseline=details.get("baseline") or {},
        medication_rows=details.get("medications") or [],
    )
    with transaction(services.sessions) as session:
        episode = enroll(session, services, discharge, now)
        checkin = episode.checkins[0]
        checkin_id, flow_version = checkin.id, checkin.flow_version.version
        flow = services.versions.flow_of(checkin)
    patient = ScriptedPatient(script, discharge.dob, flow, language)
    if channel == "voice":
        if call is None:
            raise ScriptError("a scripted phone call needs a phone network")
        transcript = call(box, checkin_id, flow, patient)
    else:
        transcript = _by_text(services, checkin_id, flow, patient)
    return report(services, checkin_id, flow_id, flow_version, channel, language, transcript)


def next_reply(services: Services, checkin_id: int, flow: Flow,
                patient: ScriptedPatient) -> str | None:
    """The scripted patient's answer to what the conversation is asking now."""
    with services.sessions() as session:
        conversation = session.scalars(
            select(Conversation).where(Conversation.checkin_id == checkin_id)).one()
        if conversation.pending is not None:
            return "yes"  # a read-back of what the script said: it was heard right
        question = flow.questions[conversation.state or ""]
        medicine = prompt_values(question, conversation.checkin.episode,
                                 conversation.item_index).get("medicine")
        return patient.reply_to(question.id, medicine)


def _by_text(services: Services, checkin_id: int, flow: Flow,
             patient: ScriptedPatient) -> list[dict[str, str]]:
    """Turns straight through the dialogue engine, as the SMS webhook takes them."""
    with transaction(services.sessions) as session:
        checkin = session.get_one(CheckIn, checkin_id)
        turn = services.dialogue.start(session, checkin, "sms", services.clock())
        checkin.status = "sent"
    transcript = [{"from": "assistant", "text": text} for text in turn.replies]
    for _ in range(MAX_TURNS):
        if turn.state in END_STATES:
            break
        reply = next_reply(services, checkin_id, flow, patient)
        if reply is None:
            break
        transcript.append({"from": "patient", "text": reply})
        with transaction(services.sessions) as session:
            conversation = session.scalars(
                select(Conversation).where(Conversation.checkin_id == checkin_id)).one()
            turn = services.dialogue.reply(session, conversation, reply, None, "sms",
                                           services.clock())
        transcript += [{"from": "assistant", "text": text} for text in turn.replies]
    return transcript


def report(services: Services, checkin_id: int, flow_id: str, flow_version: int, channel: str,
            language: str, transcript: list[dict[str, str]]) -> dict[str, Any]:
    with services.sessions() as session:
        checkin = session.get_one(CheckIn, checkin_id)
        conversation = checkin.conversation
        assert conversation is not None
        alerts = session.scalars(
            select(Alert).where(Alert.episode_id == checkin.episode_id, Alert.kind == "alert")
            .order_by(Alert.id))
        state = conversation.state or ""
        medicines = {str(m.id): m.name for m in checkin.episode.medications}
        return {
            "flow": flow_id,
            "flow_version": flow_version,
            "channel": channel,
            "language": language,
            "end_state": state if state in END_STATES else "in_progress",
            "transcript": transcript,
            "answers": {_answer_name(a.question_id, medicines): {"value": a.value, "raw": a.raw}
                        for a in conversation.answers},
            "alerts": [{"severity": a.severity, "reason": a.reason, "question": a.question_id}
                       for a in alerts],
        }


def _answer_name(question_id: str, medicines: dict[str, str]) -> str:
    """Per-medicine answers are named by the medicine: `meds_taking:Apixaban`."""
    question, _, medicine_id = question_id.partition(":")
    return f"{question}:{medicines.get(medicine_id, medicine_id)}" if medicine_id else question




PhoneCall = Callable[[Sandbox, int, Flow, ScriptedPatient], list[dict[str, str]]]
