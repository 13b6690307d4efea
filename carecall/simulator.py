"""The simulated phone network: what the demo and the tests use instead of the carrier.

Outbound: `SimulatedTwilioHttp` (in `simulated_carrier`) plugs into the official twilio Client
as its HTTP client and answers the REST API the way Twilio does.
Inbound: `SimulatedPhone` sends the patient's replies to our webhook exactly as Twilio would,
with the full parameter set and a valid `X-Twilio-Signature`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from carecall.simulated_carrier import (
    Delivered,
    PlacedCall,
    SimulatedNetwork,
    SimulatedTwilioHttp,
    new_sid,
)

__all__ = ["Delivered", "PlacedCall", "SimulatedNetwork", "SimulatedTwilioHttp", "new_sid"]


# (path, form, headers) → (HTTP status, body)
Poster = Callable[[str, dict[str, str], dict[str, str]], tuple[int, str]]


@dataclass
class SimulatedPhone:
    """A patient's phone that texts our webhook the way Twilio would."""

    number: str
    service_number: str
    auth_token: str
    public_base_url: str
    post: Poster
    account_sid: str = "AC00000000000000000000000000000000"

    def sms_params(self, body: str, sid: str | None = None) -> dict[str, str]:
        sid = sid or new_sid("SM")
        return {
            "ToCountry": "US", "ToState": "", "SmsMessageSid": sid, "NumMedia": "0",
            "ToCity": "", "FromZip": "", "SmsSid": sid, "FromState": "", "SmsStatus": "received",
            "FromCity": "", "Body": body, "FromCountry": "US", "To": self.service_number,
            "MessagingServiceSid": "", "ToZip": "", "NumSegments": "1", "MessageSid": sid,
            "AccountSid": self.account_sid, "From": self.number, "ApiVersion": "2010-04-01",
        }

    def signed(self, path: str, params: dict[str, str]) -> dict[str, str]:
        url = self.public_base_url.rstrip("/") + path
        signature = RequestValidator(self.auth_token).compute_signature(url, params)
        return {"X-Twilio-Signature": signature}

    def text(self, body: str, sid: str | None = None) -> list[str]:
        """Send one SMS; return the replies in the TwiML answer."""
        params = self.sms_params(body, sid)
        status, answer = self.post("/twilio/sms", params, self.signed("/twilio/sms", params))
        if status != 200:
            raise RuntimeError(f"webhook answered HTTP {status}: {answer[:200]}")
        return twiml_messages(answer)


def twiml_messages(twiml: str) -> list[str]:
    root = ET.fromstring(twiml)
    return [(element.text or "").strip() for element in root.iter("Message")]


def form_body(params: dict[str, str]) -> bytes:
    return urlencode(params).encode()


# What the person on the phone does when asked: say something, press keys, or nothing.
@dataclass(frozen=True)
class Said:
    speech: str = ""
    digits: str = ""
    confidence: float = 0.9


Listener = Callable[[list[str]], "Said | None"]


@dataclass
class CallLog:
    """What a simulated call heard, and how it ended."""

    heard: list[str] = field(default_factory=list)
    transferred_to: str | None = None
    hung_up: bool = False


class SimulatedCaller:
    """A phone that answers calls the way Twilio would: it reads our TwiML (Say, Gather with
    its action, Redirect, Dial, Hangup) and posts signed requests with `SpeechResult` and
    `Confidence`, or `Digits`, or nothing on silence."""

    MAX_STEPS = 200

    def __init__(self, phone: SimulatedPhone) -> None:
        self.phone = phone

    def _params(self, call_sid: str, **extra: str) -> dict[str, str]:
        return {"CallSid": call_sid, "AccountSid": self.phone.account_sid,
                "From": self.phone.service_number, "To": self.phone.number,
                "CallStatus": "in-progress", "Direction": "outbound-api",
                "ApiVersion": "2010-04-01", **extra}

    def _post(self, url: str, params: dict[str, str]) -> str:
        path = url.removeprefix(self.phone.public_base_url.rstrip("/"))
        status, body = self.phone.post(path, params, self.phone.signed(path, params))
        if status not in (200, 204):
            raise RuntimeError(f"voice webhook {path} answered HTTP {status}: {body[:200]}")
        return body

    def answer(self, call: PlacedCall, listen: Listener, answered_by: str = "human") -> CallLog:
        twiml = self._post(call.url, self._params(call.sid, AnsweredBy=answered_by))
        log = self._follow(call.sid, twiml, listen)
        self.report_status(call, "completed", answered_by)
        return log

    def call_in(self, listen: Listener) -> CallLog:
        """The patient calls the service number back."""
        sid = new_sid("CA")
        params = self._params(sid, Direction="inbound", From=self.phone.number,
                              To=self.phone.service_number, CallStatus="ringing")
        return self._follow(sid, self._post("/twilio/voice/incoming", params), listen)

    def report_status(self, call: PlacedCall, status: str, answered_by: str = "") -> None:
        params = self._params(call.sid, CallStatus=status)
        if answered_by:
            params["AnsweredBy"] = answered_by
        self._post(call.status_callback, params)

    def _follow(self, call_sid: str, twiml: str, listen: Listener) -> CallLog:
        log = CallLog()
        for _ in range(self.MAX_STEPS):
            next_request = None
            for verb in ET.fromstring(twiml):
                if verb.tag == "Say":
                    log.heard.append((verb.text or "").strip())
                elif verb.tag == "Gather":
                    log.heard += [(say.text or "").strip() for say in verb.iter("Say")]
                    said = listen(log.heard)
                    extra = {}
                    if said is not None and said.digits:
                        extra = {"Digits": said.digits}
                    elif said is not None:
                        extra = {"SpeechResult": said.speech,
                                 "Confidence": f"{said.confidence:.2f}"}
                    next_request = (verb.get("action", ""), self._params(call_sid, **extra))
                    break
                elif verb.tag == "Redirect":
                    next_request = ((verb.text or "").strip(), self._params(call_sid))
                    break
                elif verb.tag == "Dial":
                    log.transferred_to = (verb.text or "").strip()
                    return log
                elif verb.tag == "Hangup":
                    log.hung_up = True
                    return log
            if next_request is None:
                log.hung_up = True
                return log
            twiml = self._post(*next_request)
        raise RuntimeError("the call went on too long: a loop in the TwiML?")
