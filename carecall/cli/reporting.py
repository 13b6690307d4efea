"""`carecall report`: the programme's figures over a period, as text, CSV or JSON (the same
figures as the reports page). `carecall export discharges`: one CSV row per discharge with
its outcome fields, for the hospital's analysts (columns: docs/REPORTS.md). Both audited."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click

from carecall.cli import root
from carecall.cli.exporting import export

PERIOD = [
    click.option("--from", "start", help="First day of discharge (YYYY-MM-DD, the team's time "
                                         "zone); default: 89 days before --to."),
    click.option("--to", "end", help="Last day of discharge (YYYY-MM-DD); default: today."),
    click.option("--flow", help="Only the discharges on this flow."),
]


def period(command):  # type: ignore[no-untyped-def]
    for option in reversed(PERIOD):
        command = option(command)
    return command


def _services():  # type: ignore[no-untyped-def]
    from assistant.records.db import upgrade

    settings = root.load_cli_settings()
    upgrade(settings.database_url)
    return root.build_cli_services(settings)


def _scope(services, start, end, flow):  # type: ignore[no-untyped-def]
    from assistant.foundation.local_time import local_today
    from assistant.reporting.scope import ReportScope, ScopeError

    settings = services.settings
    try:
        return ReportScope.from_text(
            start, end, flow, time_zone=settings.default_timezone,
            today=local_today(services.clock(), settings.default_timezone),
            known_flows=sorted(services.flows.flows))
    except ScopeError as exc:
        root.fail(str(exc))


@root.main.command("report")
@period
@click.option("--format", "form", type=click.Choice(["text", "csv", "json"]), default="text",
              show_default=True, help="text to read, csv for a spreadsheet, json for a program.")
def report(start: str | None, end: str | None, flow: str | None, form: str) -> None:
    """Reach, speed, safety, engagement and 30-day readmissions of a period's discharges."""
    from assistant.records.audit import record
    from assistant.records.db import transaction
    from assistant.reporting.formats import to_csv, to_json, to_text
    from assistant.reporting.report import build_report

    services = _services()
    scope = _scope(services, start, end, flow)
    with transaction(services.sessions) as session:
        built = build_report(session, scope, flows=services.flows, settings=services.settings,
                             now=services.clock(), wording=services.dialogue.wording)
        record(session, actor=f"cli:{getpass.getuser()}", action="viewed", subject="report",
               subject_id=scope.flow or "*", now=services.clock(), detail=scope.label)
    render = {"text": to_text, "csv": to_csv, "json": to_json}[form]
    sys.stdout.write(render(built) if form != "json" else render(built) + "\n")


@export.command("discharges")
@period
@click.option("--out", "path", type=click.Path(path_type=Path, dir_okay=False),
              help="File to write; default: standard output.")
def export_discharges(start: str | None, end: str | None, flow: str | None,
                      path: Path | None) -> None:
    """One CSV row per discharge with its outcome fields (columns: docs/REPORTS.md)."""
    from assistant.records.audit import record
    from assistant.records.db import transaction
    from assistant.reporting.discharge_export import discharge_rows, write_csv

    services = _services()
    scope = _scope(services, start, end, flow)
    with transaction(services.sessions) as session:
        rows = discharge_rows(session, scope, services.clock())
        if path is None:
            count = write_csv(rows, sys.stdout)
        else:
            with path.open("w", encoding="utf-8", newline="") as out:
                count = write_csv(rows, out)
        record(session, actor=f"cli:{getpass.getuser()}", action="exported",
               subject="discharges", subject_id=scope.flow or "*", now=services.clock(),
               detail=f"{scope.label}: {count} rows")
    if path is not None:
        click.echo(f"wrote {path}: {count} discharges")
