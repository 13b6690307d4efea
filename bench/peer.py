"""Twilio's own survey sample (TwilioDevEd/automated-survey-flask), "the peer", served under
the same gunicorn settings as Carecall and driven the way Twilio drives it, so the SMS turn
has an outside yardstick (issue 18). Its code is never part of this project: it sits in a
folder of its own with its own venv (docs/PERFORMANCE.md, "The peer", says how to set it
up), and runs under its own interpreter.

How Twilio drives it: the number's messaging webhook is `GET /message`; the sample answers
with `<Redirect>`s, which Twilio follows (POST unless the verb says otherwise) with the same
message parameters and the cookies it keeps for the conversation, until a reply has no
`<Redirect>`. An answer is therefore several HTTP hops (three: /message, /answer/N,
/question/N+1), and its latency is all of them."""

from __future__ import annotations

import http.client
import os
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import unescape
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urljoin

from .common import SERVICE_NUMBER, phone_number
from .servers import WARM_CLIENTS, Phase, gunicorn, timed_calls, timed_phase

PEER_REPOSITORY = "https://github.com/TwilioDevEd/automated-survey-flask"
PEER_APP = "automated_survey_flask:prepare_app()"
# What a checkout of the peer holds (the bench needs each of them).
PEER_FILES = ("automated_survey_flask/__init__.py", "automated_survey_flask/survey_view.py",
              "automated_survey_flask/answer_view.py", "automated_survey_flask/question_view.py",
              "manage.py", "survey.json", "migrations/env.py")
# Where its interpreter is looked for when none is named: a venv inside the folder, or one
# beside it (docs/PERFORMANCE.md sets it up as ../venv).
VENVS = ("venv", ".venv", "../venv")
MAX_HOPS = 10  # a loop of redirects is a failure, not an answer
SECRET_KEY = "bench-peer-secret-key"


class PeerError(ValueError):
    """The folder (or interpreter) named for the peer cannot serve it."""


class PeerRefused(RuntimeError):
    """The peer answered a hop with an HTTP error: Twilio would give up on the message."""


@dataclass(frozen=True)
class Peer:
    folder: Path
    python: Path


def find_peer(folder: str | Path, python: str | Path | None = None) -> Peer:
    """The peer in `folder`, with `python` (else a venv in or beside it); a clear error if
    the folder does not hold it."""
    where = Path(folder).expanduser().resolve()
    missing = [name for name in PEER_FILES if not (where / name).is_file()]
    if missing:
        raise PeerError(
            f"--peer {folder}: this folder does not hold Twilio's survey sample "
            f"({PEER_REPOSITORY}): no {', '.join(missing)}. Clone it there and set up its "
            "venv as docs/PERFORMANCE.md ('The peer') says.")
    if python is not None:
        interpreter = Path(python).expanduser().absolute()
        if not interpreter.is_file():
            raise PeerError(f"--peer-python {python}: no such interpreter")
        return Peer(where, interpreter)
    for venv in VENVS:  # not resolved: a venv's python is a link to the one it was made from
        interpreter = Path(os.path.normpath(where / venv / "bin" / "python"))
        if interpreter.is_file():
            return Peer(where, interpreter)
    raise PeerError(
        f"--peer {folder}: no venv for the peer (looked for {', '.join(VENVS)} in it); "
        "name its interpreter with --peer-python, or set it up as docs/PERFORMANCE.md says")


def peer_env(url: str) -> dict[str, str]:
    """The settings the sample reads (its .env.example): production configuration."""
    return {"DATABASE_URI": url, "SECRET_KEY": SECRET_KEY}


@contextmanager
def peer_database(peer: Peer) -> Iterator[str]:
    """A SQLite database migrated and seeded with the sample's own commands
    (`manage.py db upgrade`, then `manage.py dbseed`, which loads its survey.json)."""
    with tempfile.TemporaryDirectory(prefix="carecall-bench-peer-") as folder:
        url = f"sqlite:///{Path(folder) / 'peer.db'}"
        for command in (["db", "upgrade"], ["dbseed"]):
            done = subprocess.run([str(peer.python), "manage.py", *command], cwd=peer.folder,
                                  env={**os.environ, **peer_env(url)}, capture_output=True,
                                  text=True, timeout=120)
            if done.returncode != 0:
                raise RuntimeError(f"the peer's manage.py {' '.join(command)} failed:\n"
                                   f"{done.stderr[-2000:]}")
        yield url


def stored_answers(url: str) -> int:
    """How many answers the peer stored: every timed answer must have been one."""
    connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        return int(connection.execute("SELECT count(*) FROM answers").fetchone()[0])
    finally:
        connection.close()


