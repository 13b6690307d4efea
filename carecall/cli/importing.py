"""`carecall import FILE.csv`: a discharge report, as many hospitals first send one."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from carecall.cli import root


@root.main.command("import")
@click.argument("path", type=click.Path(path_type=Path, exists=True, dir_okay=False))
def import_file(path: Path) -> None:
    """Import discharges from a CSV file (columns: see README). Valid rows are written,
    invalid ones listed by row number; importing the same file again adds nothing."""
    import os

    from assistant.intake.csv_import import ImportFileError, count_rows, import_csv
    from assistant.intake.flow_choice import DEFAULT_TABLE, FlowTable, FlowTableError
    from assistant.records.db import upgrade

    settings = root.load_cli_settings()
    upgrade(settings.database_url)
    services = root.build_cli_services(settings)
    try:
        table = FlowTable.load(Path(os.environ.get("CARECALL_DIAGNOSIS_FLOWS") or DEFAULT_TABLE),
                               set(services.flows.flows))
    except (OSError, FlowTableError) as exc:
        root.fail(str(exc))
    total = count_rows(path)
    try:
        report = _with_progress(lambda step: import_csv(services, path, table, step), total)
    except ImportFileError as exc:
        root.fail(str(exc))
    finally:
        services.close()
    for line in report.problems:
        click.echo(f"error: {line}", err=True)
    for line in report.warnings:
        click.echo(f"warning: {line}", err=True)
    outcomes = report.outcomes
    refused = f", {report.refused_rows} refused (listed above)" if report.refused_rows else ""
    click.echo(f"{report.rows} rows: {outcomes['created']} new stays, {outcomes['updated']} "
               f"updated, {outcomes['unchanged']} already recorded{refused}")
    if report.refused_rows:
        sys.exit(1)


def _with_progress(run, total: int):  # type: ignore[no-untyped-def]
    """A progress bar on a terminal; elsewhere (a cron job's log) a line per batch."""
    if sys.stderr.isatty():
        from rich.progress import Progress

        with Progress(transient=True) as progress:
            task = progress.add_task("importing", total=total)
            return run(lambda rows: progress.advance(task, rows))
    done = [0]

    def step(rows: int) -> None:
        done[0] += rows
        click.echo(f"written {done[0]} of {total} rows", err=True)

    return run(step)
