"""gunicorn processes for the benchmarks, and HTTP clients that time each request."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlencode

from assistant.foundation.config import PROJECT_ROOT
from carecall.demo import free_port

# The same settings for the real app and its bare baseline: one process per core, each with
# a pool of threads, as a deployment on this machine would run.
WORKERS, THREADS = 2, 16
# Warm-ups spread over this many connections, so that every worker has served requests (and
# loaded what it loads on its first) before anything is timed: a phase at one client uses
# one worker, which must not be a cold one.
WARM_CLIENTS = 32
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
Job = TypeVar("Job")


@dataclass(frozen=True)
class Server:
    address: str
    process: subprocess.Popen[bytes]

    @property
    def port(self) -> int:
        return int(self.address.rsplit(":", 1)[1])


@contextmanager
def gunicorn(app: str, env: dict[str, str], port: int | None = None,
             workers: int | None = None, threads: int | None = None,
             python: Path | None = None, cwd: Path | None = None) -> Iterator[Server]:
    """`app` served by gunicorn from `cwd` (the project) with `python` (this interpreter):
    another app's own folder and venv serve it under the same settings."""
    port = port or free_port()
    workers, threads = workers or WORKERS, threads or THREADS
    command = [str(python or sys.executable), "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--threads", str(threads),
               "--worker-class", "gthread", "--keep-alive", "30", "--log-level", "warning"]
    process = subprocess.Popen(command, cwd=cwd or PROJECT_ROOT, env={**os.environ, **env})
    try:
        _wait_until_listening(port, process)
        yield Server(f"http://127.0.0.1:{port}", process)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_until_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/")
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start listening")


@dataclass(frozen=True)
class Post:
    path: str
    params: dict[str, str]
    headers: dict[str, str]


def post_once(server: Server, request: Post) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        return _send(connection, request)
    finally:
        connection.close()


def timed_posts(server: Server, requests: list[Post], clients: int) -> list[float]:
    """Each of `clients` threads keeps one connection open and sends its share of the
    requests one after another; returns every request's latency in seconds."""
    def post(connection: http.client.HTTPConnection, request: Post) -> None:
        status, body = _send(connection, request)
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {body[:200]}")

    return timed_calls(server, requests, clients, post)


def timed_calls(server: Server, jobs: list[Job], clients: int,
                call: Callable[[http.client.HTTPConnection, Job], object]) -> list[float]:
    """Each of `clients` threads keeps one connection open and does its share of the jobs
    one after another (a job may be several requests); returns every job's duration in
    seconds, in the jobs' order. A job that fails raises."""
    latencies: list[float | None] = [None] * len(jobs)
    failures: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def client(first: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        start.wait()
        try:
            for n in range(first, len(jobs), clients):
                began = time.perf_counter()
                call(connection, jobs[n])
                latencies[n] = time.perf_counter() - began
        except Exception as error:  # reported by the caller's thread, below
            with lock:
                failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"{len(failures)} of {clients} clients failed") from failures[0]
    done = [latency for latency in latencies if latency is not None]
    if len(done) != len(jobs):
        raise RuntimeError("some requests failed")
    return done


@dataclass(frozen=True)
class Phase:
    """One timed phase: every job's duration, and the server's CPU time over the phase."""
    times: list[float]
    cpu_seconds: float
    wall_seconds: float

    def cpu_ms_per_job(self) -> float:
        return round(self.cpu_seconds * 1000 / len(self.times), 3) if self.times else 0.0


def timed_phase(server: Server, run: Callable[[], list[float]]) -> Phase:
    """`run` timed, with the CPU the server's processes spent meanwhile (read before and
    after, so nothing else may use the server during the phase)."""
    cpu = server_cpu_seconds(server)
    began = time.perf_counter()
    times = run()
    wall = time.perf_counter() - began
    return Phase(times, server_cpu_seconds(server) - cpu, wall)


def server_cpu_seconds(server: Server) -> float:
    """CPU time (user + system) of gunicorn's master and its live workers, from /proc."""
    ticks = 0
    for pid in [server.process.pid, *worker_pids(server)]:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15
    return ticks / CLOCK_TICKS


def _send(connection: http.client.HTTPConnection, request: Post) -> tuple[int, str]:
    connection.request("POST", request.path, body=urlencode(request.params), headers={
        **request.headers, "Content-Type": "application/x-www-form-urlencoded"})
    response = connection.getresponse()
    return response.status, response.read().decode()


def resident_mb(field: str = "VmRSS", pid: int | str = "self") -> float:
    """A process's resident memory (or its peak, VmHWM) from /proc, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"no {field} for process {pid}")


def worker_pids(server: Server) -> list[int]:
    """gunicorn's worker processes (the children of its master)."""
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]
