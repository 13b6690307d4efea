"""`carecall converse`: one scripted conversation through the real dialogue engine and rules,
on a throw-away SQLite database, reported as a transcript (or the JSON contract). By SMS the
turns go straight to the dialogue (`assistant.authoring.scripted`); by voice a simulated call
goes through the dispatcher and the signed voice webhooks, as Twilio would drive it."""

from __future__ import annotations

from typing import Any

from assistant.authoring.scripted import (
    Sandbox,
    Script,
    ScriptedPatient,
    next_reply,
    run_script,
    sandbox,
)
from assistant.conversation.flows import Flow
from assistant.foundation.config import Settings
from assistant.outreach.dispatch import dispatch_due
from assistant.records.db import transaction
from assistant.records.models import CheckIn
from carecall.simulator import (
    Said,
    SimulatedCaller,
    SimulatedNetwork,
    SimulatedPhone,
    SimulatedTwilioHttp,
)


def converse(settings: Settings, script: Script, flow_id: str, channel: str = "sms",
             language: str | None = None) -> dict[str, Any]:
    network = SimulatedNetwork()
    with sandbox(settings, SimulatedTwilioHttp(network), network) as box:
        return run_script(box, script, flow_id, channel, language, call=_by_phone_call)



class _EndOfScript(Exception):
    pass


def _by_phone_call(box: Sandbox, checkin_id: int, flow: Flow,
                   patient: ScriptedPatient) -> list[dict[str, str]]:
    """A real call through the voice webhooks: the dispatcher rings the simulated phone,
    which answers and speaks the script (digits-only replies are keyed)."""
    from carecall.web import create_app  # converse is a composition root, like the demo

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
        reply = next_reply(services, checkin_id, flow, patient)
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
