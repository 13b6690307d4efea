"""Two doors a discharge comes in by, for the intake tests: `carecall enroll` at the frozen
start time, and the JSON API with a token."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

import time_machine
from click.testing import CliRunner

from carecall.cli import main
from tests.conftest import START
from tests.test_web_security import api, token_for


def enroller(services: Any, monkeypatch: Any, base: list[str]) -> Callable[..., Any]:
    """`run("--flag", "value")` runs `carecall enroll` (`base` and the extra arguments)."""
    monkeypatch.setenv("CARECALL_DATABASE_URL", services.settings.database_url)

    def run(*args: str, base: list[str] = base) -> Any:
        with time_machine.travel(START.replace(tzinfo=UTC), tick=False):
            return CliRunner().invoke(main, [*base, *args])
    return run


def discharge_poster(services: Any) -> Callable[[dict[str, Any]], Any]:
    client, headers = api(services, token_for(services))
    return lambda body: client.post("/api/v1/discharges", json=body, headers=headers)
