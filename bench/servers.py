"""gunicorn processes for the benchmarks, and HTTP clients that time each request."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from assistant.foundation.config import PROJECT_ROOT
from carecall.demo import free_port

# The same settings for the real app and its bare baseline: one process per core, each with
# a pool of threads, as a deployment on this machine would run.
WORKERS, THREADS = 2, 16


@dataclass(frozen=True)
class Server:
    address: str
    process: subprocess.Popen[bytes]

    @property
    def port(self) -> int:
        return int(self.address.rsplit(":", 1)[1])


@contextmanager
def gunicorn(app: str, env: dict[str, str], port: int | None = None,
             workers: int | None = None, threads: int | None = None) -> Iterator[Server]:
    port = port or free_port()
    workers, threads = workers or WORKERS, threads or THREADS
    command = [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--threads", str(threads),
               "--worker-class", "gthread", "--keep-alive", "30", "--log-level", "warning"]
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env={**os.environ, **env})
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
    latencies: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def client(share: list[Post]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        mine = []
        start.wait()
        for request in share:
            began = time.perf_counter()
            status, body = _send(connection, request)
            mine.append(time.perf_counter() - began)
            if status != 200:
                raise RuntimeError(f"HTTP {status}: {body[:200]}")
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(requests[n::clients],))
               for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if len(latencies) != len(requests):
        raise RuntimeError("some requests failed")
    return latencies


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
