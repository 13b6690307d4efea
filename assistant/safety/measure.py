"""How the safety net does on a labelled corpus of replies: `python -m assistant.safety.measure`.

Recall counts a red-flag reply as caught when any safety response follows (the emergency
instruction, or the "if this is happening now" message with a nurse's call today); it also
reports how many emergencies got the emergency instruction at once, and whether every
self-harm reply reached 988. A false flag is any safety response to a look-alike.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .detector import Assessment, assess

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "corpus" / "safety"


@dataclass
class Tally:
    red: int = 0
    caught: int = 0
    emergencies: int = 0
    instructed: int = 0
    self_harm: int = 0
    self_harm_988: int = 0
    urgent: int = 0
    over_triaged: int = 0
    look_alikes: int = 0
    false_flags: int = 0
    false_emergencies: int = 0

    def figures(self) -> dict[str, Any]:
        def pct(a: int, b: int) -> float | None:
            return round(100 * a / b, 1) if b else None
        return {
            "red_flags": self.red, "recall": pct(self.caught, self.red),
            "emergencies": self.emergencies,
            "emergency_instruction": pct(self.instructed, self.emergencies),
            "self_harm": self.self_harm, "self_harm_988": pct(self.self_harm_988, self.self_harm),
            "urgent": self.urgent, "urgent_over_triaged": pct(self.over_triaged, self.urgent),
            "look_alikes": self.look_alikes,
            "false_flags_per_100": pct(self.false_flags, self.look_alikes),
            "false_emergencies_per_100": pct(self.false_emergencies, self.look_alikes),
        }


@dataclass
class Report:
    overall: Tally = field(default_factory=Tally)
    by: dict[str, Tally] = field(default_factory=dict)
    misses: list[dict[str, Any]] = field(default_factory=list)
    false_flags: list[dict[str, Any]] = field(default_factory=list)

    def tallies(self, case: dict[str, Any]) -> list[Tally]:
        keys = [f"lang={case['lang']}", f"channel={case['channel']}",
                f"voice={case['voice']}", f"source={case.get('source', '?')}"]
        return [self.overall, *(self.by.setdefault(k, Tally()) for k in keys)]


def load(path: Path) -> list[dict[str, Any]]:
    """A corpus file (libyaml's loader where it is built: the files are large)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)


def measure(cases: list[dict[str, Any]]) -> Report:
    report = Report()
    for case in cases:
        result: Assessment = assess(case["text"])
        record = {"text": case["text"], "expected": case["flags"],
                  "severity": case["severity"],
                  "found": [f"{f.flag}:{f.tier}:{f.severity}" for f in result.findings]}
        for tally in report.tallies(case):
            if case["severity"] == "none":
                tally.look_alikes += 1
                tally.false_flags += bool(result.findings)
                tally.false_emergencies += bool(result.emergencies)
                continue
            tally.red += 1
            tally.caught += bool(result.findings)
            if case["severity"] == "emergency":
                tally.emergencies += 1
                tally.instructed += bool(result.emergencies)
            else:
                tally.urgent += 1
                tally.over_triaged += bool(result.emergencies)
            if "self_harm" in case["flags"]:
                tally.self_harm += 1
                tally.self_harm_988 += "self_harm" in result.flags
        if case["severity"] == "none" and result.findings:
            report.false_flags.append(record)
        elif case["severity"] != "none" and (not result.findings or (
                "self_harm" in case["flags"] and "self_harm" not in result.flags)):
            report.misses.append(record)
    return report


FIGURE_NAMES = {
    "recall": "red flags caught (any safety reply)",
    "emergency_instruction": "emergencies told 911/988 at once",
    "self_harm_988": "self-harm routed to 988",
    "urgent_over_triaged": "urgent signs told 911 (over-triage)",
    "false_flags_per_100": "false flags per 100 look-alikes",
    "false_emergencies_per_100": "false 911s per 100 look-alikes",
}


def markdown(out: dict[str, Any]) -> str:
    """A table of the figures per file, then every miss and false flag, quoted."""
    names = list(out)
    lines = ["| figure | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    lines.append("| red flags / look-alikes | " + " | ".join(
        f"{out[n]['overall']['red_flags']} / {out[n]['overall']['look_alikes']}"
        for n in names) + " |")
    for key, label in FIGURE_NAMES.items():
        lines.append(f"| {label} | " + " | ".join(
            _percent(out[n]["overall"][key], key) for n in names) + " |")
    for name in names:
        for title, key in (("Missed", "misses"), ("False flags", "false_flags")):
            rows = out[name].get(key, [])
            lines += ["", f"#### {title} in `{name}` ({len(rows)})", ""]
            lines += [f"- {', '.join(r['expected']) or 'none'} ({r['severity']}): "
                      f"\"{r['text']}\" → {', '.join(r['found']) or 'nothing'}" for r in rows]
    return "\n".join(lines)


def _percent(value: float | None, key: str) -> str:
    if value is None:
        return "–"
    return f"{value}" if key.endswith("_per_100") else f"{value}%"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path,
                        default=[CORPUS / "development.yaml"])
    parser.add_argument("--json", action="store_true", help="figures as one JSON object")
    parser.add_argument("--misses", action="store_true", help="list misses and false flags")
    parser.add_argument("--by", action="store_true", help="figures by language, channel...")
    parser.add_argument("--markdown", action="store_true",
                        help="figures and every miss as Markdown, for docs/SAFETY.md")
    args = parser.parse_args(argv)
    out: dict[str, Any] = {}
    for path in args.files:
        report = measure(load(path))
        entry: dict[str, Any] = {"overall": report.overall.figures()}
        if args.by:
            entry["by"] = {k: t.figures() for k, t in sorted(report.by.items())}
        if args.misses:
            entry["misses"] = report.misses
            entry["false_flags"] = report.false_flags
        out[path.name] = entry
    if args.markdown:
        print(markdown(out))
        return 0
    if args.json:
        json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    for name, entry in out.items():
        print(f"== {name}: {entry['overall']}")
        for key, figures in entry.get("by", {}).items():
            print(f"   {key}: {figures}")
        for miss in entry.get("misses", []):
            print(f"   MISS  {miss['expected']} {miss['severity']}: {miss['text']!r} "
                  f"found {miss['found']}")
        for hit in entry.get("false_flags", []):
            print(f"   FALSE {hit['found']}: {hit['text']!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
