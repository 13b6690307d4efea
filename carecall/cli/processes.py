"""`carecall worker`, `serve` and `demo`: the long-running processes."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from assistant.foundation.config import web_settings_problem
from carecall.cli.root import (
    build_cli_services,
    fail,
    load_cli_settings,
    main,
    require_real_twilio,
)


@main.command()
@click.option("--simulated-carrier", "journal", type=click.Path(path_type=Path),
              help="Rehearsal: send through the simulated carrier instead of Twilio, which "
                   "records what it accepted in this file (shared by every worker given it).")
@click.option("--carrier-rate", type=float, default=None,
              help="With --simulated-carrier: the carrier's own limit per sender (messages "
                   "per second); faster senders get Twilio's 429.")
def worker(journal: Path | None, carrier_rate: float | None) -> None:
    """Run the scheduler: claim due check-ins and send them (production)."""
    from assistant.records.db import upgrade
    from carecall.worker import run_worker
    from carecall.worker_lock import WorkerAlreadyRunning, single_sqlite_worker

    settings = load_cli_settings()
    if journal is None:
        if carrier_rate is not None:
            fail("--carrier-rate is the simulated carrier's limit: give --simulated-carrier")
        require_real_twilio(settings)
        twilio_http = None
    else:
        from carecall.simulated_carrier import SimulatedNetwork, SimulatedTwilioHttp

        twilio_http = SimulatedTwilioHttp(SimulatedNetwork(journal=journal,
                                                           rate_per_second=carrier_rate))
    try:
        with single_sqlite_worker(settings.database_url):
            upgrade(settings.database_url)
            run_worker(build_cli_services(settings, twilio_http=twilio_http),
                       simulated=journal is not None)
    except WorkerAlreadyRunning as exc:
        fail(str(exc))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
def serve(host: str, port: int) -> None:
    """Serve the webhooks and the alerts page (development server; in production run
    gunicorn 'carecall.wsgi:production_app()')."""
    from werkzeug.serving import run_simple

    from assistant.records.db import upgrade
    from carecall.web import create_app

    settings = load_cli_settings()
    if problem := web_settings_problem(settings):
        fail(problem)
    upgrade(settings.database_url)
    run_simple(host, port, create_app(build_cli_services(settings)), threaded=True)


@main.command()
@click.option("--script", "script_path", type=click.Path(path_type=Path),
              help="Replies to send as the patient instead of asking at the terminal.")
@click.option("--port", default=0, help="Port for the local web app (default: any free one).")
@click.option("--channel", type=click.Choice(["sms", "voice"]), default="sms", show_default=True,
              help="Check in by text message or by phone call.")
@click.option("--flow", "flow_id", default="general", show_default=True,
              help="The flow to check in with (general, heart_failure, copd, pneumonia, "
                   "diabetes, post_surgery).")
@click.option("--lang", default="en", show_default=True, help="en or es.")
def demo(script_path: Path | None, port: int, channel: str, flow_id: str, lang: str) -> None:
    """Everything in one process on SQLite with the simulated phone."""
    from assistant.conversation.flow_loader import FlowLibrary
    from assistant.conversation.prompts import PromptCatalogue
    from carecall.demo import load_demo_script, run_demo

    settings = load_cli_settings()
    library = FlowLibrary.load(settings.flows_dir, PromptCatalogue.load(settings.prompts_dir))
    if flow_id not in library.flows:
        fail(f"--flow {flow_id!r} is not a flow; choose one of {', '.join(sorted(library.flows))}")
    if lang not in library.get(flow_id).languages:
        fail(f"--lang {lang!r}: flow {flow_id} speaks "
             f"{', '.join(library.get(flow_id).languages)}")

    replies = None
    if script_path is not None:
        try:
            replies = load_demo_script(script_path)
        except (OSError, ValueError) as exc:
            fail(str(exc))
    sys.exit(run_demo(settings, replies, port, channel=channel, flow=flow_id, language=lang))
