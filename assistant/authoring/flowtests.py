"""Running a flow's own test conversations: each script through the real dialogue engine,
its transcript checked against what the flow's authors expect."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from assistant.authoring.scripted import Script, ScriptError, run_script, sandbox
from assistant.conversation.flows import Flow, FlowTest
from assistant.foundation.config import Settings
from assistant.intake.enrollment import EnrollmentError


@dataclass
class TestResult:
    flow: str
    name: str
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


def run_flow_tests(settings: Settings, flows: Iterable[Flow],
                   override: bool = False) -> list[TestResult]:
    """`override`: run the given flows in place of the files of the same id (a draft)."""
    results = []
    numbers = itertools.count()
    with sandbox(settings) as box:
        for flow in flows:
            if override:
                box.services.flows.flows[flow.id] = flow
            for test in flow.tests:
                result = TestResult(flow.id, test.name)
                try:
                    script = Script.from_data(test.script, f"test {test.name!r}")
                    # Each test is its own patient, so nothing carries over between tests.
                    script.patient.setdefault("phone", _test_phone(next(numbers)))
                    report = run_script(box, script, flow.id, "sms", test.language)
                except (ScriptError, EnrollmentError) as exc:
                    result.problems.append(str(exc))
                else:
                    result.problems += check(test, report)
                results.append(result)
    return results


def _test_phone(number: int) -> str:
    """Fictional numbers: 555-0100 to 555-0199 in several area codes."""
    area_codes = ("201", "202", "212", "312", "415", "617", "713", "305")
    return f"+1{area_codes[number // 100 % len(area_codes)]}555{100 + number % 100:04d}"


def check(test: FlowTest, report: dict[str, Any]) -> list[str]:
    problems = []
    if test.end_state is not None and report["end_state"] != test.end_state:
        problems.append(f"ended {report['end_state']}, expected {test.end_state}")
    if test.alerts is not None:
        raised = {alert["reason"]: alert["severity"] for alert in report["alerts"]}
        if raised != test.alerts:
            problems.append(f"alerts {_pairs(raised)}, expected {_pairs(test.alerts)}")
    for key, expected in test.answers.items():
        answer = report["answers"].get(key)
        if answer is None:
            problems.append(f"no answer to {key}, expected {expected!r}")
        elif answer["value"] != expected:
            problems.append(f"{key} was {answer['value']!r} (from {answer['raw']!r}), "
                            f"expected {expected!r}")
    said = [turn["text"].lower() for turn in report["transcript"]
            if turn["from"] == "assistant"]
    for text in test.says:
        if not any(text.lower() in message for message in said):
            problems.append(f"never said {text!r}")
    return problems


def _pairs(alerts: dict[str, str]) -> str:
    return "{" + ", ".join(f"{reason}: {severity}" for reason, severity in
                           sorted(alerts.items())) + "}"
