"""Benchmarks: `python -m bench [--quick] [--json]`. Every figure comes with a baseline
measured in the same run, so results read as ratios, not machine-dependent absolutes."""
