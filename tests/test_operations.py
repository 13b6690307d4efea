"""What an operator sees: `db upgrade` says what it applied, a worker's start-up line says
what it runs with (and no secret), and the spool survives across processes."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from assistant.outreach.spool import Spool, Spooled
from carecall.cli import main
from carecall.worker import startup_line
from tests.conftest import AUTH_TOKEN


def test_db_upgrade_lists_what_it_applied_then_that_nothing_was_left(tmp_path: Path,
                                                                     monkeypatch) -> None:
    monkeypatch.setenv("CARECALL_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    first = CliRunner().invoke(main, ["db", "upgrade"])
    assert first.exit_code == 0, first.output
    assert first.output.startswith("applied 0001: ")
    assert "applied 0013: senders shared by every worker" in first.output
    second = CliRunner().invoke(main, ["db", "upgrade"])
    assert second.output.startswith("nothing to apply")


def test_granting_roles_on_sqlite_is_refused_in_one_line(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CARECALL_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    result = CliRunner().invoke(main, ["db", "grant", "carecall_app"])
    assert result.exit_code == 2
    assert "roles are a PostgreSQL matter" in result.stderr


def test_the_worker_start_up_line_names_its_settings_and_no_secret(services) -> None:
    services.settings = services.settings.with_overrides(
        database_url="postgresql+psycopg://carecall_app:s3cret-pw@db.local/carecall",
        twilio_account_sid="AC0123456789abcdef0123456789abcdef")
    line = startup_line(services)
    assert "database postgresql+psycopg://carecall_app:***@db.local/carecall" in line
    assert "tick 30s" in line and "lease 300s" in line
    assert "senders +12015550199 at 10000/s (from the settings)" in line
    assert "s3cret-pw" not in line and AUTH_TOKEN not in line
    assert "AC0123…" in line and "0123456789abcdef0123" not in line


def test_a_spooled_text_written_by_one_process_is_read_by_another(tmp_path: Path) -> None:
    Spool(tmp_path).keep(Spooled("SM1", "+12015550123", "+12015550199", "chest\x00pain",
                                 "2026-11-27T20:00:00", ("Please call 911 now.",)))
    other = Spool(tmp_path)
    assert other.waiting() == 1 and other.has_waiting()
    with other.replay() as files:
        [(path, [entry])] = files
        assert entry.body == "chest\x00pain" and entry.replies == ("Please call 911 now.",)
        # Meanwhile a new text arrives: it goes to a fresh file, not the one being replayed.
        Spool(tmp_path).keep(Spooled("SM2", "+12015550123", "+12015550199", "hello",
                                     "2026-11-27T20:01:00", ()))
        path.unlink()
    assert other.waiting() == 1
