"""The benchmark command runs and prints one JSON object (its figures are not asserted:
performance is measured by `python -m bench`, never by timed tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from assistant.foundation.config import PROJECT_ROOT
from bench.common import Options
from bench.report import report_speed


def test_python_m_bench_quick_prints_one_json_object_with_every_figure(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", "--postgres", "none"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=True,
        env={**os.environ, "CARECALL_BENCH_CACHE": str(tmp_path)})
    figures = json.loads(result.stdout)
    assert set(figures) == {"quick", "postgresql", "interpret", "dispatch", "sms_turn",
                            "memory", "import", "report"}
    assert figures["report"]["sqlite"]["4000"]["year_page_ms"] > 0
    assert figures["import"]["sqlite"]["rows_per_second"] > 0
    assert figures["postgresql"] is False
    assert figures["interpret"]["replies_per_second"] > 0
    assert figures["dispatch"]["sqlite"]["sent"] == figures["dispatch"]["due"]
    assert figures["dispatch"]["sqlite"]["tick_ratio"] > 0
    for clients in ("1_clients", "32_clients"):
        turn = figures["sms_turn"]["sqlite"][clients]
        assert turn["median_ratio"] > 0 and turn["p99_ms"] >= turn["median_ms"]
    assert figures["memory"]["database"] == "sqlite"
    assert figures["memory"]["worker_end_mb"] > 0 and figures["memory"]["web_end_mb"] > 0


def test_the_report_benchmark_times_two_sizes_on_years_it_seeds_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiny sizes: the figures are there and consistent, the seeded years are cached (the
    second run seeds nothing) and never written to by a run (it works on a copy)."""
    monkeypatch.setenv("CARECALL_BENCH_CACHE", str(tmp_path))
    options = Options(quick=True, postgres_admin_url=None)
    first = report_speed(options, sizes=(150, 300))["sqlite"]
    assert first["150"]["seeded_in_this_run"] and first["300"]["seeded_in_this_run"]
    assert first["300"]["seeding_seconds"] > 0
    for size in ("150", "300"):
        assert first[size]["quarter_report_ms"] > 0 and first[size]["year_page_ms"] > 0
        assert first[size]["year_page_ratio_to_empty_page"] > 0
    # The same statements whatever the size: no query per discharge.
    assert first["150"]["year_report_statements"] == first["300"]["year_report_statements"]
    assert first["ratio_300_to_150"]["year_report_ms"] > 0
    again = report_speed(options, sizes=(150, 300))["sqlite"]
    assert not again["150"]["seeded_in_this_run"] and not again["300"]["seeded_in_this_run"]
    assert again["300"]["seeding_seconds"] == first["300"]["seeding_seconds"]
    cached = sorted(tmp_path.glob("*.db"))
    assert len(cached) == 2
    engine = create_engine(f"sqlite:///{cached[0]}")
    with engine.connect() as connection:  # the runs signed in and viewed pages on copies
        assert connection.scalar(text("SELECT count(*) FROM app_user")) == 0
        assert connection.scalar(text("SELECT count(*) FROM episode")) in (150, 300)
    engine.dispose()
