"""The admins' flow editor, without the web: check a draft (errors at their line), compare it
with what is in force, and publish it only when it validates and its own test conversations
pass. Publishing itself needs a second admin's sign-off (flow_signoff); it makes a new immutable
version, and conversations in progress keep theirs."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import yaml

from assistant.authoring.flowtests import TestResult, run_flow_tests
from assistant.conversation.flow_loader import FlowError, load_flow_text
from assistant.conversation.flows import Flow
from assistant.foundation.config import Settings
from assistant.foundation.yamlsource import YamlError
from assistant.services import Services


@dataclass
class Check:
    flow: Flow | None
    problems: list[YamlError] = field(default_factory=list)
    failures: list[TestResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.flow is not None and not self.problems and not self.failures


def published_text(services: Services, flow_id: str) -> str:
    """The YAML in force: an admin's last published text, else the flow file."""
    with services.sessions() as session:
        latest = services.versions.latest(session, flow_id)
        if latest is not None and latest.origin == "editor" and latest.source_text:
            return latest.source_text
    path = services.settings.flows_dir / f"{flow_id}.yaml"
    if path.exists():
        return path.read_text(encoding="utf-8")
    if latest is not None:
        return yaml.safe_dump(latest.definition, sort_keys=False, allow_unicode=True)
    return ""


def check(services: Services, flow_id: str, text: str) -> Check:
    try:
        flow = load_flow_text(text, f"{flow_id}.yaml", services.prompts, flow_id)
    except FlowError as exc:
        return Check(None, exc.problems)
    except YamlError as exc:
        return Check(None, [exc])
    return Check(flow)


def run_tests(settings: Settings, flow: Flow) -> list[TestResult]:
    """The draft's own test conversations, on a throw-away database."""
    return [r for r in run_flow_tests(settings, [flow], override=True) if not r.passed]


def diff(before: str, after: str, flow_id: str, label: str = "draft") -> str:
    return "".join(difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True),
        fromfile=f"{flow_id}.yaml (in force)", tofile=f"{flow_id}.yaml ({label})"))


def verify(services: Services, flow_id: str, text: str) -> Check:
    """Everything a draft must pass before it may go live: it loads, it has test
    conversations, and they all pass. Run when it is proposed and again when it is signed
    off, so a change of prompts or rules in between cannot slip a failing flow through."""
    result = check(services, flow_id, text)
    if result.flow is None or result.problems:
        return result
    if not result.flow.tests:
        result.problems.append(YamlError(f"{flow_id}.yaml", 0, "a flow needs test "
                                         "conversations before it can be published"))
        return result
    result.failures = run_tests(services.settings, result.flow)
    return result
