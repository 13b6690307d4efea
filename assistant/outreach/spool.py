"""A patient's text must not be lost because the database is away.

When an inbound SMS cannot be stored, it is appended to a local spool file (one JSON line,
flushed and fsync'd before Twilio gets its answer), and the patient is answered without the
database: the red-flag scan runs on the text alone, so "chest pain" still gets "call 911 now".
When the database is back, the spool is replayed through the normal path: each message is
claimed by its Twilio SID like any delivery (a message already stored is skipped, so a replay
repeated after a crash does nothing twice), and what the conversation answers is sent as new
outbound messages through the outbox.

Appends and the start of a replay share a file lock; a replay first renames the spool aside,
so new texts keep arriving in a fresh file while the old one is worked through.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Spooled:
    sid: str
    from_number: str
    to_number: str
    body: str
    received_at: str  # ISO 8601, UTC
    replies: tuple[str, ...]  # what the patient was told at once
    raw: str | None = None  # the fields as received, when cleaning changed them
    maybe_stored: bool = False  # the database failed while committing it: it may be stored


class Spool:
    """The spool files in one folder: `inbound.jsonl` and any `replaying-*.jsonl` left by a
    replay that did not finish."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.current = folder / "inbound.jsonl"

    def keep(self, entry: Spooled) -> None:
        """Append durably: the line is on disk before the caller answers Twilio."""
        self.folder.mkdir(parents=True, exist_ok=True)
        line = (json.dumps(entry.__dict__ | {"replies": list(entry.replies)},
                           ensure_ascii=True) + "\n").encode()
        with self._locked():
            descriptor = os.open(self.current, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                # A line torn by a crash or a full disk must not swallow this one: start on a
                # line of its own.
                size = os.fstat(descriptor).st_size
                if size and os.pread(descriptor, 1, size - 1) != b"\n":
                    line = b"\n" + line
                while line:  # a short write (disk nearly full) writes the rest, or raises
                    line = line[os.write(descriptor, line):]
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        _fsync_folder(self.folder)

    def has_waiting(self) -> bool:
        """Cheap enough for every request: a look at the folder, no reading."""
        if not self.folder.exists():
            return False
        return (self.current.exists() and self.current.stat().st_size > 0) or any(
            self.folder.glob("replaying-*.jsonl"))

    def waiting(self) -> int:
        """How many spooled texts wait for the database (for the health check)."""
        return sum(len(_read(path)) for path in self._files())

    @contextmanager
    def replay(self) -> Iterator[list[tuple[Path, list[Spooled]]]]:
        """The files to replay, oldest first; the caller deletes each once it is done."""
        if not self.folder.exists():
            yield []
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / "replay.lock").open("a") as replay_lock:
            try:
                fcntl.flock(replay_lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield []  # another process is replaying
                return
            try:
                yield self._set_aside()
            finally:
                fcntl.flock(replay_lock, fcntl.LOCK_UN)

    def _set_aside(self) -> list[tuple[Path, list[Spooled]]]:
        with self._locked():
            if self.current.exists() and self.current.stat().st_size:
                self.current.rename(self.folder / f"replaying-{time.time_ns()}.jsonl")
        # Only files set aside: the current one may be taking a new text right now.
        return [(path, _read(path)) for path in sorted(self.folder.glob("replaying-*.jsonl"))]

    def _files(self) -> list[Path]:
        if not self.folder.exists():
            return []
        leftovers = sorted(self.folder.glob("replaying-*.jsonl"))
        return leftovers + ([self.current] if self.current.exists() else [])

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / "spool.lock").open("a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)


def _read(path: Path) -> list[Spooled]:
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            data = json.loads(line)
            entries.append(Spooled(**{**data, "replies": tuple(data.get("replies", ()))}))
        except (ValueError, TypeError):
            continue  # a line torn by a crash mid-write: its text never got an answer either
    return entries


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
