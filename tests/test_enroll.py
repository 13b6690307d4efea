"""`carecall enroll`: a discharge is recorded and scheduled, or refused whole with a clear error."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from click.testing import CliRunner
from sqlalchemy import create_engine, func, inspect, select
from sqlalchemy.orm import Session

from assistant.foundation.local_time import into_allowed_hours
from assistant.records.models import CheckIn, Medication, Patient
from carecall.cli import main

GOOD = ["enroll", "--name", "Maria Lopez", "--dob", "1948-07-02", "--phone", "(201) 555-0143",
        "--discharged", "2026-11-20T14:30", "--flow", "general", "--lang", "en"]


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'enroll.db'}"
    monkeypatch.setenv("CARECALL_DATABASE_URL", url)
    monkeypatch.setenv("CARECALL_DEFAULT_TIMEZONE", "America/New_York")
    return url


def run(args: list[str]):  # type: ignore[no-untyped-def]
    with time_machine.travel("2026-11-20T20:00:00+00:00", tick=False):
        return CliRunner().invoke(main, args)


def patients(url: str) -> int:
    engine = create_engine(url)
    try:
        if "patient" not in inspect(engine).get_table_names():
            return 0
        with Session(engine) as session:
            return session.scalar(select(func.count()).select_from(Patient)) or 0
    finally:
        engine.dispose()


def test_enrolling_stores_e164_and_schedules_the_flow_in_local_hours(db_url: str,
                                                                     tmp_path: Path) -> None:
    meds = tmp_path / "meds.yaml"
    meds.write_text("- {name: Apixaban, dose: 5 mg, change: new, high_risk: true}\n"
                    "- {name: Lisinopril, change: stopped}\n")
    result = run([*GOOD, "--meds", str(meds), "--appointment", "2026-11-27T09:00"])
    assert result.exit_code == 0, result.output
    assert "enrolled Maria Lopez (+12015550143)" in result.output
    engine = create_engine(db_url)
    with Session(engine) as session:
        patient = session.scalars(select(Patient)).one()
        assert patient.phone == "+12015550143"
        assert patient.time_zone == "America/New_York"
        due = [c.due_at for c in session.scalars(select(CheckIn).order_by(CheckIn.due_at))]
        meds_stored = {(m.name, m.change, m.high_risk) for m in session.scalars(select(Medication))}
    engine.dispose()
    # The next business day (Monday), then days 7 and 30 after a Friday 20 November
    # discharge, at 10:00 New York time (15:00 UTC).
    assert [d.isoformat() for d in due] == [
        "2026-11-23T15:00:00", "2026-11-27T15:00:00", "2026-12-20T15:00:00"]
    assert meds_stored == {("Apixaban", "new", True), ("Lisinopril", "stopped", False)}


@pytest.mark.parametrize(("flag", "value", "message"), [
    ("--phone", "12345", "phone '12345' is not"),
    ("--phone", "+1 201 555 01", "phone '+1 201 555 01' is not"),
    ("--dob", "14/03/1950", "date of birth '14/03/1950' is not a date; write it as YYYY-MM-DD"),
    ("--discharged", "yesterday", "discharge time 'yesterday' is not a date-time"),
    ("--flow", "cardio", "unknown flow 'cardio' (known flows: copd, diabetes, general, "),
])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(db_url: str, flag: str, value: str,
                                                            message: str) -> None:
    args = list(GOOD)
    args[args.index(flag) + 1] = value
    result = run(args)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert patients(db_url) == 0


def test_a_medication_without_a_tag_is_refused(db_url: str, tmp_path: Path) -> None:
    meds = tmp_path / "meds.csv"
    meds.write_text("name,dose\nFurosemide,40 mg\n")
    result = run([*GOOD, "--meds", str(meds)])
    assert result.exit_code == 2
    assert "needs change: one of new, changed, stopped" in result.stderr
    assert patients(db_url) == 0


def test_a_check_in_due_at_night_moves_to_the_next_morning() -> None:
    zone = ZoneInfo("America/Chicago")
    late = datetime(2026, 11, 24, 22, 30, tzinfo=zone)
    early = datetime(2026, 11, 24, 6, 0, tzinfo=zone)
    assert into_allowed_hours(late, 8, 21) == datetime(2026, 11, 25, 8, 0, tzinfo=zone)
    assert into_allowed_hours(early, 8, 21) == datetime(2026, 11, 24, 8, 0, tzinfo=zone)


def test_checkins_lists_the_contract_fields_with_the_patients_offset(db_url: str) -> None:
    import json

    assert run(GOOD).exit_code == 0
    result = run(["checkins", "--phone", "201-555-0143", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [set(row) for row in rows] == [{"id", "phone", "flow", "due_at", "channel", "attempt",
                                          "status", "tcm_deadline"}] * 3
    first = rows[0]
    assert first["phone"] == "+12015550143" and first["flow"] == "general"
    assert first["due_at"] == "2026-11-23T10:00:00-05:00"
    assert first["tcm_deadline"] == "2026-11-24T23:59:00-05:00"  # Friday → Tuesday
    assert (first["channel"], first["attempt"], first["status"]) == ("sms", 0, "scheduled")
    assert json.loads(run(["checkins", "--status", "sent", "--json"]).output) == []
    bad = run(["checkins", "--phone", "12", "--json"])
    assert bad.exit_code == 2 and "phone '12'" in bad.stderr


def test_cancel_stops_what_is_scheduled_and_readmission_ends_the_earlier_episode(
        db_url: str) -> None:
    import json

    assert run(GOOD).exit_code == 0
    readmitted = [*GOOD]
    readmitted[readmitted.index("--discharged") + 1] = "2026-11-20T16:00"
    assert run(readmitted).exit_code == 0
    rows = json.loads(run(["checkins", "--json"]).output)
    assert sorted(row["status"] for row in rows) == ["cancelled"] * 3 + ["scheduled"] * 3
    result = run(["cancel", "--phone", "+12015550143", "--reason", "death"])
    assert result.exit_code == 0 and "cancelled 3 scheduled check-in(s)" in result.output
    assert {row["status"] for row in json.loads(run(["checkins", "--json"]).output)} == {
        "cancelled"}
    assert run(["cancel", "--episode", "999"]).exit_code == 2
    assert run(["cancel"]).exit_code == 2
