"""`carecall db`: the database schema."""

from __future__ import annotations

import click

from carecall.cli.root import (
    load_cli_settings,
    main,
)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply the migrations to CARECALL_DATABASE_URL."""
    from assistant.records.db import upgrade

    settings = load_cli_settings()
    upgrade(settings.database_url)
    click.echo(f"database is up to date: {_safe_url(settings.database_url)}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
