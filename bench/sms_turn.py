"""One inbound SMS turn through the whole stack (gunicorn, signature check, dialogue,
database, TwiML) against a bare Flask handler answering the same TwiML on the same server
(`bench/combined_app.py`): median and p99 latency at 1 and at 32 concurrent clients, per
database."""

from __future__ import annotations

import time
from typing import Any

from assistant.records.db import utc_now
from assistant.services import Services
from carecall.demo import free_port
from carecall.simulator import SimulatedPhone
from carecall.web import create_app

from .combined_app import BARE_PREFIX
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
from .servers import Post, gunicorn, timed_posts

WARM_UP = 40


def sms_turn(options: Options) -> dict[str, Any]:
    per_client = 100 if options.quick else 1_000
    loads = {1: per_client, 32: per_client * 32 // 10}  # requests at each concurrency
    results: dict[str, Any] = {"requests": {str(c): n for c, n in loads.items()}}
    for kind in options.databases:
        with database(kind, options) as url:
            results[kind] = _measure(url, loads)
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
    with gunicorn("bench.combined_app:combined()", env, port) as server:
        warm = [next(turns) for _ in range(WARM_UP)]
        timed_posts(server, warm, 4)
        app_times, walls = {}, {}
        for clients, count in loads.items():
            began = time.perf_counter()
            app_times[clients] = timed_posts(server, [next(turns) for _ in range(count)],
                                             clients)
            walls[clients] = time.perf_counter() - began
        bare = [Post(BARE_PREFIX + p.path, p.params, p.headers) for p in warm]
        timed_posts(server, bare, 4)
        bare_times = {c: timed_posts(server, (bare * (n // len(bare) + 1))[:n], c)
                      for c, n in loads.items()}
    figures: dict[str, Any] = {}
    for clients in loads:
        mine, base = latency_summary(app_times[clients]), latency_summary(bare_times[clients])
        figures[f"{clients}_clients"] = {
            **mine, "turns_per_second": rate(loads[clients], walls[clients]),
            "bare_median_ms": base["median_ms"], "bare_p99_ms": base["p99_ms"],
            "median_ratio": ratio(mine["median_ms"], base["median_ms"]),
            "p99_ratio": ratio(mine["p99_ms"], base["p99_ms"])}
    return figures


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
