"""Engine and sessions for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from assistant.foundation.config import PROJECT_ROOT

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


# One lock per SQLite engine, made with it (see `transaction`).
_WRITERS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()


CONNECT_TIMEOUT_SECONDS = 3
# The database is away: unreachable, cut off, too slow (statement or connect timeout), or no
# connection to be had from the pool.
DATABASE_AWAY = (OperationalError, InterfaceError, PoolTimeout)


def utc_now() -> datetime:
    """Naive UTC: the one datetime form both databases store without surprises."""
    return datetime.now(UTC).replace(tzinfo=None)


def make_engine(url: str, statement_timeout_ms: int = 5000) -> Engine:
    """`hide_parameters`: a database error's text (which reaches the logs) names the statement
    but not its values, which are phone numbers and patients' words.

    Timeouts: Twilio waits 15 s for a webhook, so no statement, lock wait, connection or pool
    checkout may take long; past `statement_timeout_ms` it fails (and a text goes to the
    spool) instead of hanging. Connecting gives up after 3 s."""
    parsed = make_url(url)
    seconds = max(statement_timeout_ms / 1000, 0.1)
    if parsed.get_backend_name() == "sqlite":
        pool: dict[str, bool] = {}
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            # LIFO: the connection used last is used next, so its page cache is still good
            # (a connection that sees another's writes first throws its whole cache away).
            # A file's pool only: an in-memory database has one connection per thread.
            pool["pool_use_lifo"] = True
        engine = create_engine(url, connect_args={"timeout": seconds}, hide_parameters=True,
                               **pool)
        event.listen(engine, "connect", partial(_tune_sqlite, busy_ms=int(seconds * 1000)))
        _WRITERS[engine] = threading.RLock()
        return engine
    return create_engine(
        url, pool_pre_ping=True, hide_parameters=True, pool_timeout=seconds,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS,
                      "options": f"-c statement_timeout={statement_timeout_ms} "
                                 f"-c lock_timeout={statement_timeout_ms}"})


def _tune_sqlite(dbapi_connection, _record, busy_ms: int) -> None:  # type: ignore[no-untyped-def]
    # WAL lets readers run beside the one writer; the busy timeout queues writers instead of
    # failing them; SQLite leaves foreign keys off unless asked.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def safe_url(url: str) -> str:
    """The database URL with its password masked, fit for a log line."""
    return make_url(url).render_as_string(hide_password=True)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error.

    On SQLite the threads of a process take turns here: SQLite has one writer at a time, and
    a writer kept waiting by SQLite itself sleeps in growing steps (hundreds of ms under load),
    while a lock hands over at once and in order."""
    with _sqlite_writer(factory), factory() as session, session.begin():
        yield session


def _sqlite_writer(factory: sessionmaker[Session]) -> AbstractContextManager[object]:
    """The writer lock of the factory's SQLite engine (none for PostgreSQL)."""
    engine = factory.kw.get("bind")
    return writer_lock(engine) if isinstance(engine, Engine) else nullcontext()


def writer_lock(engine: Engine) -> AbstractContextManager[object]:
    """The lock this process's writers on an SQLite engine take turns on (see
    `transaction`); nothing to take for PostgreSQL."""
    return _WRITERS.get(engine, nullcontext())


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def pending_migrations(url: str) -> list[tuple[str, str]]:
    """(revision, what it does) of each migration not yet applied, oldest first."""
    scripts = ScriptDirectory.from_config(alembic_config(url))
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    pending = [(script.revision, (script.doc or "").splitlines()[0] if script.doc else "")
               for script in scripts.walk_revisions("base", "heads")]
    pending.reverse()  # walk_revisions goes newest first
    if current is None:
        return pending
    revisions = [revision for revision, _ in pending]
    return pending[revisions.index(current) + 1:] if current in revisions else pending


def upgrade(url: str, revision: str = "head") -> list[tuple[str, str]]:
    """Apply what is pending and say what that was. Nothing to apply touches nothing, so a
    process connected as the application role (no right to change the schema) starts as
    long as the owner has run the migrations."""
    if make_url(url).get_backend_name() == "sqlite":
        make_engine(url).dispose()  # creates the data folder before Alembic connects
    pending = pending_migrations(url)
    if pending:
        command.upgrade(alembic_config(url), revision)
    return pending
