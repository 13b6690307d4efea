"""The admins' flow editor, without the web: check a draft (errors at their line), compare it
with what is in force, and publish it only when it validates and its own test conversations
pass. Publishing makes a new immutable version; conversations in progress keep theirs."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import yaml

from assistant.authoring.flowtests import TestResult, run_flow_tests
from assistant.conversation.flow_loader import FlowError, load_flow_text
from assistant.conversation.flows import Flow
from assistant.foundation.config import Settings
from assistant.foundation.yamlsource import YamlError
from assistant.records.db import transaction
from assistant.records.models import FlowVersion
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


def diff(before: str, after: str, flow_id: str) -> str:
    return "".join(difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True),
        fromfile=f"{flow_id}.yaml (in force)", tofile=f"{flow_id}.yaml (draft)"))


def publish(services: Services, flow_id: str, text: str, actor: str) -> tuple[Check,
                                                                            FlowVersion | None]:
    result = check(services, flow_id, text)
    if result.flow is None or result.problems:
        return result, None
    if not result.flow.tests:
        result.problems.append(YamlError(f"{flow_id}.yaml", 0, "a flow needs test "
                                         "conversations before it can be published"))
        return result, None
    result.failures = run_tests(services.settings, result.flow)
    if result.failures:
        return result, None
    with transaction(services.sessions) as session:
        version = services.versions.publish(session, result.flow, services.clock(),
                                            origin="editor", source_text=text, actor=actor)
        session.expunge(version)
    return result, version
