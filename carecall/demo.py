"""`carecall demo`: the whole product in one process, on SQLite, with the simulated phone.

A sample patient is enrolled, the scheduler sends the check-in through the official twilio
client (its HTTP client swapped for the simulated network), and the person at the terminal
answers as the patient. Replies travel as signed HTTP requests to the real webhook, served on
a local address, where the alert page lives too.
"""

from __future__ import annotations

import logging
import queue
import secrets
import shutil
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import yaml
from aiosmtpd.controller import Controller
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select, update
from werkzeug.serving import make_server

from assistant.authoring.scripted import reply_text
from assistant.care_team.mailer import Mailer
from assistant.care_team.notifications import Notifier
from assistant.care_team.roster import add_user
from assistant.conversation.chart import END_STATES
from assistant.foundation.config import Settings
from assistant.intake.care_contacts import CareContact
from assistant.intake.enrollment import enroll, validate_discharge
from assistant.records.accounts import set_password
from assistant.records.db import transaction, upgrade
from assistant.records.models import Alert, CheckIn
from assistant.services import Services, build_services
from carecall.demo_feed import start_feed
from carecall.simulator import (
    Delivered,
    PlacedCall,
    Said,
    SimulatedCaller,
    SimulatedNetwork,
    SimulatedPhone,
    SimulatedTwilioHttp,
    form_body,
)
from carecall.worker import job_defaults, schedule_jobs

DEMO_PASSWORD = "carecall-demo-" + secrets.token_hex(4)  # new each run; printed at start
DEMO_NURSE = {"username": "nurse", "name": "Nora Nurse", "phone": "+12015550160",
              "email": "nurse@riverside.example"}
# Two admins: publishing a flow needs a second admin's clinical sign-off.
DEMO_ADMINS = ({"username": "admin", "name": "Ada Admin"},
               {"username": "lead", "name": "Lee Clinical Lead"})
SAMPLE_PATIENT = {"name": "Alex Rivera", "dob": "1950-03-14", "phone": "+12015550123"}
FIRST_MESSAGE_WAIT_SECONDS = 30


