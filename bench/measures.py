"""The measurements. Each returns a flat dict of figures; ratios compare with a baseline
timed in the same run on the same machine."""

from __future__ import annotations

import gc
import logging
import resource
import statistics
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from flask import Flask, Response
from sqlalchemy import insert

from assistant.config import PROJECT_ROOT, Settings
from assistant.db import transaction, upgrade
from assistant.demo import free_port
from assistant.dispatch import claim_due, dispatch_due
from assistant.models import CheckIn, Episode, Patient
from assistant.redflags import scan
from assistant.services import Services, build_services
from assistant.simulator import SimulatedNetwork, SimulatedPhone, SimulatedTwilioHttp, form_body
from assistant.understanding import interpret

START = datetime(2026, 11, 24, 15, 0)


def _rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds else 0.0


def interpret_speed(quick: bool) -> dict[str, Any]:
    """Replies interpreted (and scanned for red flags) per second, against splitting them."""
    corpus = yaml.safe_load((PROJECT_ROOT / "tests" / "corpus" / "replies.yaml").read_text())
    replies = [t for texts in corpus["yes_no"].values() for t in texts]
    replies += [t for texts in corpus["red_flags"].values() for t in texts]
    rounds = 5 if quick else 40
    started = time.perf_counter()
    for _ in range(rounds):
        for text in replies:
            interpret("yes_no", text)
            scan(text)
    spent = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(rounds):
        for text in replies:
            text.lower().split()
    baseline = time.perf_counter() - started
    done = rounds * len(replies)
    return {"replies_per_second": _rate(done, spent),
            "ratio_to_splitting": round(spent / baseline, 1) if baseline else None}


def _services(folder: Path) -> tuple[Services, SimulatedNetwork]:
    url = f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    network = SimulatedNetwork()
    settings = Settings(database_url=url, send_rate_per_second=1_000_000,
                        twilio_auth_token="bench-token", public_base_url="http://127.0.0.1")
    return build_services(settings, twilio_http=SimulatedTwilioHttp(network),
                          clock=lambda: START), network


def _seed(services: Services, due: int, later: int) -> None:
    """`due` check-ins due now and `later` ones months away, inserted in bulk."""
    with transaction(services.sessions) as session:
        version = services.versions.publish(session, services.flows.get("general"), START)
        total = due + later
        patient_ids = session.scalars(insert(Patient).returning(Patient.id), [
            {"name": f"P{n}", "dob": datetime(1950, 1, 1).date(),
             "phone": f"+1{201 + n // 10_000:03d}555{n % 10_000:04d}", "language": "en",
             "time_zone": "America/New_York", "contact_start_hour": 0,
             "contact_end_hour": 24, "preferred_channel": "sms", "created_at": START}
            for n in range(total)]).all()
        episode_ids = session.scalars(insert(Episode).returning(Episode.id), [
            {"patient_id": pid, "discharged_at": START, "flow_id": "general", "baseline": {},
             "diagnoses": [], "created_at": START} for pid in patient_ids]).all()
        session.execute(insert(CheckIn), [
            {"episode_id": eid, "flow_version_id": version.id, "label": "first",
             "due_at": START - timedelta(minutes=1) if n < due else START + timedelta(days=90),
             "channel": "sms", "attempt": 0, "status": "scheduled"}
            for n, eid in enumerate(episode_ids)])


