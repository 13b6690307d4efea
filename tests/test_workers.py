"""Workers: one on SQLite, a steady sending rate."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from assistant.telephony.rate_limit import RateLimitedChannel
from carecall.cli import main
from carecall.worker_lock import single_sqlite_worker


class RecordingChannel:
    name = "sms"

    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, to: str, body: str) -> str:
        self.sent.append(body)
        return f"SM{len(self.sent)}"


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


def test_sends_are_spaced_to_the_configured_rate() -> None:
    now = [100.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(round(seconds, 3))
        now[0] += seconds

    inner = RecordingChannel()
    channel = RateLimitedChannel(inner, per_second=2, clock=lambda: now[0], sleep=sleep)
    for number in range(4):
        channel.send("+12015550123", f"message {number}")
    assert waits == [0.5, 0.5, 0.5]
    now[0] += 10
    channel.send("+12015550123", "later")
    assert waits == [0.5, 0.5, 0.5] and len(inner.sent) == 5
