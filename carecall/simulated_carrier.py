"""The simulated carrier: Twilio's REST API as the official client sees it, for the demo, the
tests and rehearsals (`carecall worker --simulated-carrier`).

It behaves like Twilio where our correctness depends on it:
- `POST Messages.json` answers 201 with the resource, or Twilio's error JSON;
- its own rate limit per sender, shared by every process using the same journal, answers
  429 (code 20429) to a sender that goes faster than allowed (GCRA, one message of slack);
- `GET Messages.json` filters by To, From and `DateSent>`/`DateSent<`, and reports the real
  life of a message: `queued` (no date sent yet, so a DateSent filter skips it), then `sent`,
  then `delivered`;
- with a `journal` file its record outlives any one process, as Twilio's does.
"""

from __future__ import annotations

import fcntl
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from logging import getLogger
from pathlib import Path

from twilio.http import HttpClient
from twilio.http.response import Response

QUEUED_SECONDS = 0.5  # how long an accepted message waits in the carrier's queue
DELIVERED_AFTER = 3.0


def new_sid(prefix: str) -> str:
    """Like Twilio's: a prefix and 32 hex digits, unique across processes."""
    return f"{prefix}{secrets.token_hex(16)}"


@dataclass
class Delivered:
    sid: str
    from_number: str
    to: str
    body: str
    created: float = 0.0  # epoch seconds when the carrier accepted it


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
    file the carrier's record (and its rate limit) is shared by every process using it."""

    outbox: list[Delivered] = field(default_factory=list)
    listeners: list[Callable[[Delivered], None]] = field(default_factory=list)
    fail_with: tuple[int, int, str] | None = None  # (HTTP status, Twilio code, message)
    journal: Path | None = None
    calls: list[PlacedCall] = field(default_factory=list)
    call_listeners: list[Callable[[PlacedCall], None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    rate_per_second: float | None = None  # the carrier's limit per sender; None: no limit
    clock: Callable[[], float] = time.time
    refused: list[Delivered] = field(default_factory=list)
    _next_allowed: dict[str, float] = field(default_factory=dict)

    def ring(self, call: PlacedCall) -> None:
        with self.lock:
            self.calls.append(call)
        for listener in self.call_listeners:
            listener(call)

    def accept(self, message: Delivered) -> bool:
        """Take the message unless its sender is over the limit; False means 429."""
        with self._shared():
            now = self.clock()
            message.created = now
            if not self._conforms(message.from_number, now):
                self.refused.append(message)
                if self.journal is not None:
                    self._write(self._sibling(".refused.jsonl"), message)
                return False
            self.outbox.append(message)
            self._write(self.journal, message)
        for listener in self.listeners:
            listener(message)
        return True

    def deliver(self, message: Delivered) -> None:
        """Accept a message whatever the limit (a test placing one directly)."""
        with self._shared():
            message.created = message.created or self.clock()
            self.outbox.append(message)
            self._write(self.journal, message)
        for listener in self.listeners:
            listener(message)

    def accepted(self) -> list[Delivered]:
        """Every message the carrier accepted (from the journal when there is one)."""
        if self.journal is None:
            with self.lock:
                return list(self.outbox)
        return _read(self.journal)

    def refusals(self) -> list[Delivered]:
        if self.journal is None:
            return list(self.refused)
        return _read(self._sibling(".refused.jsonl"))

    def to(self, number: str) -> list[str]:
        return [m.body for m in self.outbox if m.to == number]

    def _conforms(self, sender: str, now: float) -> bool:
        """GCRA: each message pushes the sender's theoretical arrival time one interval on;
        one that arrives more than an interval early is refused."""
        if self.rate_per_second is None:
            return True
        interval = 1.0 / self.rate_per_second
        state = self._load_limits()
        arrival = max(state.get(sender, 0.0), now)
        if arrival - now > interval + 1e-9:
            return False
        state[sender] = arrival + interval
        self._save_limits(state)
        return True

    def _load_limits(self) -> dict[str, float]:
        if self.journal is None:
            return self._next_allowed
        path = self._sibling(".limits.json")
        return json.loads(path.read_text()) if path.exists() else {}

    def _save_limits(self, state: dict[str, float]) -> None:
        if self.journal is not None:
            self._sibling(".limits.json").write_text(json.dumps(state))

    @contextmanager
    def _shared(self) -> Iterator[None]:
        """The carrier is one, however many processes talk to it: a file lock beside the
        journal serialises them, the thread lock the threads of one process."""
        with self.lock:
            if self.journal is None:
                yield
                return
            with self._sibling(".lock").open("a") as lock_file:
                fcntl.flock(lock_file, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(lock_file, fcntl.LOCK_UN)

    def _sibling(self, suffix: str) -> Path:
        assert self.journal is not None
        return self.journal.with_name(self.journal.name + suffix)

    def _write(self, path: Path | None, message: Delivered) -> None:
        if path is not None:
            with path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(asdict(message)) + "\n")


def _read(path: Path) -> list[Delivered]:
    if not path.exists():
        return []
    return [Delivered(**json.loads(line))
            for line in path.read_text(encoding="utf-8").splitlines() if line]


class SimulatedTwilioHttp(HttpClient):
    """Answers the Messages and Calls APIs like Twilio."""

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
        if not self.network.accept(message):
            return _error(429, 20429, "Too Many Requests")
        return Response(201, json.dumps(_resource(match[1], message, message.created)))

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
        return _page(account, "Calls", "calls", [
            {"sid": c.sid, "account_sid": account, "to": c.to, "from": c.from_number,
             "status": "queued", "direction": "outbound-api",
             "date_created": _rfc2822(c.created_at.timestamp())} for c in reversed(found)])

    def _list(self, account: str, params: dict) -> Response:
        now = self.network.clock()
        after, before = _when(params.get("DateSent>")), _when(params.get("DateSent<"))
        found = []
        for message in self.network.accepted():
            if params.get("To") not in (None, message.to):
                continue
            if params.get("From") not in (None, message.from_number):
                continue
            sent_at = _sent_at(message, now)
            if (after is not None or before is not None) and sent_at is None:
                continue  # still queued: no date sent, so a date filter does not match it
            if after is not None and sent_at is not None and sent_at < after:
                continue
            if before is not None and sent_at is not None and sent_at > before:
                continue
            found.append(message)
        return _page(account, "Messages", "messages",
                     [_resource(account, m, now) for m in reversed(found)])


def _sent_at(message: Delivered, now: float) -> float | None:
    age = now - message.created
    return message.created + QUEUED_SECONDS if age >= QUEUED_SECONDS else None


def _when(value: object) -> float | None:
    """Twilio's date filters: an ISO 8601 date-time (or a date) in UTC."""
    if not value:
        return None
    text = str(value).replace("Z", "+00:00")
    moment = datetime.fromisoformat(text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _rfc2822(epoch: float) -> str:
    return format_datetime(datetime.fromtimestamp(epoch, UTC), usegmt=False).replace(
        "-0000", "+0000")


def _resource(account: str, message: Delivered, now: float) -> dict:
    sent_at = _sent_at(message, now)
    status = "queued" if sent_at is None else (
        "delivered" if now - message.created >= DELIVERED_AFTER else "sent")
    return {
        "sid": message.sid, "account_sid": account, "to": message.to,
        "from": message.from_number, "body": message.body, "status": status,
        "num_segments": "1", "direction": "outbound-api",
        "date_created": _rfc2822(message.created), "date_updated": _rfc2822(now),
        "date_sent": _rfc2822(sent_at) if sent_at is not None else None, "price": None,
        "error_code": None, "error_message": None, "api_version": "2010-04-01",
        "uri": f"/2010-04-01/Accounts/{account}/Messages/{message.sid}.json",
    }


def _page(account: str, resource: str, key: str, items: list[dict]) -> Response:
    uri = f"/2010-04-01/Accounts/{account}/{resource}.json"
    return Response(200, json.dumps({
        key: items, "end": max(len(items) - 1, 0), "first_page_uri": uri,
        "next_page_uri": None, "page": 0, "page_size": max(len(items), 50),
        "previous_page_uri": None, "start": 0, "uri": uri,
    }))


def _error(status: int, code: int, message: str) -> Response:
    return Response(status, json.dumps({
        "code": code, "message": message, "status": status,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
    }))
