"""Where an SMS turn's time goes: `python -m bench.turn_profile [--turns N] [--db URL]`.

Sends N patients' first answers (the date of birth, the turn `sms_turn` times) through the
whole web app in this process (called as a WSGI server calls it, signed like Twilio): half
of them timed (CPU time, so other processes on the machine matter less) against the bare
handler timed the same way, half under cProfile to print the share of the time spent in
each library, with the statements, flushes and Python calls per turn. The profile in
docs/PERFORMANCE.md comes from here.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.test import EnvironBuilder

from assistant.records.db import upgrade, utc_now
from carecall.web import create_app

from .bare_app import app as bare_app
from .common import make_services, seed
from .dispatch import dispatch_all
from .servers import Post
from .sms_turn import first_answer

# The first matching fragment of a function's file names its area.
AREAS = [
    ("sqlalchemy/orm", "SQLAlchemy ORM"),
    ("sqlalchemy/", "SQLAlchemy Core and engine"),
    ("sqlite3", "driver (and commit)"), ("psycopg", "driver (and commit)"),
    ("statemachine/", "python-statemachine"),
    ("flask/", "Flask and Werkzeug"), ("werkzeug/", "Flask and Werkzeug"),
    ("twilio/", "twilio (signature, TwiML)"),
    ("assistant/safety", "safety net"),
    ("assistant/conversation", "dialogue"),
    ("assistant/", "rest of Carecall"), ("webhooks/", "rest of Carecall"),
]


def profile_turns(url: str, turns: int) -> dict[str, Any]:
    """Per-turn statement and flush counts, and each area's share of the profiled time."""
    now = utc_now()
    seed(url, turns + 20, 0, now)
    services = make_services(url, clock=lambda: now)
    dispatch_all(services)
    app = create_app(services)
    requests = [_environ(first_answer(n, services.settings.public_base_url))
                for n in range(turns + 20)]
    for environ in requests[:20]:  # warm caches, as a running server would have them
        _call(app, environ)
    counts = {"statements": 0, "flushes": 0}

    def statement(*_: Any) -> None:
        counts["statements"] += 1

    def flush(*_: Any) -> None:
        counts["flushes"] += 1

    event.listen(services.engine, "before_cursor_execute", statement)
    event.listen(Session, "before_flush", flush)
    timed = requests[20:20 + turns // 2]  # timed, without the profiler's overhead
    times = [_timed_call(app, environ) for environ in timed]
    bare_times = [_timed_call(bare_app, _environ(request), answered=False)
                  for request in [first_answer(n, "http://bare") for n in range(len(timed))]]
    profiler = cProfile.Profile()
    profiler.enable()
    for environ in requests[20 + turns // 2:]:
        _call(app, environ)
    profiler.disable()
    event.remove(services.engine, "before_cursor_execute", statement)
    event.remove(Session, "before_flush", flush)
    services.close()
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    shares: dict[str, float] = defaultdict(float)
    for (filename, _, name), row in stats.stats.items():  # type: ignore[attr-defined]
        if filename != "~" or "sqlite3" in name or "psycopg" in name:
            filename = name if filename == "~" else filename
            shares[_area(filename)] += row[2]  # own time, so nothing is counted twice
            continue
        # A built-in (a driver's C method, dict.get) counts for whoever called it.
        callers = row[4]
        called = sum(caller[2] for caller in callers.values()) or 1.0
        for (caller_file, _, _), caller in callers.items():
            shares[_area(caller_file)] += row[2] * caller[2] / called
    profiled = turns - turns // 2
    return {"turns": turns, "median_ms_per_turn": round(statistics.median(times) * 1000, 3),
            "bare_median_ms": round(statistics.median(bare_times) * 1000, 3),
            "ratio_to_bare": round(statistics.median(times) / statistics.median(bare_times), 1),
            "ms_per_turn_profiled": round(total * 1000 / profiled, 2),
            # Steady whatever else the machine is doing: the profile's own measure of work.
            "python_calls_per_turn": round(stats.total_calls / profiled),  # type: ignore[attr-defined]
            "statements_per_turn": round(counts["statements"] / turns, 2),
            "flushes_per_turn": round(counts["flushes"] / turns, 2),
            "shares_percent": {area: round(100 * seconds / total, 1) for area, seconds
                               in sorted(shares.items(), key=lambda item: -item[1])},
            "stats": stats}


def _environ(request: Post) -> dict[str, Any]:
    """The WSGI environ a server would build, made before timing: what is timed is the app."""
    return EnvironBuilder(path=request.path, method="POST", data=request.params,
                          headers=request.headers,
                          base_url="https://carecall.example.org").get_environ()


def _call(app: Any, environ: dict[str, Any], answered: bool = True) -> bytes:
    status: list[str] = []
    body = b"".join(app(dict(environ), lambda code, headers: status.append(code)))
    if not status[0].startswith("200") or (answered and b"<Message>" not in body):
        raise RuntimeError(f"the app did not answer a turn: {status[0]} {body[:200]!r}")
    return body


def _timed_call(app: Any, environ: dict[str, Any], answered: bool = True) -> float:
    began = time.process_time()
    _call(app, environ, answered)
    return time.process_time() - began


def _area(filename: str) -> str:
    for fragment, area in AREAS:
        if fragment in filename:
            return area
    return "Python and the rest"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.turn_profile")
    parser.add_argument("--turns", type=int, default=1_500)
    parser.add_argument("--db", help="a migrated, empty database URL (default: a new SQLite)")
    parser.add_argument("--top", type=int, default=0, help="also print the N costliest "
                        "functions by cumulative time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="carecall-profile-") as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'profile.db'}"
        if not args.db:
            upgrade(url)
        figures = profile_turns(url, args.turns)
    stats = figures.pop("stats")
    for key, value in figures.items():
        if isinstance(value, dict):
            print(f"{key}:")
            for area, share in value.items():
                print(f"  {area}: {share}")
        else:
            print(f"{key}: {value}")
    if args.top:
        stats.sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
