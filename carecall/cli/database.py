"""`carecall db`: the database schema, and the application role's rights on PostgreSQL."""

from __future__ import annotations

import os

import click

from carecall.cli.root import fail, load_cli_settings, main


@main.group()
def db() -> None:
    """Database schema."""


def _owner_url() -> str:
    """Migrations run as the owner: CARECALL_MIGRATION_DATABASE_URL when the processes
    connect as an application role without the right to change the schema."""
    return os.environ.get("CARECALL_MIGRATION_DATABASE_URL") or load_cli_settings().database_url


@db.command("upgrade")
@click.option("--grant-to", "role", help="PostgreSQL: then grant this application role its "
                                         "rights (the audit log: read and add only).")
def db_upgrade(role: str | None) -> None:
    """Apply the migrations (as the owner) and say which."""
    from assistant.records.db import safe_url, upgrade

    url = _owner_url()
    applied = upgrade(url)
    for revision, what in applied:
        click.echo(f"applied {revision}: {what}")
    if not applied:
        click.echo("nothing to apply")
    click.echo(f"database is up to date: {safe_url(url)}")
    if role:
        _grant(url, role)


@db.command("grant")
@click.argument("role")
def db_grant(role: str) -> None:
    """PostgreSQL: give the application role its rights (run as the owner)."""
    _grant(_owner_url(), role)


def _grant(url: str, role: str) -> None:
    from sqlalchemy.exc import DBAPIError

    from assistant.records.db import make_engine
    from assistant.records.roles import grant_application_role

    engine = make_engine(url)
    if engine.dialect.name != "postgresql":
        fail("roles are a PostgreSQL matter: SQLite has one user")
    try:
        with engine.begin() as connection:
            statements = grant_application_role(connection, role)
    except DBAPIError as exc:
        fail(f"could not grant {role}: {str(exc.orig).splitlines()[0]}")
    finally:
        engine.dispose()
    tables = sum(statement.startswith("GRANT") and " ON SCHEMA " not in statement
                 and " ON ALL SEQUENCES " not in statement for statement in statements)
    click.echo(f"granted {role} its rights on {tables} tables "
               "(audit_event: SELECT and INSERT only)")
