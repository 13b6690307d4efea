"""`carecall export fhir`: what the check-ins found, as FHIR R4 ndjson files (one per resource
type, the Bulk Data layout) for the hospital's analysts or its record. `carecall export tcm`:
the human TCM record as CSV, for billing and quality review. Both are audited."""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime
from pathlib import Path

import click

from carecall.cli import root


@root.main.group("export")
def export() -> None:
    """Export results for the hospital's systems."""


@export.command("fhir")
@click.option("--since", help="Only what changed at or after this moment (ISO 8601, UTC when "
                              "it has no offset); default: everything.")
@click.option("--out", "folder", type=click.Path(path_type=Path), default=Path("fhir-export"),
              show_default=True, help="Folder for the ndjson files.")
def export_fhir(since: str | None, folder: Path) -> None:
    """Observation, QuestionnaireResponse, Flag and Task, one ndjson file each."""
    from assistant.intake.fhir_out import TYPES, changed_since
    from assistant.records.audit import record
    from assistant.records.db import utc_now

    moment = None
    if since:
        try:
            parsed = datetime.fromisoformat(since.replace("Z", "+00:00"))
        except ValueError:
            root.fail(f"--since {since!r} is not a date-time; write it like 2026-11-20T00:00Z")
        # Stored times are naive UTC; a time without an offset is taken as UTC.
        moment = parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
    settings, scope = root.session_scope()
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    with scope as session:
        for kind in TYPES:
            path = folder / f"{kind}.ndjson"
            with path.open("w", encoding="utf-8") as out:
                counts[kind] = 0
                for resource in changed_since(session, kind, moment, settings.public_base_url):
                    out.write(json.dumps(resource, ensure_ascii=False) + "\n")
                    counts[kind] += 1
        record(session, actor=f"cli:{getpass.getuser()}", action="exported",
               subject="fhir", subject_id="*", now=utc_now(),
               detail=", ".join(f"{kind} {n}" for kind, n in counts.items()))
    click.echo(f"wrote {folder}: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))


@export.command("tcm")
@click.option("--since", help="Only discharges on or after this day (YYYY-MM-DD, the team's "
                              "time zone); default: every discharge.")
@click.option("--out", "path", type=click.Path(path_type=Path, dir_okay=False),
              help="File to write; default: standard output.")
def export_tcm(since: str | None, path: Path | None) -> None:
    """The TCM record, one CSV row per discharge (columns: docs/TCM.md)."""
    from assistant.care_team.tcm_export import to_csv
    from assistant.care_team.tcm_record import TcmError, parse_day, start_of_day
    from assistant.care_team.tcm_status import tcm_statuses
    from assistant.records.audit import record
    from assistant.records.db import utc_now

    settings, scope = root.session_scope()
    moment = None
    if since:
        try:
            moment = start_of_day(parse_day(since, "--since"), settings.default_timezone)
        except TcmError as exc:
            root.fail(str(exc))
    with scope as session:
        now = utc_now()
        text, count = to_csv(tcm_statuses(session, now, since=moment))
        record(session, actor=f"cli:{getpass.getuser()}", action="exported", subject="tcm",
               subject_id="*", now=now,
               detail=f"{count} rows" + (f", discharged since {since}" if since else "")
               + (f", to {path}" if path else ""))
    if path is None:
        click.echo(text, nl=False)
        return
    path.write_text(text, encoding="utf-8", newline="")
    click.echo(f"wrote {path}: {count} discharges")
