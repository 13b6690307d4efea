"""Run the benchmarks and print their figures (and ratios to same-run baselines)."""

from __future__ import annotations

import argparse
import json
import sys

from bench.measures import MEASURES


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="small sizes; under a minute")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.add_argument("--only", action="append", choices=sorted(MEASURES),
                        help="run only these (repeatable)")
    args = parser.parse_args()
    results = {}
    for name in args.only or list(MEASURES):
        results[name] = MEASURES[name](args.quick)
        if not args.json:
            print(f"{name}:")
            for key, value in results[name].items():
                print(f"  {key}: {value}")
            sys.stdout.flush()
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
