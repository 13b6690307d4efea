"""SQLite allows one writer: a second `carecall worker` on the same file is refused clearly
instead of fighting over locks. On PostgreSQL any number of workers may run."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url


class WorkerAlreadyRunning(RuntimeError):
    pass


@contextmanager
def single_sqlite_worker(database_url: str) -> Iterator[None]:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        yield
        return
    lock_path = Path(f"{url.database}.worker-lock")
    handle = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WorkerAlreadyRunning(
                f"another carecall worker is already running on {url.database}; SQLite allows "
                "one worker: stop the other one, or use PostgreSQL to run several") from None
        yield
    finally:
        os.close(handle)
