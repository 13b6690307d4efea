"""`carecall import FILE.csv`: valid rows in, invalid ones listed by row, nothing twice."""

from __future__ import annotations

from datetime import UTC, timedelta
from pathlib import Path

import time_machine
from click.testing import CliRunner
from sqlalchemy import func, select

from assistant.records.models import Episode, Patient
from carecall.cli import main
from tests.conftest import START

SAMPLE = Path(__file__).parent / "data" / "csv" / "discharges.csv"


def sample_file(tmp_path: Path) -> Path:
    discharged = (START - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    appointment = (START + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    path = tmp_path / "discharges.csv"
    path.write_text(SAMPLE.read_text(encoding="utf-8").replace("{DISCHARGED}", discharged)
                    .replace("{APPOINTMENT}", appointment), encoding="utf-8")
    return path


def run(services, monkeypatch, path: Path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CARECALL_DATABASE_URL", services.settings.database_url)
    with time_machine.travel(START.replace(tzinfo=UTC), tick=False):
        return CliRunner().invoke(main, ["import", str(path)])


def count(services, model) -> int:  # type: ignore[no-untyped-def]
    with services.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_good_rows_are_written_and_bad_ones_listed_by_row(services, monkeypatch,
                                                          tmp_path: Path) -> None:
    result = run(services, monkeypatch, sample_file(tmp_path))
    assert result.exit_code == 1  # some rows were refused
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert any(line.startswith("error: row 4: date of birth '14/03/1950'") for line in errors)
    assert any(line.startswith("error: row 4: phone '555'") for line in errors)
    assert any(line.startswith("error: row 5: unknown flow 'knees'") or
               (line.startswith("error: row 5:") and "knees" in line) for line in errors)
    assert "5 rows: 3 new stays, 0 updated, 0 already recorded, 2 refused" in result.output
    assert count(services, Episode) == 3
    with services.sessions() as session:
        flows = dict(session.execute(select(Patient.mrn, Episode.flow_id).join(Episode)).all())
    # The flow follows the diagnoses when none is named.
    assert flows == {"MRN100001": "heart_failure", "MRN100002": "copd",
                     "MRN100005": "pneumonia"}


def test_importing_the_same_file_again_adds_nothing(services, monkeypatch,
                                                   tmp_path: Path) -> None:
    path = sample_file(tmp_path)
    run(services, monkeypatch, path)
    again = run(services, monkeypatch, path)
    assert "5 rows: 0 new stays, 0 updated, 3 already recorded, 2 refused" in again.output
    assert count(services, Episode) == 3 and count(services, Patient) == 3


def test_a_file_with_unknown_columns_is_refused_whole(services, monkeypatch,
                                                      tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("name,dob,phone,discharged,flow,colour\n"
                    "Ana Lopez,1951-04-02,+12015550101,2026-11-22T10:00,general,blue\n")
    result = run(services, monkeypatch, path)
    assert result.exit_code == 2
    assert "unknown column 'colour'" in result.stderr
    assert count(services, Episode) == 0


def test_progress_is_shown_in_a_log_when_there_is_no_terminal(services, monkeypatch,
                                                              tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    discharged = (START - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    rows = [f"MRN{n:06d},R,V{n},Patient {n},1950-01-01,+1201555{n % 10000:04d},{discharged},"
            "general" for n in range(1200)]
    path.write_text("mrn,mrn_authority,visit_number,name,dob,phone,discharged,flow\n"
                    + "\n".join(rows) + "\n")
    result = run(services, monkeypatch, path)
    assert result.exit_code == 0, result.stderr[-500:]
    assert "written 500 of 1200 rows" in result.stderr
    assert "written 1200 of 1200 rows" in result.stderr
    assert "1200 rows: 1200 new stays" in result.output
