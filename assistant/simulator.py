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
class SimulatedNetwork:
    """Messages sent through the REST API, and who is listening for them. With a `journal`
    file the carrier's record outlives a process, as Twilio's does: several processes can
    share it, and a restarted worker can ask what was really sent."""

    outbox: list[Delivered] = field(default_factory=list)
    listeners: list[Callable[[Delivered], None]] = field(default_factory=list)
    fail_with: tuple[int, int, str] | None = None  # (HTTP status, Twilio code, message)
    journal: Path | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

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

    def __init__(self, network: SimulatedNetwork) -> None:
        super().__init__(getLogger("carecall.simulator"), is_async=False)
        self.network = network

    def request(self, method, url, params=None, data=None, headers=None, auth=None,  # type: ignore[no-untyped-def]
                timeout=None, allow_redirects=False) -> Response:
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