def http_poster(base_url: str) -> Callable[[str, dict[str, str], dict[str, str]], tuple[int, str]]:
    def post(path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        request = urllib.request.Request(
            base_url.rstrip("/") + path, data=form_body(params), method="POST",
            headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    return post


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(services: Services, port: int) -> Iterator[str]:
    from carecall.web import create_app  # the demo is a composition root, like `carecall serve`

    # Request lines would drown the conversation at the terminal.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", port, create_app(services), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def run_demo(settings: Settings, replies: list[str] | None, port: int,
             read: Callable[[str], str] = input, write: Callable[[str], None] = print,
             channel: str = "sms", flow: str = "general", language: str = "en") -> int:
    folder = settings.data_dir / "demo"
    shutil.rmtree(folder, ignore_errors=True)
    url = f"sqlite:///{(folder / 'demo.db').as_posix()}"
    upgrade(url)
    network = SimulatedNetwork()
    phone_number = SAMPLE_PATIENT["phone"]

    def show(message: Delivered) -> None:
        if message.to == phone_number:
            write(f"  📱 Carecall: {message.body}")
        elif message.to == DEMO_NURSE["phone"]:
            write(f"  📟 To the on-call nurse's phone: {message.body}")
        else:  # a patient who arrived through the HL7 feed
            write(f"  📨 Carecall to {message.to}: {message.body}")

    network.listeners.append(show)
    calls: queue.Queue[PlacedCall] = queue.Queue()
    network.call_listeners.append(calls.put)
    port = port or free_port()
    sink = SmtpSink(write)
    settings = settings.with_overrides(database_url=url,
                                       public_base_url=f"http://127.0.0.1:{port}",
                                       smtp_host="127.0.0.1", smtp_port=sink.start())
    services = build_services(settings, twilio_http=SimulatedTwilioHttp(network))
    try:
        with serving(services, port) as address:
            return _run(services, address, phone_number, replies, read, write, channel, calls,
                        (flow, language))
    except KeyboardInterrupt:
        write("\nDemo stopped.")
        return 0
    finally:
        services.close()
        sink.stop()


class SmtpSink:
    """A local SMTP server that shows each e-mail at the terminal instead of sending it."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write
        self.controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        message = message_from_bytes(envelope.content)
        self.write(f"  ✉  E-mail to {message['To']}: {message['Subject']}")
        return "250 OK"

    def start(self) -> int:
        port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=port)
        self.controller.start()
        return port

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()


def _run(services: Services, address: str, phone_number: str, replies: list[str] | None,
         read: Callable[[str], str], write: Callable[[str], None], channel: str,
         calls: queue.Queue[PlacedCall], flow_and_language: tuple[str, str]) -> int:
    settings = services.settings
    write(f"Carecall demo · alerts page: {address}/  · phone simulator: {address}/simulator  "
          f"· reports: {address}/reports\n"
          f"  sign in as the coordinator {DEMO_NURSE['username']} / {DEMO_PASSWORD}, or as "
          f"an admin {DEMO_ADMINS[0]['username']} / {DEMO_PASSWORD} (a flow change needs the "
          f"second admin, {DEMO_ADMINS[1]['username']}, to sign it off); Ctrl-C to quit")
    flow, language = flow_and_language
    feed_port, feed_sample = start_feed(services, services.settings.data_dir / "demo")
    write(f"HL7 ADT feed: listening on 127.0.0.1:{feed_port} (MLLP). From another terminal, "
          f"send a discharge:\n  .venv/bin/mllp_send --loose --port {feed_port} --file "
          f"{feed_sample} localhost")
    _enroll_sample(services, channel, flow, language)
    how = "a phone call" if channel == "voice" else "text message"
    write(f"Enrolled {SAMPLE_PATIENT['name']} in the {flow} flow ({language}), discharged 2 "
          f"days ago; the first check-in, by {how}, is due now.\n")
    scheduler = BackgroundScheduler(job_defaults=job_defaults(settings.tick_seconds),
                                    timezone="UTC")
    schedule_jobs(scheduler, services, "demo")
    scheduler.start()
    try:
        phone = SimulatedPhone(phone_number, settings.twilio_from_number,
                               settings.twilio_auth_token, address, http_poster(address),
                               account_sid=settings.twilio_account_sid)
        if channel == "voice":
            try:
                call = calls.get(timeout=FIRST_MESSAGE_WAIT_SECONDS)
            except queue.Empty:
                write("error: the call was not placed; see the log above")
                return 1
            _take_call(services, SimulatedCaller(phone), call, replies, read, write)
        else:
            if not _wait_until_sent(services, FIRST_MESSAGE_WAIT_SECONDS):
                write("error: the check-in was not sent; see the log above")
                return 1
            _converse(services, phone, replies, read, write)
    finally:
        scheduler.shutdown(wait=False)
    # The worker notifies at its next tick; the demo does not wait for it.
    Notifier(services, Mailer(settings)).run()
    if replies is None:
        write(f"\nThe alerts page stays up at {address}/ until you press Enter.")
        _ask(read, "")
    return 0


def _take_call(services: Services, caller: SimulatedCaller, call: PlacedCall,
               replies: list[str] | None, read: Callable[[str], str],
               write: Callable[[str], None]) -> None:
    """The phone rings; the person at the terminal speaks by typing. Digits alone (or after
    #) are keys pressed; an empty line is silence."""
    write("  ☎  The phone rings and you answer.")
    shown = [0]
    seen_alerts = [0]

    def listen(heard: list[str]) -> Said | None:
        for text in heard[shown[0]:]:
            write(f"  🔊 Carecall: {text}")
        shown[0] = len(heard)
        seen_alerts[0] = _print_new_alerts(services, seen_alerts[0], write)
        if replies is not None:
            if not replies:
                raise _Hangup
            text = replies.pop(0)
            write(f"  🧑 Patient: {text or '(silence)'}")
        else:
            answer = _ask(read, "  🧑 You say (digits to press keys, empty for silence): ")
            if answer is None:
                raise _Hangup
            text = answer
        keys = text.strip().lstrip("#")
        return Said(digits=keys) if keys.isdigit() else (Said(speech=text) if text.strip()
                                                          else None)

    try:
        log = caller.answer(call, listen)
    except _Hangup:
        write("  ☎  You hang up.")
        return
    for text in log.heard[shown[0]:]:
        write(f"  🔊 Carecall: {text}")
    if log.transferred_to:
        write(f"  ☎  Transferred to the nurse line {log.transferred_to}.")
    _print_new_alerts(services, seen_alerts[0], write)
    write("\nThe call has ended.")


class _Hangup(Exception):
    pass


def _enroll_sample(services: Services, channel: str = "sms", flow: str = "general",
                   language: str = "en") -> None:
    now = services.clock()
    with transaction(services.sessions) as session:
        nurse = add_user(session, services.settings, role="coordinator", on_call="always",
                         now=now, actor="demo", **DEMO_NURSE)
        set_password(session, nurse, DEMO_PASSWORD, now, "demo")
        for admin in DEMO_ADMINS:
            user = add_user(session, services.settings, role="admin", on_call="always",
                            phone=None, email=None, now=now, actor="demo", **admin)
            set_password(session, user, DEMO_PASSWORD, now, "demo")
    discharge = validate_discharge(
        services.settings, services.flows, now=now, name=SAMPLE_PATIENT["name"],
        dob=SAMPLE_PATIENT["dob"], phone=SAMPLE_PATIENT["phone"], flow=flow, lang=language,
        discharged=(now - timedelta(days=2)).isoformat(timespec="minutes") + "+00:00",
        appointment=(now + timedelta(days=5)).isoformat(timespec="minutes") + "+00:00",
        appointment_with="Dr. Lee", appointment_place="Main Street Clinic",
        diagnoses=["I50.22 Chronic systolic heart failure", "E11.9 Type 2 diabetes"],
        pcp=CareContact("Dr. Ana Lee", "+1 201 555 0100"),
        pharmacy=CareContact("Main Street Pharmacy", "+1 201 555 0111"),
        medication_rows=[
            {"name": "Furosemide", "dose": "40 mg", "change": "new", "high_risk": True},
            {"name": "Metoprolol", "dose": "25 mg", "change": "changed"},
        ],
    )
    with transaction(services.sessions) as session:
        episode = enroll(session, services, discharge, now)
        first = episode.checkins[0]
        # The demo does not wait for the planned hour, nor for daytime where the sample
        # patient lives: the first check-in is due now, whatever the time.
        session.execute(update(CheckIn).where(CheckIn.id == first.id)
                        .values(due_at=now, channel=channel))
        episode.patient.contact_start_hour, episode.patient.contact_end_hour = 0, 24


def _converse(services: Services, phone: SimulatedPhone, replies: list[str] | None,
              read: Callable[[str], str], write: Callable[[str], None]) -> None:
    seen_alerts = 0
    while not _finished(services):
        if replies is not None:
            if not replies:
                write("(script ended before the check-in did)")
                return
            text = replies.pop(0)
            write(f"  🧑 Patient: {text}")
        else:
            text = _ask(read, "  🧑 You (as the patient): ")
            if text is None:
                return
            if not text.strip():
                continue
        for reply in phone.text(text):
            write(f"  📱 Carecall: {reply}")
        seen_alerts = _print_new_alerts(services, seen_alerts, write)
    write("\nThe check-in has ended.")


def _wait_until_sent(services: Services, seconds: float) -> bool:
    """The scheduler runs in its own thread: wait for its first tick to finish sending."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with services.sessions() as session:
            if session.scalar(select(CheckIn.id).where(CheckIn.status == "sent")):
                return True
        time.sleep(0.05)
    return False


def _ask(read: Callable[[str], str], prompt: str) -> str | None:
    try:
        return read(prompt)
    except EOFError:
        return None


def _finished(services: Services) -> bool:
    with services.sessions() as session:
        statuses = set(session.scalars(select(CheckIn.status).where(CheckIn.sent_at.is_not(None))))
    return bool(statuses) and statuses <= set(END_STATES)


def _print_new_alerts(services: Services, seen: int, write: Callable[[str], None]) -> int:
    with services.sessions() as session:
        alerts = list(session.scalars(select(Alert).where(Alert.id > seen).order_by(Alert.id)))
        for alert in alerts:
            if alert.kind == "task":
                write(f"  📋 TASK for the care team: {alert.summary} — {alert.patient.name}")
            else:
                write(f"  🚨 ALERT for the care team [{alert.severity.upper()}] {alert.summary} "
                      f"— {alert.patient.name}")
    return alerts[-1].id if alerts else seen


def load_demo_script(path: Path) -> list[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data = data.get("replies")
    if not isinstance(data, list):
        raise ValueError(f"demo script {path} must be a list of replies (or replies: [...])")
    return [reply_text(item) for item in data]
