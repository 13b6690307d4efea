"""Seeded years kept between benchmark runs: seeding 100,000 discharges takes minutes, and a
year of a given size, seed and generator version is always the same, so it is made once.

SQLite: a file under data/bench/ (`CARECALL_BENCH_CACHE` to move it), copied for each run so
the run's own writes (the coordinator signing in, the audit of each page) never reach it.
PostgreSQL: a template database on the server, cloned into a scratch database for each run
and dropped after it; templates of older generator versions are dropped when a new one is
made. The cached year is migrated to the current schema before it is copied, so a new
migration (an index) is measured on the same data, and applied once.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from assistant.conversation.flow_loader import FlowLibrary
from assistant.conversation.prompts import PromptCatalogue
from assistant.foundation.config import PROJECT_ROOT, Settings
from assistant.records.db import make_engine, upgrade

from .common import DEFAULT_POSTGRES, Options
from .synthetic_year import GENERATOR_VERSION, seed_year

SEED = 17
SEEDING_TIMEOUT_MS = 3_600_000


@dataclass(frozen=True)
class Year:
    url: str  # a scratch copy, migrated, for this run only
    seeding_seconds: float  # what making the cached year took (once)
    seeded_now: bool  # made in this run, not found in the cache


def cache_folder() -> Path:
    return Path(os.environ.get("CARECALL_BENCH_CACHE") or PROJECT_ROOT / "data" / "bench")


def _name(size: int) -> str:
    return f"year_{size}_seed{SEED}_g{GENERATOR_VERSION}"


@contextmanager
def seeded_year(kind: str, size: int, end: datetime, options: Options) -> Iterator[Year]:
    if kind == "sqlite":
        with _sqlite_year(size, end) as year:
            yield year
    else:
        with _postgres_year(size, end, options.postgres_admin_url or DEFAULT_POSTGRES) as year:
            yield year


def _flows() -> FlowLibrary:
    settings = Settings()
    return FlowLibrary.load(settings.flows_dir, PromptCatalogue.load(settings.prompts_dir))


def _seed(url: str, size: int, end: datetime) -> float:
    upgrade(url)
    engine = make_engine(url, statement_timeout_ms=SEEDING_TIMEOUT_MS)
    try:
        return seed_year(engine, size, end=end, seed=SEED, flows=_flows()).seconds
    finally:
        engine.dispose()


@contextmanager
def _sqlite_year(size: int, end: datetime) -> Iterator[Year]:
    folder = cache_folder()
    folder.mkdir(parents=True, exist_ok=True)
    cached, note = folder / f"{_name(size)}.db", folder / f"{_name(size)}.json"
    seeded_now = not (cached.exists() and note.exists())
    if seeded_now:
        for stale in folder.glob(f"year_{size}_seed*"):  # an older generator's
            stale.unlink()
        making = folder / f"{_name(size)}.{uuid.uuid4().hex[:8]}.partial"
        try:
            seconds = _seed(f"sqlite:///{making}", size, end)
            _settle(making)
            making.replace(cached)  # whole or not at all
        finally:
            for leftover in folder.glob(f"{making.name}*"):
                leftover.unlink()
        note.write_text(json.dumps({"seeding_seconds": round(seconds, 1), "size": size}))
    seconds = json.loads(note.read_text())["seeding_seconds"]
    upgrade(f"sqlite:///{cached}")  # a migration since (an index) is applied to the cache once
    _settle(cached)
    with tempfile.TemporaryDirectory(prefix="carecall-year-") as scratch:
        copy = Path(scratch) / "year.db"
        shutil.copyfile(cached, copy)
        yield Year(f"sqlite:///{copy}", seconds, seeded_now)


def _settle(path: Path) -> None:
    """Everything in the database file itself (none left in its write-ahead log), so that a
    copy of the file is the whole database."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


@contextmanager
def _postgres_year(size: int, end: datetime, admin_url: str) -> Iterator[Year]:
    template = f"carecall_{_name(size)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)

    def url_of(database: str) -> str:
        return make_url(admin_url).set(database=database).render_as_string(hide_password=False)

    try:
        with admin.connect() as connection:
            note = connection.scalar(text(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                "WHERE datname = :name"), {"name": template})
        seeded_now = not note
        if seeded_now:
            _drop_templates(admin, size)
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{template}"'))
            try:
                seconds = _seed(url_of(template), size, end)
            except BaseException:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))
                raise
            note = json.dumps({"seeding_seconds": round(seconds, 1), "size": size})
            with admin.connect() as connection:
                connection.execute(text(f"COMMENT ON DATABASE \"{template}\" IS '{note}'"))
        upgrade(url_of(template))  # a migration since (an index) is applied to it once
        scratch = f"carecall_bench_{uuid.uuid4().hex[:10]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{scratch}" TEMPLATE "{template}"'))
        try:
            yield Year(url_of(scratch), json.loads(note)["seeding_seconds"], seeded_now)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _drop_templates(admin, size: int) -> None:  # type: ignore[no-untyped-def]
    """Years of this size made by an older generator: never used again."""
    prefix = f"carecall_year_{size}_seed"
    with admin.connect() as connection:
        stale = connection.scalars(text(
            "SELECT datname FROM pg_database WHERE datname LIKE :prefix"),
            {"prefix": prefix + "%"}).all()
        for name in stale:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
