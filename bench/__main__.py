"""Run the benchmarks and print their figures (and ratios to same-run baselines)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

from .common import DEFAULT_POSTGRES, Options, postgres_reachable
from .dispatch import dispatch_speed
from .importing import import_speed
from .interpret import interpret_speed
from .memory import memory_use
from .peer import PeerError, find_peer
from .report import report_speed
from .sms_turn import sms_turn

MEASURES: dict[str, Callable[[Options], dict[str, Any]]] = {
    "interpret": interpret_speed,
    "dispatch": dispatch_speed,
    "sms_turn": sms_turn,
    "memory": memory_use,
    "import": import_speed,
    "report": report_speed,
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="small sizes; under a minute")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.add_argument("--only", action="append", choices=sorted(MEASURES),
                        help="run only these (repeatable)")
    parser.add_argument("--postgres", metavar="URL",
                        default=os.environ.get("CARECALL_BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
                        help="server for the PostgreSQL figures (a database is created and "
                             "dropped); 'none' to skip them")
    parser.add_argument("--peer", metavar="DIR",
                        help="folder holding Twilio's survey sample (automated-survey-flask): "
                             "sms_turn times its answers too (docs/PERFORMANCE.md, 'The peer')")
    parser.add_argument("--peer-python", metavar="PATH",
                        help="the peer's interpreter (default: venv/bin/python in or beside "
                             "DIR: DIR/venv, DIR/.venv, DIR/../venv)")
    args = parser.parse_args()
    try:
        peer = find_peer(args.peer, args.peer_python) if args.peer else None
    except PeerError as error:
        parser.error(str(error))
    logging.basicConfig(level=logging.ERROR)  # the worker's own log lines are not figures
    postgres = None if args.postgres == "none" else args.postgres
    if postgres and not postgres_reachable(postgres):
        print(f"PostgreSQL at {postgres} cannot be reached: its figures are skipped",
              file=sys.stderr)
        postgres = None
    options = Options(quick=args.quick, postgres_admin_url=postgres, peer=peer)
    results: dict[str, Any] = {"quick": args.quick, "postgresql": postgres is not None}
    for name in args.only or list(MEASURES):
        results[name] = MEASURES[name](options)
        if not args.json:
            print(f"{name}:")
            _print(results[name], "  ")
            sys.stdout.flush()
    if args.json:
        print(json.dumps(results))


def _print(figures: dict[str, Any], indent: str) -> None:
    for key, value in figures.items():
        if isinstance(value, dict):
            print(f"{indent}{key}:")
            _print(value, indent + "  ")
        else:
            print(f"{indent}{key}: {value}")


if __name__ == "__main__":
    main()
