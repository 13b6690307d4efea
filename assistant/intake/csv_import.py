"""A nightly discharge report as CSV: every row validated like any discharge; the valid rows
written, the others listed by row number, each problem in one line. Idempotent on the
hospital's MRN and visit number: importing the same file again adds nothing.

Columns (a header row names them; order does not matter; unknown columns are refused so a
misspelt one is not silently ignored):

- name, dob, phone, discharged: required (dob YYYY-MM-DD; discharged ISO 8601, local time
  when it has no offset);
- mrn, mrn_authority, visit_number: recommended (a re-import recognises the stay by them);
- flow, or diagnoses (ICD-10 codes separated by `;`, the flow then chosen by the diagnosis
  table) or diagnosis (below);
- lang, tz, appointment, appointment_with, appointment_at_place, discharge_weight: optional,
  as for `carecall enroll`;
- caregiver_name, caregiver_relationship, caregiver_phone, caregiver_lang, caregiver_consent
  (yes/no), caregiver_proxy (yes/no): optional, one caregiver per row, as `enroll
  --caregiver` (a proxy needs consent; the language is the patient's when left empty);
- diagnosis (several separated by `|`, each a code, words or both: "I50.22 Chronic systolic
  heart failure|Type 2 diabetes"), pcp_name, pcp_phone, pharmacy_name, pharmacy_phone:
  optional, as `enroll --diagnosis/--pcp/--pharmacy`, shown on the patient page. The codes of
  `diagnoses` are the stay's diagnoses too. Left empty, what is on record is kept.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.intake.care_contacts import contact_from_columns, leading_code
from assistant.intake.caregiver_intake import CSV_COLUMNS, Origin, from_row, validated_with
from assistant.intake.flow_choice import FlowTable
from assistant.intake.stays import record_stay
from assistant.intake.validation import Discharge, EnrollmentError, validate_discharge
from assistant.records.db import transaction

if TYPE_CHECKING:
    from assistant.services import Services

REQUIRED = ("name", "dob", "phone", "discharged")
OPTIONAL = ("mrn", "mrn_authority", "visit_number", "flow", "diagnoses", "lang", "tz",
            "appointment", "appointment_with", "appointment_at_place", "discharge_weight",
            *CSV_COLUMNS, "diagnosis", "pcp_name", "pcp_phone", "pharmacy_name",
            "pharmacy_phone")
BATCH = 500  # rows written per transaction


class ImportFileError(ValueError):
    """The file as a whole cannot be read (no header, unknown columns): nothing written."""


@dataclass
class ImportReport:
    rows: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)  # created, unchanged, updated
    problems: list[str] = field(default_factory=list)  # "row 7: ..."
    warnings: list[str] = field(default_factory=list)

    @property
    def refused_rows(self) -> int:
        return len({problem.split(":", 1)[0] for problem in self.problems})


def import_csv(services: Services, path: Path, table: FlowTable,
               progress: Callable[[int], None] = lambda _rows: None) -> ImportReport:
    report = ImportReport()
    origin = Origin("enrolment", f"csv:{path.name}")
    valid: list[tuple[int, Discharge]] = []
    for number, row in _rows(path):
        report.rows += 1
        try:
            valid.append((number, _discharge(services, row, table)))
        except EnrollmentError as exc:
            report.problems += [f"row {number}: {problem}" for problem in exc.problems]
        if len(valid) >= BATCH:
            _write(services, valid, report, origin)
            progress(len(valid))
            valid = []
    if valid:
        _write(services, valid, report, origin)
        progress(len(valid))
    return report


def count_rows(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return max(sum(1 for _ in csv.reader(handle)) - 1, 0)


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = [name.strip().lower() for name in reader.fieldnames or []]
        if not columns:
            raise ImportFileError(f"{path} is empty: the first row must name the columns")
        problems = [f"unknown column {name!r}" for name in columns
                    if name not in REQUIRED + OPTIONAL]
        problems += [f"missing column {name!r}" for name in REQUIRED if name not in columns]
        if not {"flow", "diagnoses", "diagnosis"} & set(columns):
            problems.append("give a 'flow', 'diagnoses' or 'diagnosis' column")
        if problems:
            raise ImportFileError(f"{path}: {'; '.join(problems)} (columns: "
                                  f"{', '.join(REQUIRED + OPTIONAL)})")
        reader.fieldnames = columns
        for number, row in enumerate(reader, start=2):  # row 1 is the header
            yield number, {key: (value or "").strip() for key, value in row.items() if key}


def _discharge(services: Services, row: dict[str, str], table: FlowTable) -> Discharge:
    codes = [code.strip() for code in row.get("diagnoses", "").split(";") if code.strip()]
    stated = [text for text in row.get("diagnosis", "").split("|") if text.strip()]
    flow = row.get("flow") or table.choose(
        codes + [code for text in stated if (code := leading_code(text))], False)
    return validated_with(from_row(row), lambda kin: validate_discharge(
        services.settings, services.flows, now=services.clock(), name=row.get("name", ""),
        dob=row.get("dob", ""), phone=row.get("phone", ""),
        discharged=row.get("discharged", ""), flow=flow, lang=row.get("lang") or "en",
        time_zone=row.get("tz") or None, appointment=row.get("appointment") or None,
        appointment_with=row.get("appointment_with") or None,
        appointment_place=row.get("appointment_at_place") or None,
        baseline={"weight": row["discharge_weight"]} if row.get("discharge_weight") else None,
        mrn=row.get("mrn") or None, mrn_authority=row.get("mrn_authority") or None,
        visit_number=row.get("visit_number") or None, caregivers=kin, diagnoses=codes + stated,
        pcp=contact_from_columns(row, "pcp"),
        pharmacy=contact_from_columns(row, "pharmacy")))


def _write(services: Services, valid: list[tuple[int, Discharge]], report: ImportReport,
           origin: Origin) -> None:
    now = services.clock()
    with transaction(services.sessions) as session:
        for number, discharge in valid:
            recorded = record_stay(session, services, discharge, now, origin)
            report.outcomes[recorded.outcome] += 1
            report.warnings += [f"row {number}: {note}" for note in recorded.notes]
