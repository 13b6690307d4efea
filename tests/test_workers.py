"""Workers: only one on SQLite."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from carecall.cli import main
from carecall.worker_lock import single_sqlite_worker


def test_a_second_worker_on_sqlite_is_refused_with_a_clear_message(tmp_path: Path,
                                                                  monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'one.db'}"
    monkeypatch.setenv("CARECALL_DATABASE_URL", url)
    monkeypatch.setenv("CARECALL_TWILIO_AUTH_TOKEN", "a-real-looking-token")
    with single_sqlite_worker(url):
        result = CliRunner().invoke(main, ["worker"])
    assert result.exit_code == 2
    assert "another carecall worker is already running" in result.stderr
    assert "use PostgreSQL to run several" in result.stderr


def test_the_lock_is_released_when_the_worker_stops(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'one.db'}"
    with single_sqlite_worker(url):
        pass
    with single_sqlite_worker(url):
        pass
