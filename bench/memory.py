"""Resident memory of a worker process and of a web process after handling many
conversations, each against the same process right after start-up."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from assistant.foundation.config import PROJECT_ROOT
from assistant.records.db import utc_now
from carecall.demo import free_port

from .common import Options, database, production_env, ratio, seed
from .servers import gunicorn, post_once, resident_mb, timed_posts, worker_pids
from .sms_turn import first_answer


def memory_use(options: Options) -> dict[str, Any]:
    """On PostgreSQL when it is there (production), else SQLite. The worker sends every
    check-in (opening its conversation); then one web process takes a reply in each."""
    conversations = 1_000 if options.quick else 10_000
    kind = options.databases[-1]
    with database(kind, options) as url:
        seed(url, conversations, 0, utc_now())
        worker = subprocess.run(
            [sys.executable, "-m", "bench.worker_memory", url, str(conversations)],
            cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
        worker_figures = json.loads(worker.stdout.splitlines()[-1])
        port = free_port()
        address = f"http://127.0.0.1:{port}"
        env = production_env(url, address)
        turns = [first_answer(n, address) for n in range(conversations)]
        with gunicorn("carecall.wsgi:production_app()", env, port, workers=1, threads=8) as web:
            post_once(web, turns[0])
            (pid,) = worker_pids(web)
            web_start = resident_mb(pid=pid)
            timed_posts(web, turns[1:], 8)
            web_end = resident_mb(pid=pid)
    return {
        "database": kind, "conversations": conversations,
        "worker_start_mb": worker_figures["start_mb"], "worker_end_mb": worker_figures["end_mb"],
        "worker_peak_mb": worker_figures["peak_mb"],
        "worker_ratio_to_start": ratio(worker_figures["end_mb"], worker_figures["start_mb"]),
        "web_start_mb": web_start, "web_end_mb": web_end,
        "web_ratio_to_start": ratio(web_end, web_start),
    }
