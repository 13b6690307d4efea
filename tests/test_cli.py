"""Command-line behaviour outside the individual commands' own tests."""

from __future__ import annotations

from click.testing import CliRunner

from assistant.foundation.config import ENV_VARS, PROJECT_ROOT, settings_table
from carecall.cli import main


def test_production_processes_refuse_the_placeholder_auth_token(monkeypatch) -> None:
    monkeypatch.delenv("CARECALL_TWILIO_AUTH_TOKEN", raising=False)
    for command in ("serve", "worker"):
        result = CliRunner().invoke(main, [command])
        assert result.exit_code == 2
        assert "CARECALL_TWILIO_AUTH_TOKEN is not set" in result.stderr


def test_the_readme_documents_every_setting() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert [name for name, *_ in ENV_VARS if f"`{name}`" not in readme] == []
    # `python -m assistant.config` prints the table the README must contain.
    assert settings_table() in readme


def test_flows_publish_puts_the_file_version_in_force(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CARECALL_DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    first = CliRunner().invoke(main, ["flows", "publish", "general"])
    assert first.exit_code == 0 and "general v1 is in force" in first.output
    again = CliRunner().invoke(main, ["flows", "publish", "general"])
    assert "general v1 is in force" in again.output  # unchanged: the same version
    assert CliRunner().invoke(main, ["flows", "publish", "nope"]).exit_code == 2
