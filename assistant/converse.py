"""`carecall converse`: one scripted conversation through the real dialogue engine and rules,
on a throw-away SQLite database, reported as a transcript (or the JSON contract). By SMS the
turns go straight to the dialogue; by voice a simulated call goes through the dispatcher and
the signed voice webhooks, as Twilio would drive it."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from .answer_facts import prompt_values
from .chart import END_STATES
from .config import Settings
from .db import make_engine, transaction
from .dispatch import dispatch_due
from .enrollment import enroll, validate_discharge
from .flows import Flow
from .models import Alert, Base, CheckIn, Conversation
from .services import Services, build_services
from .simulator import (
    Said,
    SimulatedCaller,
    SimulatedNetwork,
    SimulatedPhone,
    SimulatedTwilioHttp,
)

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
    """Services on a throw-away database, with the simulated phone network behind Twilio."""

    services: Services
    network: SimulatedNetwork


@contextmanager
def sandbox(settings: Settings) -> Iterator[Sandbox]:
    """A fresh SQLite database that is deleted afterwards."""
    with tempfile.TemporaryDirectory(prefix="carecall-converse-") as folder:
        url = f"sqlite:///{Path(folder) / 'converse.db'}"
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        network = SimulatedNetwork()
        services = build_services(settings.with_overrides(database_url=url), engine=engine,
                                  twilio_http=SimulatedTwilioHttp(network))
        try:
            yield Sandbox(services, network)
        finally:
            services.close()


def converse(settings: Settings, script: Script, flow_id: str, channel: str = "sms",
             language: str | None = None) -> dict[str, Any]:
    with sandbox(settings) as box:
        return run_script(box, script, flow_id, channel, language)


def run_script(box: Sandbox, script: Script, flow_id: str, channel: str = "sms",
               language: str | None = None) -> dict[str, Any]:
    services = box.services
    now = services.clock()
    details = {**DEFAULT_PATIENT, **script.patient}
    language = language or str(details.get("language", "en"))
    discharge = validate_discharge(
        services.settings, services.flows, name=str(details["name"]), dob=str(details["dob"]),
        phone=str(details["phone"]), flow=flow_id, lang=language,
        discharged=(now - timedelta(days=2)).isoformat(timespec="minutes") + "+00:00",
        appointment=str(details["appointment"]) if details.get("appointment") else None,
        baseline=details.get("baseline") or {},
        medication_rows=details.get("medications") or [],
    )
    with transaction(services.sessions) as session:
        episode = enroll(session, services, discharge, now)
        checkin = episode.checkins[0]
        checkin_id, flow_version = checkin.id, checkin.flow_version.version
        flow = services.versions.flow(checkin.flow_version)
    patient = ScriptedPatient(script, discharge.dob, flow, language)
    if channel == "voice":
        transcript = _by_phone_call(box, checkin_id, flow, patient)
    else:
        transcript = _by_text(services, checkin_id, flow, patient)
    return _report(services, checkin_id, flow_id, flow_version, channel, language, transcript)


def _next_reply(services: Services, checkin_id: int, flow: Flow,
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
        reply = _next_reply(services, checkin_id, flow, patient)
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


class _EndOfScript(Exception):
    pass


def _by_phone_call(box: Sandbox, checkin_id: int, flow: Flow,
                   patient: ScriptedPatient) -> list[dict[str, str]]:
    """A real call through the voice webhooks: the dispatcher rings the simulated phone,
    which answers and speaks the script (digits-only replies are keyed)."""
    from web import create_app  # converse is a composition root, like the demo

    services, network = box.services, box.network
    client = create_app(services).test_client()

    def post(path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        response = client.post(services.url(path), data=params, headers=headers)
        return response.status_code, response.get_data(as_text=True)

    with transaction(services.sessions) as session:
        checkin = session.get_one(CheckIn, checkin_id)
        checkin.channel, checkin.due_at = "voice", services.clock()
        # A scripted call is placed now, whatever the hour where the patient lives.
        checkin.episode.patient.contact_start_hour = 0
        checkin.episode.patient.contact_end_hour = 24
        phone = SimulatedPhone(checkin.episode.patient.phone, services.settings.sender,
                               services.settings.twilio_auth_token,
                               services.settings.public_base_url, post,
                               account_sid=services.settings.twilio_account_sid)
    dispatch_due(services, "converse")
    transcript: list[dict[str, str]] = []
    heard_before = [0]

    def listen(heard: list[str]) -> Said | None:
        transcript.extend({"from": "assistant", "text": t} for t in heard[heard_before[0]:])
        heard_before[0] = len(heard)
        reply = _next_reply(services, checkin_id, flow, patient)
        if reply is None:
            raise _EndOfScript
        transcript.append({"from": "patient", "text": reply})
        return Said(digits=reply) if reply.isdigit() else Said(speech=reply)

    if network.calls:
        try:
            log = SimulatedCaller(phone).answer(network.calls[-1], listen)
            transcript.extend({"from": "assistant", "text": t}
                              for t in log.heard[heard_before[0]:])
        except _EndOfScript:
            pass
    return transcript


def _report(services: Services, checkin_id: int, flow_id: str, flow_version: int, channel: str,
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


def format_report(report: dict[str, Any]) -> str:
    lines = [f"Flow {report['flow']} v{report['flow_version']} · {report['channel']} · "
             f"{report['language']}", ""]
    for turn in report["transcript"]:
        who = "Carecall" if turn["from"] == "assistant" else "Patient "
        lines.append(f"{who}: {turn['text']}")
    lines += ["", "Answers:"]
    lines += [f"  {qid}: {a['value']!r}  (\"{a['raw']}\")" for qid, a in report["answers"].items()]
    lines += ["", "Alerts:" if report["alerts"] else "Alerts: none"]
    lines += [f"  {a['severity'].upper()}: {a['reason']}" + (f" (question {a['question']})"
                                                             if a["question"] else "")
              for a in report["alerts"]]
    lines += ["", f"End state: {report['end_state']}"]
    return "\n".join(lines)