def dispatch_speed(quick: bool) -> dict[str, Any]:
    """Check-ins claimed and sent per second, and whether a tick's cost grows with what is
    scheduled but not due (the ratio of an idle tick at large to small volumes)."""
    due, small, large = (500, 2_000, 50_000) if quick else (10_000, 10_000, 1_000_000)
    with tempfile.TemporaryDirectory() as folder:
        services, _ = _services(Path(folder))
        _seed(services, due, large - due)
        started = time.perf_counter()
        sent = 0
        while True:
            report = dispatch_due(services, "bench", limit=200)
            if not report.claimed:
                break
            sent += len(report.sent)
        spent = time.perf_counter() - started
        idle_large = _idle_tick(services)
        services.close()
    with tempfile.TemporaryDirectory() as folder:
        services, _ = _services(Path(folder))
        _seed(services, 0, small)
        idle_small = _idle_tick(services)
        services.close()
    return {"checkins_per_second": _rate(sent, spent), "scheduled": large, "due": due,
            "idle_tick_ms_small": round(idle_small * 1000, 2),
            "idle_tick_ms_large": round(idle_large * 1000, 2),
            "idle_tick_ratio_large_to_small": round(idle_large / idle_small, 2)}


def _idle_tick(services: Services, repeats: int = 20) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        claim_due(services, "bench")
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _serve(app: Flask) -> tuple[str, Callable[[], None]]:
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{port}", server.shutdown


def _latencies(post: Callable[[int], None], count: int, clients: int) -> list[float]:
    def timed(number: int) -> float:
        started = time.perf_counter()
        post(number)
        return time.perf_counter() - started

    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(timed, range(count)))


def _summary(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1,
                                                   int(len(ordered) * 0.99))]


def sms_turn(quick: bool) -> dict[str, Any]:
    """One inbound SMS turn through HTTP, signature, dialogue, database and TwiML, against a
    bare Flask handler answering the same TwiML on the same kind of server (SQLite, werkzeug's
    threaded server; gunicorn and PostgreSQL figures are still to come)."""
    from web import create_app

    count = 200 if quick else 2_000
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        services, _ = _services(Path(folder))
        _seed(services, 40, 0)
        dispatch_due(services, "bench", limit=100)
        address, stop = _serve(create_app(services))
        services.settings = services.settings.with_overrides(public_base_url=address)
        create_app(services)  # warm the templates and caches
        bare = Flask("bare")
        twiml = ('<?xml version="1.0" encoding="UTF-8"?><Response><Message>Sorry, I didn\'t '
                 'understand. Please reply YES or NO.</Message></Response>')
        bare.add_url_rule("/twilio/sms", "sms", lambda: Response(twiml, mimetype="text/xml"),
                          methods=["POST"])
        bare_address, stop_bare = _serve(bare)
        phones = [SimulatedPhone(f"+1{201 + n // 10_000:03d}555{n % 10_000:04d}",
                                 "+12015550199", "bench-token", address, lambda *a: (0, ""))
                  for n in range(40)]

        def send(base: str, number: int) -> None:
            phone = phones[number % len(phones)]
            params = phone.sms_params("maybe")
            request = urllib.request.Request(
                base + "/twilio/sms", data=form_body(params), method="POST",
                headers={**phone.signed("/twilio/sms", params),
                         "Content-Type": "application/x-www-form-urlencoded"})
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()

        for clients in (1, 8):
            app_times = _latencies(lambda n: send(address, n), count, clients)
            bare_times = _latencies(lambda n: send(bare_address, n), count, clients)
            median, p99 = _summary(app_times)
            bare_median, bare_p99 = _summary(bare_times)
            results[f"sqlite_{clients}_clients_median_ms"] = round(median * 1000, 2)
            results[f"sqlite_{clients}_clients_p99_ms"] = round(p99 * 1000, 2)
            results[f"sqlite_{clients}_clients_median_ratio"] = round(median / bare_median, 2)
            results[f"sqlite_{clients}_clients_p99_ratio"] = round(p99 / bare_p99, 2)
        stop()
        stop_bare()
        services.close()
    return results


def memory(quick: bool) -> dict[str, Any]:
    """Peak resident memory of this process (which ran the others) in MB."""
    gc.collect()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"peak_resident_mb": round(peak_kb / 1024, 1)}


MEASURES: dict[str, Callable[[bool], dict[str, Any]]] = {
    "interpret": interpret_speed,
    "dispatch": dispatch_speed,
    "sms_turn": sms_turn,
    "memory": memory,
}