@dataclass
class SurveyPhone:
    """One patient's phone as Twilio sees it: the numbers, and the conversation's cookies."""
    number: str
    service: str
    cookies: dict[str, str] = field(default_factory=dict)
    hops: list[int] = field(default_factory=list)  # requests per message sent
    refused: bool = False  # an answer the peer failed (HTTP 5xx), not timed

    def send(self, connection: http.client.HTTPConnection, body: str) -> str:
        """Texts `body` and follows the replies' redirects as Twilio does; returns the last
        reply's TwiML (the one whose messages the patient receives)."""
        params = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32,
                  "From": self.number, "To": self.service, "Body": body, "NumMedia": "0",
                  "NumSegments": "1", "SmsStatus": "received", "ApiVersion": "2010-04-01"}
        method, path = "GET", "/message"
        for hop in range(1, MAX_HOPS + 1):
            twiml = self._request(connection, method, path, params)
            redirect = _redirect(twiml)
            if redirect is None:
                self.hops.append(hop)
                return twiml
            method, target = redirect
            path = urljoin(path, target)
        raise RuntimeError(f"the peer redirected more than {MAX_HOPS} times")

    def _request(self, connection: http.client.HTTPConnection, method: str, path: str,
                 params: dict[str, str]) -> str:
        headers = {"User-Agent": "TwilioProxy/1.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        form = urlencode(params)
        if method == "GET":
            connection.request("GET", f"{path}?{form}", headers=headers)
        else:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request("POST", path, body=form, headers=headers)
        response = connection.getresponse()
        body = response.read().decode()
        if response.status != 200:
            raise PeerRefused(f"the peer answered {method} {path} with HTTP "
                               f"{response.status}: {body[:200]}")
        for header in response.headers.get_all("Set-Cookie") or []:
            self._keep(header)
        return body

    def _keep(self, header: str) -> None:
        for name, morsel in SimpleCookie(header).items():
            if morsel.value and morsel["max-age"] != "0" and "1970" not in morsel["expires"]:
                self.cookies[name] = morsel.value
            else:
                self.cookies.pop(name, None)


@dataclass(frozen=True)
class PeerRun:
    phases: dict[int, Phase]  # by clients: the answers the peer gave, timed
    refused: dict[int, int]  # by clients: answers it failed (HTTP 5xx), left out of `phases`
    hops_per_answer: float
    answers_sent: int
    answers_stored: int


def run_peer(peer: Peer, loads: dict[int, int], warm_up: int) -> PeerRun:
    """As Carecall's turns are timed (bench/sms_turn.py): every timed answer is a patient's
    first answer (their name, to the survey's first question) in a conversation of its own,
    begun beforehand; `loads` answers at each number of clients, after `warm_up` answers.
    An answer the peer fails (SQLite's "database is locked" under many writers) is counted,
    not timed: Twilio would give up on it and the patient would get no reply."""
    phones = [SurveyPhone(phone_number(n), SERVICE_NUMBER)
              for n in range(warm_up + sum(loads.values()))]
    with peer_database(peer) as url:
        with gunicorn(PEER_APP, peer_env(url), python=peer.python, cwd=peer.folder) as server:
            timed_calls(server, phones, WARM_CLIENTS, _begin)
            answering = iter(phones)
            timed_calls(server, [next(answering) for _ in range(warm_up)], WARM_CLIENTS,
                        _answer)
            phases, refused = {}, {}
            for clients, count in loads.items():
                share = [next(answering) for _ in range(count)]
                phases[clients] = timed_phase(server, lambda share=share, clients=clients: [
                    seconds for seconds, phone in
                    zip(timed_calls(server, share, clients, _answer), share, strict=True)
                    if not phone.refused])
                refused[clients] = sum(phone.refused for phone in share)
        stored = stored_answers(url)
    answered = [phone for phone in phones if not phone.refused]
    if not len(answered) <= stored <= len(phones):
        raise RuntimeError(f"the peer stored {stored} answers of {len(answered)} answered")
    hops = [phone.hops[-1] for phone in answered]
    return PeerRun(phases, refused, round(sum(hops) / len(hops), 2), len(phones), stored)


def _begin(connection: http.client.HTTPConnection, phone: SurveyPhone) -> None:
    """The patient's first text: the survey's welcome and its first question."""
    if "<Message>" not in phone.send(connection, "Hello"):
        raise RuntimeError("the peer did not ask its first question")


def _answer(connection: http.client.HTTPConnection, phone: SurveyPhone) -> None:
    """The patient answers the first question; the reply is the next question."""
    try:
        reply = phone.send(connection, f"Pat {phone.number[-4:]}")
    except PeerRefused:
        phone.refused = True
        return
    if "<Message>" not in reply:
        raise RuntimeError("the peer did not answer with its next question")


def _redirect(twiml: str) -> tuple[str, str] | None:
    """The reply's `<Redirect>` as (method, URL), or None: the sample's TwiML is Twilio's
    library's, one element with an optional method attribute."""
    start = twiml.find("<Redirect")
    if start < 0:
        return None
    tag_end = twiml.index(">", start)
    tag = twiml[start:tag_end]
    method = "GET" if 'method="GET"' in tag else "POST"
    return method, unescape(twiml[tag_end + 1:twiml.index("</Redirect>", tag_end)])
