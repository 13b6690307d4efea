"""Loading and validating flow files into `Flow` objects.

Every check names the file, the line and the problem, so an admin can fix a flow without a
programmer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.conversation.flow_parser import FlowParser
from assistant.conversation.flows import (
    Flow,
)
from assistant.conversation.prompts import PromptCatalogue
from assistant.foundation.yamlsource import YamlError, load_yaml


class FlowError(ValueError):
    """All problems found in one flow file, each with its line."""

    def __init__(self, problems: list[YamlError]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


def load_flow_file(path: Path, prompts: PromptCatalogue) -> Flow:
    return load_flow_text(path.read_text(encoding="utf-8"), str(path), prompts, path.stem)


def load_flow_text(text: str, path: str, prompts: PromptCatalogue,
                   expected_id: str | None = None) -> Flow:
    return parse_flow(load_yaml(text, path), path, prompts, expected_id=expected_id)


def parse_flow(
    data: Any, path: str, prompts: PromptCatalogue, expected_id: str | None = None
) -> Flow:
    parser = FlowParser(path, prompts)
    flow = parser.parse(data, expected_id)
    if parser.problems or flow is None:
        raise FlowError(parser.problems)
    return flow


@dataclass
class FlowLibrary:
    """The flows on disk, loaded and validated once."""

    flows: dict[str, Flow]

    @classmethod
    def load(cls, folder: Path, prompts: PromptCatalogue) -> FlowLibrary:
        flows = {}
        for path in sorted(folder.glob("*.yaml")):
            flow = load_flow_file(path, prompts)
            flows[flow.id] = flow
        return cls(flows)

    def get(self, flow_id: str) -> Flow:
        try:
            return self.flows[flow_id]
        except KeyError:
            known = ", ".join(sorted(self.flows)) or "none"
            raise KeyError(f"unknown flow {flow_id!r} (known flows: {known})") from None
