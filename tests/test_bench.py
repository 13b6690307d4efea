"""The benchmark command runs and prints one JSON object (its figures are not asserted:
performance is measured by `python -m bench`, never by timed tests)."""

from __future__ import annotations

import json
import subprocess
import sys

from assistant.config import PROJECT_ROOT


def test_python_m_bench_prints_one_json_object() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", "--only", "interpret",
         "--only", "memory"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
        check=True)
    figures = json.loads(result.stdout)
    assert set(figures) == {"interpret", "memory"}
    assert figures["interpret"]["replies_per_second"] > 0
    assert figures["memory"]["peak_resident_mb"] > 0
