"""The benchmark command runs and prints one JSON object (its figures are not asserted:
performance is measured by `python -m bench`, never by timed tests)."""

from __future__ import annotations

import json
import subprocess
import sys

from assistant.foundation.config import PROJECT_ROOT


def test_python_m_bench_quick_prints_one_json_object_with_every_figure() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", "--postgres", "none"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=240, check=True)
    figures = json.loads(result.stdout)
    assert set(figures) == {"quick", "postgresql", "interpret", "dispatch", "sms_turn",
                            "memory", "import"}
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
