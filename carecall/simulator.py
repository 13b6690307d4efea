"""The simulated phone network: what the demo and the tests use instead of the carrier.

Outbound: `SimulatedTwilioHttp` plugs into the official twilio Client as its HTTP client and
answers the REST API the way Twilio does, delivering each message to a simulated phone.
Inbound: `SimulatedPhone` sends the patient's replies to our webhook exactly as Twilio would,
with the full parameter set and a valid `X-Twilio-Signature`.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from logging import getLogger
from pathlib import Path
from urllib.parse import urlencode

from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator


def new_sid(prefix: str) -> str:
    """Like Twilio's: a prefix and 32 hex digits, unique across processes."""
    return f"{prefix}{secrets.token_hex(16)}"


@dataclass
class Delivered:
    sid: str
    from_number: str
    to: str
    body: str


@dataclass
class PlacedCall:
    sid: str
    from_number: str
    to: str
    url: str
    status_callback: str
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class SimulatedNetwork:
    """Messages sent through the REST API, and who is listening for them. With a `journal`
    file the carrier's record outlives a process, as Twilio's does: several processes can
    share it, and a restarted worker can ask what was really sent."""

    outbox: list[Delivered] = field(default_factory=list)
    listeners: list[Callable[[Delivered], None]] = field(default_factory=list)
    fail_with: tuple[int, int, str] | None = None  # (HTTP status, Twilio code, message)
    journal: Path | None = None
    calls: list[PlacedCall] = field(default_factory=list)
    call_listeners: list[Callable[[PlacedCall], None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ring(self, call: PlacedCall) -> None:
        with self.lock:
            self.calls.append(call)
        for listener in self.call_listeners:
            listener(call)

    def deliver(self, message: Delivered) -> None:
        with self.lock:
            self.outbox.append(message)
            if self.journal is not None:
                with self.journal.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(message.__dict__) + "\n")
        for listener in self.listeners:
            listener(message)

    def accepted(self) -> list[Delivered]:
        """Every message the carrier accepted (from the journal when there is one)."""
        if self.journal is None:
            return list(self.outbox)
        if not self.journal.exists():
            return []
        return [Delivered(**json.loads(line))
                for line in self.journal.read_text(encoding="utf-8").splitlines() if line]

    def to(self, number: str) -> list[str]:
        return [m.body for m in self.outbox if m.to == number]


class SimulatedTwilioHttp(HttpClient):
    """Answers the Messages API like Twilio: 201 with the message resource."""

    _MESSAGES = re.compile(r"/2010-04-01/Accounts/(AC\w+)/Messages\.json$")
    _CALLS = re.compile(r"/2010-04-01/Accounts/(AC\w+)/Calls\.json$")

    def __init__(self, network: SimulatedNetwork) -> None:
        super().__init__(getLogger("carecall.simulator"), is_async=False)
        self.network = network

    def request(self, method, url, params=None, data=None, headers=None, auth=None,  # type: ignore[no-untyped-def]
                timeout=None, allow_redirects=False) -> Response:
        calls = self._CALLS.search(url)
        if calls and method.upper() == "POST":
            return self._call(calls[1], data or {})
        if calls and method.upper() == "GET":
            return self._list_calls(calls[1], params or {})
        match = self._MESSAGES.search(url)
        if not match:
            return _error(404, 20404, f"The requested resource {url} was not found")
        if method.upper() == "GET":
            return self._list(match[1], params or {})
        if method.upper() != "POST":
            return _error(405, 20004, "Method not allowed")
        if self.network.fail_with:
            status, code, text = self.network.fail_with
            return _error(status, code, text)
        form = data or {}
        to, body = str(form.get("To", "")), str(form.get("Body", ""))
        sender = str(form.get("From") or form.get("MessagingServiceSid", ""))
        if not to or not body:
            return _error(400, 21604, "A 'To' phone number and a 'Body' are required.")
        message = Delivered(new_sid("SM"), sender, to, body)
        self.network.deliver(message)
        return Response(201, json.dumps(_resource(match[1], message, "queued")))

    def _call(self, account: str, form: dict) -> Response:
        if self.network.fail_with:
            status, code, text = self.network.fail_with
            return _error(status, code, text)
        call = PlacedCall(new_sid("CA"), str(form.get("From", "")), str(form.get("To", "")),
                          str(form.get("Url", "")), str(form.get("StatusCallback", "")))
        self.network.ring(call)
        return Response(201, json.dumps({
            "sid": call.sid, "account_sid": account, "to": call.to, "from": call.from_number,
            "status": "queued", "direction": "outbound-api", "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{account}/Calls/{call.sid}.json",
        }))

    def _list_calls(self, account: str, params: dict) -> Response:
        to = params.get("To")
        with self.network.lock:
            found = [c for c in self.network.calls if to in (None, c.to)]
        uri = f"/2010-04-01/Accounts/{account}/Calls.json"
        return Response(200, json.dumps({
            "calls": [{"sid": c.sid, "account_sid": account, "to": c.to,
                       "from": c.from_number, "status": "queued",
                       "direction": "outbound-api",
                       "date_created": c.created_at.strftime("%a, %d %b %Y %H:%M:%S +0000")}
                      for c in reversed(found)],
            "end": max(len(found) - 1, 0), "first_page_uri": uri, "next_page_uri": None,
            "page": 0, "page_size": max(len(found), 50), "previous_page_uri": None,
            "start": 0, "uri": uri,
        }))

    def _list(self, account: str, params: dict) -> Response:
        to = params.get("To")
        found = [m for m in self.network.accepted() if to in (None, m.to)]
        uri = f"/2010-04-01/Accounts/{account}/Messages.json"
        return Response(200, json.dumps({
            "messages": [_resource(account, m, "sent") for m in reversed(found)],
            "end": max(len(found) - 1, 0), "first_page_uri": uri, "next_page_uri": None,
            "page": 0, "page_size": max(len(found), 50), "previous_page_uri": None,
            "start": 0, "uri": uri,
        }))


def _resource(account: str, message: Delivered, status: str) -> dict:
    now = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
    return {
        "sid": message.sid, "account_sid": account, "to": message.to,
        "from": message.from_number, "body": message.body, "status": status,
        "num_segments": "1", "direction": "outbound-api", "date_created": now,
        "date_updated": now, "date_sent": now if status == "sent" else None, "price": None,
        "error_code": None, "error_message": None, "api_version": "2010-04-01",
        "uri": f"/2010-04-01/Accounts/{account}/Messages/{message.sid}.json",
    }


def _error(status: int, code: int, message: str) -> Response:
    return Response(status, json.dumps({
        "code": code, "message": message, "status": status,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
    }))


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
