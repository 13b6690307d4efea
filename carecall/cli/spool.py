"""`carecall spool`: texts a web process kept on local disk while the database was away.
Replayed on their own (the web process retries, the worker's tick replays its host's spool);
these commands are for whoever is on call."""

from __future__ import annotations

import click

from carecall.cli import root


@root.main.group()
def spool() -> None:
    """Texts kept while the database was away."""


@spool.command("show")
def spool_show() -> None:
    """How many texts wait, and where."""
    from assistant.outreach.spool import Spool

    settings = root.load_cli_settings()
    waiting = Spool(settings.data_dir / "spool").waiting()
    click.echo(f"{waiting} text(s) waiting in {settings.data_dir / 'spool'}")


@spool.command("replay")
def spool_replay() -> None:
    """Replay them now (each once: a text already stored is skipped)."""
    from assistant.outreach.replay import replay_spool
    from assistant.records.db import upgrade

    settings = root.load_cli_settings()
    upgrade(settings.database_url)
    services = root.build_cli_services(settings)
    report = replay_spool(services)
    services.close()
    click.echo(f"replayed {len(report.replayed)}, already stored {len(report.already_stored)}, "
               f"kept for review {len(report.failed)}; "
               f"{services.spool.waiting()} still waiting")
