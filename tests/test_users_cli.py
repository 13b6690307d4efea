"""`carecall users`, `carecall alerts` and `carecall audit` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from carecall.cli import main


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'team.db'}"
    monkeypatch.setenv("CARECALL_DATABASE_URL", url)
    return url


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args))


def test_the_roster_is_managed_and_every_change_audited(db: str) -> None:
    assert run("users", "add", "ana", "--name", "Ana Diaz", "--phone", "201-555-0150",
               "--email", "ana@example.org", "--on-call", "Mon-Fri 08:00-17:00").exit_code == 0
    assert run("users", "add", "ben", "--name", "Ben Okafor", "--phone", "+12015550151"
               ).exit_code == 0
    assert run("users", "set-backup", "ana", "ben").exit_code == 0
    assert run("users", "deactivate", "ben").exit_code == 0
    listing = run("users", "list").output
    assert "ana" in listing and "+12015550150" in listing and "backup ben" in listing
    assert "(inactive)" in listing
    exported = [json.loads(line) for line in run("audit", "export").output.splitlines()]
    assert [(e["actor"], e["action"], e["detail"]) for e in exported] == [
        ("cli", "created", "ana (coordinator)"), ("cli", "created", "ben (coordinator)"),
        ("cli", "changed", "backup: ben"), ("cli", "changed", "deactivated")]


@pytest.mark.parametrize(("args", "message"), [
    (("--phone", "12"), "phone '12' is not"),
    (("--on-call", "weekdays"), "on-call hours 'weekdays'"),
    (("--email", "ana.example.org"), "has no @"),
])
def test_bad_roster_input_is_a_clear_error(db: str, args: tuple[str, ...],
                                           message: str) -> None:
    result = run("users", "add", "ana", "--name", "Ana", *args)
    assert result.exit_code == 2 and message in result.stderr


def test_alerts_cannot_be_acknowledged_by_an_unknown_user_or_missing(db: str) -> None:
    assert run("users", "add", "ana", "--name", "Ana").exit_code == 0
    missing = run("alerts", "ack", "7", "--by", "ana")
    assert missing.exit_code == 2 and "there is no alert 7" in missing.stderr
    assert run("audit", "export", "--since", "yesterday").exit_code == 2
