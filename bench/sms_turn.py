"""One inbound SMS turn through the whole stack (gunicorn, signature check, dialogue,
database, TwiML) against a bare Flask handler answering the same TwiML on the same server
(`bench/combined_app.py`): median and p99 latency at 1 and at 32 concurrent clients, per
database, and the server's CPU time per turn (each in a phase of its own: both share the
server), and against the durable floor: the bare handler that commits one row first. With
`--peer`, Twilio's own survey sample answers the same way on SQLite
(bench/peer.py), and the turn is compared with its answers too."""

from __future__ import annotations

from typing import Any

from assistant.records.db import utc_now
from assistant.services import Services
from carecall.demo import free_port
from carecall.simulator import SimulatedPhone
from carecall.web import create_app

from .combined_app import BARE_PREFIX, DURABLE_PREFIX
from .common import (
    AUTH_TOKEN,
    DOB_REPLY,
    SERVICE_NUMBER,
    Options,
    database,
    latency_summary,
    make_services,
    phone_number,
    production_env,
    rate,
    ratio,
    seed,
)
from .dispatch import dispatch_all
from .durable_app import make_table
from .peer import PeerRun, run_peer
from .servers import (
    WARM_CLIENTS,
    Phase,
    Post,
    Server,
    gunicorn,
    timed_phase,
    timed_posts,
)

WARM_UP = 40


def sms_turn(options: Options) -> dict[str, Any]:
    per_client = 100 if options.quick else 1_000
    loads = {1: per_client, 32: per_client * 32 // 10}  # requests at each concurrency
    results: dict[str, Any] = {"requests": {str(c): n for c, n in loads.items()}}
    for kind in options.databases:
        with database(kind, options) as url:
            results[kind] = _measure(url, loads)
    if options.peer:
        peer = run_peer(options.peer, loads, WARM_UP)
        results["peer"] = {"folder": str(options.peer.folder),
                           "python": str(options.peer.python),
                           "hops_per_answer": peer.hops_per_answer,
                           "answers_sent": peer.answers_sent,
                           "answers_stored": peer.answers_stored}
        for clients in loads:
            results["sqlite"][f"{clients}_clients"].update(
                _against_peer(results["sqlite"][f"{clients}_clients"], peer, clients))
    return results


def _measure(url: str, loads: dict[int, int]) -> dict[str, Any]:
    """Every timed request is a patient's first answer (the date of birth) in a conversation
    of its own, the commonest turn there is."""
    now = utc_now()
    conversations = WARM_UP + sum(loads.values())
    seed(url, conversations + 1, 0, now)
    services = make_services(url, clock=lambda: now)
    dispatch_all(services)
    twiml = _reply_to_first_answer(services, conversations)  # the last, spare conversation
    services.close()
    port = free_port()
    address = f"http://127.0.0.1:{port}"
    turns = iter(first_answer(n, address) for n in range(conversations))
    env = {**production_env(url, address), "BENCH_TWIML": twiml}
    make_table(url)
    with gunicorn("bench.combined_app:combined()", env, port) as server:
        warm = [next(turns) for _ in range(WARM_UP)]
        timed_posts(server, warm, WARM_CLIENTS)
        app_phases = {}
        for clients, count in loads.items():
            share = [next(turns) for _ in range(count)]
            app_phases[clients] = timed_phase(server, lambda share=share, clients=clients:
                                              timed_posts(server, share, clients))
        bare_phases = _baseline(server, BARE_PREFIX, warm, loads)
        durable_phases = _baseline(server, DURABLE_PREFIX, warm, loads)
    figures: dict[str, Any] = {}
    for clients in loads:
        app, bare_phase = app_phases[clients], bare_phases[clients]
        mine, base = latency_summary(app.times), latency_summary(bare_phase.times)
        floor = latency_summary(durable_phases[clients].times)
        figures[f"{clients}_clients"] = {
            **mine, "turns_per_second": rate(loads[clients], app.wall_seconds),
            "bare_median_ms": base["median_ms"], "bare_p99_ms": base["p99_ms"],
            "median_ratio": ratio(mine["median_ms"], base["median_ms"]),
            "p99_ratio": ratio(mine["p99_ms"], base["p99_ms"]),
            "cpu_ms_per_turn": app.cpu_ms_per_job(),
            "bare_cpu_ms_per_turn": bare_phase.cpu_ms_per_job(),
            "cpu_ratio": ratio(app.cpu_ms_per_job(), bare_phase.cpu_ms_per_job()),
            "durable_median_ms": floor["median_ms"], "durable_p99_ms": floor["p99_ms"],
            "durable_cpu_ms_per_turn": durable_phases[clients].cpu_ms_per_job(),
            "median_ratio_to_durable": ratio(mine["median_ms"], floor["median_ms"])}
    return figures


def _baseline(server: Server, prefix: str, warm: list[Post],
              loads: dict[int, int]) -> dict[int, Phase]:
    """A baseline handler (mounted at `prefix`) timed with the same requests and loads."""
    requests = [Post(prefix + p.path, p.params, p.headers) for p in warm]
    timed_posts(server, requests, WARM_CLIENTS)
    phases = {}
    for clients, count in loads.items():
        share = (requests * (count // len(requests) + 1))[:count]
        phases[clients] = timed_phase(server, lambda share=share, clients=clients:
                                      timed_posts(server, share, clients))
    return phases


def _against_peer(mine: dict[str, Any], peer: PeerRun, clients: int) -> dict[str, Any]:
    """The peer's figures at `clients`, and Carecall's turn as a multiple of them."""
    phase: Phase = peer.phases[clients]
    theirs = latency_summary(phase.times)
    return {"peer_median_ms": theirs["median_ms"], "peer_p99_ms": theirs["p99_ms"],
            "peer_answers_per_second": rate(len(phase.times), phase.wall_seconds),
            "peer_cpu_ms_per_answer": phase.cpu_ms_per_job(),
            "peer_failed_answers": peer.refused[clients],
            "median_ratio_to_peer": ratio(mine["median_ms"], theirs["median_ms"]),
            "p99_ratio_to_peer": ratio(mine["p99_ms"], theirs["p99_ms"]),
            "cpu_ratio_to_peer": ratio(mine["cpu_ms_per_turn"], phase.cpu_ms_per_job())}


def _reply_to_first_answer(services: Services, n: int) -> str:
    """The TwiML Carecall answers a first answer with, for the bare handler to return."""
    request = first_answer(n, services.settings.public_base_url)
    response = create_app(services).test_client().post(request.path, data=request.params,
                                                       headers=request.headers)
    twiml = response.get_data(as_text=True)
    if response.status_code != 200 or "<Message>" not in twiml:
        raise RuntimeError(f"the app did not answer a turn: HTTP {response.status_code} "
                           f"{twiml[:200]}")
    return twiml


def first_answer(n: int, address: str) -> Post:
    phone = SimulatedPhone(phone_number(n), SERVICE_NUMBER, AUTH_TOKEN, address,
                           lambda *_: (0, ""))
    params = phone.sms_params(DOB_REPLY)
    return Post("/twilio/sms", params, phone.signed("/twilio/sms", params))
