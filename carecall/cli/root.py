"""The `carecall` group and what every command group shares: settings, services, one
transaction, and failing with one clear line."""

from __future__ import annotations

import logging
import sys
from typing import NoReturn

import click

from assistant.foundation.config import (
    ConfigError,
    Settings,
    load_settings,
    twilio_token_problem,
)
from assistant.foundation.yamlsource import YamlError


def fail(message: str) -> NoReturn:
    """Bad input: one line on stderr saying what is wrong and how to fix it, exit code 2."""
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def load_cli_settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        fail(str(exc))


def require_real_twilio(settings: Settings) -> None:
    if problem := twilio_token_problem(settings):
        fail(problem)


def build_cli_services(settings: Settings, **kwargs):  # type: ignore[no-untyped-def]
    from assistant.services import build_services

    try:
        return build_services(settings, **kwargs)
    except YamlError as exc:
        fail(f"flows or prompts are broken, run 'carecall flows validate': {exc}")
    except ValueError as exc:
        fail(str(exc))


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log what the workers and webhooks do.")
def main(verbose: bool) -> None:
    """Carecall: post-discharge check-ins by SMS and phone, with alerts for the care team."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def session_scope():  # type: ignore[no-untyped-def]
    from assistant.records.db import make_engine, make_session_factory, transaction, upgrade

    settings = load_cli_settings()
    upgrade(settings.database_url)
    return settings, transaction(make_session_factory(make_engine(settings.database_url)))


def transact(work, *refusals: type[Exception]):  # type: ignore[no-untyped-def]
    """Run `work(session, settings, now)` in one transaction; a refusal is a clear error."""
    from assistant.records.db import utc_now

    settings, scope = session_scope()
    try:
        with scope as session:
            return work(session, settings, utc_now())
    except refusals as exc:
        fail(str(exc))
