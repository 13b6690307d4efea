"""On PostgreSQL the application connects as a role that may add to the audit log and read it,
never change or erase it: the owner runs the migrations and grants the rights."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from assistant.foundation.config import PROJECT_ROOT
from assistant.records.db import upgrade
from tests.conftest import _postgres_or_skip

pytestmark = pytest.mark.postgres


@pytest.fixture
def owner_and_app() -> Iterator[tuple[str, str]]:
    """A database owned by a fresh owner role, and a fresh application role: their URLs."""
    admin_url = _postgres_or_skip()
    suffix = uuid.uuid4().hex[:10]
    database, owner, app = f"carecall_roles_{suffix}", f"cc_owner_{suffix}", f"cc_app_{suffix}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE ROLE {owner} LOGIN"))
        connection.execute(text(f"CREATE ROLE {app} LOGIN"))
        connection.execute(text(f"CREATE DATABASE {database} OWNER {owner}"))
    base = make_url(admin_url).set(database=database)
    try:
        yield (base.set(username=owner).render_as_string(hide_password=False),
               base.set(username=app).render_as_string(hide_password=False))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
            connection.execute(text(f"DROP ROLE IF EXISTS {app}"))
            connection.execute(text(f"DROP ROLE IF EXISTS {owner}"))
        admin.dispose()


def carecall(*args: str, owner_url: str, app_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "CARECALL_DATABASE_URL": app_url,
           "CARECALL_MIGRATION_DATABASE_URL": owner_url}
    return subprocess.run([sys.executable, "-m", "carecall.cli", *args], env=env,
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)


def refused(connection, statement: str) -> bool:  # type: ignore[no-untyped-def]
    try:
        with connection.begin_nested():
            connection.execute(text(statement))
    except DBAPIError as exc:
        return "permission denied" in str(exc.orig) or "must be owner" in str(exc.orig)
    return False


def test_the_application_role_adds_to_the_audit_log_and_can_never_erase_it(
        owner_and_app: tuple[str, str]) -> None:
    owner_url, app_url = owner_and_app
    first = carecall("db", "upgrade", "--grant-to", make_url(app_url).username,
                     owner_url=owner_url, app_url=app_url)
    assert first.returncode == 0, first.stderr
    assert "applied 0001: " in first.stdout and "applied 0013: " in first.stdout
    assert "audit_event: SELECT and INSERT only" in first.stdout
    again = carecall("db", "upgrade", owner_url=owner_url, app_url=app_url)
    assert "nothing to apply" in again.stdout
    # A worker or web process connecting as the application starts: nothing to migrate.
    assert upgrade(app_url) == []

    engine = create_engine(app_url)
    with engine.connect() as app:
        app.execute(text("INSERT INTO audit_event (at, actor, action, subject, subject_id) "
                         "VALUES (:at, 'nurse', 'viewed', 'patient', '1')"),
                    {"at": datetime(2026, 11, 27, 12, 0)})
        assert app.execute(text("SELECT count(*) FROM audit_event")).scalar() == 1
        for statement in ("UPDATE audit_event SET actor = 'nobody'",
                          "DELETE FROM audit_event",
                          "TRUNCATE audit_event",
                          "ALTER TABLE audit_event DISABLE TRIGGER ALL",
                          "DROP TABLE audit_event",
                          "CREATE TABLE sneaky (id int)"):
            assert refused(app, statement), statement
        # The application's own tables are its to change.
        app.execute(text("UPDATE app_user SET active = active"))
        app.commit()
    engine.dispose()
