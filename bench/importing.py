"""`carecall import` at the size of a large hospital's nightly report: 10,000 discharges.

Baseline: validating the same rows without writing them (phone, dates, flow, identifiers),
which every row needs whatever the database; the ratio shows what writing stays and planning
their check-ins adds. A second import of the same file (every stay already recorded) is timed
too: a nightly report often repeats yesterday's rows.
"""

from __future__ import annotations

import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from assistant.intake.csv_import import _discharge, _rows, import_csv
from assistant.intake.flow_choice import FlowTable

from .common import START, Options, database, make_services, phone_number, rate, ratio

FLOWS = ("general", "heart_failure", "copd", "pneumonia", "diabetes", "post_surgery")


def _write_file(folder: Path, rows: int) -> Path:
    discharged = (START - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    path = folder / "discharges.csv"
    lines = ["mrn,mrn_authority,visit_number,name,dob,phone,discharged,flow"]
    lines += [f"MRN{n:07d},RIVERSIDE,V{n:07d}-01,Patient {n},1950-01-01,{phone_number(n)},"
              f"{discharged},{FLOWS[n % len(FLOWS)]}" for n in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def import_speed(options: Options) -> dict[str, Any]:
    rows = 1_000 if options.quick else 10_000
    table = FlowTable.load()
    results: dict[str, Any] = {"rows": rows}
    with tempfile.TemporaryDirectory(prefix="carecall-import-") as folder:
        path = _write_file(Path(folder), rows)
        for kind in options.databases:
            with database(kind, options) as url:
                services = make_services(url)
                started = time.perf_counter()
                for _, row in _rows(path):
                    _discharge(services, row, table)
                validating = time.perf_counter() - started
                started = time.perf_counter()
                first = import_csv(services, path, table)
                importing = time.perf_counter() - started
                started = time.perf_counter()
                again = import_csv(services, path, table)
                reimporting = time.perf_counter() - started
                services.close()
                assert first.outcomes["created"] == rows and not first.problems
                assert again.outcomes["unchanged"] == rows
                results[kind] = {
                    "import_seconds": round(importing, 1),
                    "rows_per_second": rate(rows, importing),
                    "ratio_to_validating_only": ratio(importing, validating),
                    "reimport_seconds": round(reimporting, 1),
                    "reimport_ratio_to_validating_only": ratio(reimporting, validating),
                }
    return results
