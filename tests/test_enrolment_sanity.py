"""Enrolment catches what cannot be right (refused, one line) and tells what is unusual
(a warning line): dates, ages, numbers that cannot take texts, shared phones, replacements."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner
from sqlalchemy import select

from assistant.foundation.config import Settings
from assistant.records.models import CheckIn, Patient
from carecall.cli import main
from carecall.demo import run_demo
from tests.conftest import START


@pytest.fixture
def cli(tmp_path: Path, monkeypatch, services):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CARECALL_DATABASE_URL", services.settings.database_url)
    # The CLI reads the real clock; these dates are relative to the fixed START.
    traveller = time_machine.travel(START.replace(tzinfo=UTC), tick=False)
    traveller.start()
    runner = CliRunner()

    def enroll(*extra: str, phone: str = "+12015550123", name: str = "Alex Rivera",
               discharged: str = "2026-11-22T10:00"):  # type: ignore[no-untyped-def]
        return runner.invoke(main, ["enroll", "--name", name, "--dob", "1950-03-14",
                                    "--phone", phone, "--discharged", discharged,
                                    "--flow", "general", *extra])

    yield enroll
    traveller.stop()


def problem(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    return lines[0]


def test_a_discharge_in_the_future_is_refused(cli) -> None:
    assert "is in the future" in problem(cli(discharged="2026-12-01T10:00"))


def test_a_discharge_past_the_follow_up_window_is_refused(cli) -> None:
    line = problem(cli(discharged="2026-09-01T10:00"))
    assert "84 days ago" in line and "no check-in would be sent" in line


def test_an_age_over_110_is_refused(cli) -> None:
    result = CliRunner().invoke(main, ["enroll", "--name", "Alex Rivera", "--dob",
                                       "1850-03-14", "--phone", "+12015550123",
                                       "--discharged", "2026-11-22T10:00", "--flow", "general"])
    assert "years old; check the year" in problem(result)


def test_an_appointment_before_the_discharge_is_refused(cli) -> None:
    line = problem(cli("--appointment", "2026-11-20T09:00"))
    assert "appointment is before the discharge" in line


def test_a_late_enrolment_sends_only_the_latest_past_checkin_and_says_so(cli,
                                                                          services) -> None:
    result = cli(discharged="2026-11-14T10:00")  # ten days before START
    assert result.exit_code == 0, result.output
    assert "warning: discharged 10 days ago: 1 check-in(s) already past are skipped (first); " \
        "day_7 goes out now" in result.stderr
    with services.sessions() as session:
        due = session.scalars(select(CheckIn.due_at).order_by(CheckIn.due_at)).all()
    assert sum(moment <= START for moment in due) == 1  # one goes now, not a pile of them
    assert all(moment > START for moment in due[1:])


def test_a_landline_gets_phone_calls_with_its_time_zone_from_the_country(cli,
                                                                         services) -> None:
    result = cli(phone="+44 20 7946 0018")
    assert result.exit_code == 0, result.output
    assert "is a landline: it cannot take text messages, so every check-in will be a phone " \
           "call" in result.stderr
    with services.sessions() as session:
        patient = session.scalars(select(Patient)).one()
        channels = set(session.scalars(select(CheckIn.channel)))
    assert patient.time_zone == "Europe/London" and patient.preferred_channel == "voice"
    assert channels == {"voice"}


def test_a_toll_free_number_is_called_too(cli) -> None:
    assert "is a toll-free number" in cli(phone="+1 800 555 0199").stderr


def test_a_shared_phone_and_a_replaced_episode_are_named(cli) -> None:
    assert cli().exit_code == 0
    again = cli()
    assert again.exit_code == 0
    assert "replaces episode 1 (discharged 2026-11-22)" in again.stderr
    other = cli(name="Maria Rivera")
    assert "also belongs to Alex Rivera (patient 1)" in other.stderr


def test_the_demo_speaks_spanish_in_the_flow_asked_for(tmp_path: Path) -> None:
    lines: list[str] = []
    settings = Settings(data_dir=tmp_path, tick_seconds=1)
    code = run_demo(settings, ["14/03/1950"], port=0, write=lines.append,
                    flow="heart_failure", language="es")
    output = "\n".join(lines)
    assert code == 0, output
    assert "heart_failure flow (es)" in output
    assert "fecha de nacimiento" in output


def test_the_demo_refuses_an_unknown_flow_in_one_line(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CARECALL_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["demo", "--flow", "knees", "--script", "none.txt"])
    assert result.exit_code == 2
    assert "--flow 'knees' is not a flow; choose one of" in result.stderr
