"""Choosing a flow from a stay's diagnoses, by a table a clinical lead can change."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.foundation.yamlsource import load_yaml

DEFAULT_TABLE = Path(__file__).with_name("diagnosis_flows.yaml")


class FlowTableError(ValueError):
    pass


@dataclass(frozen=True)
class FlowRule:
    flow: str
    codes: tuple[str, ...] = ()  # ICD-10 prefixes ("I50" matches I50.9 and I5021)
    procedures: bool = False
    otherwise: bool = False


@dataclass(frozen=True)
class FlowTable:
    rules: tuple[FlowRule, ...]

    @classmethod
    def load(cls, path: Path = DEFAULT_TABLE, known_flows: set[str] | None = None) -> FlowTable:
        data = load_yaml(path.read_text(encoding="utf-8"), str(path))
        if not isinstance(data, list) or not data:
            raise FlowTableError(f"{path}: give a list of rules like {{codes: [I50], flow: "
                                 "heart_failure}")
        rules = []
        for number, raw in enumerate(data, start=1):
            if not isinstance(raw, dict) or not isinstance(raw.get("flow"), str):
                raise FlowTableError(f"{path}: rule {number} needs a flow")
            if known_flows is not None and raw["flow"] not in known_flows:
                raise FlowTableError(f"{path}: rule {number}: no flow {raw['flow']!r}")
            codes = tuple(str(code).upper().replace(".", "") for code in raw.get("codes", []))
            rules.append(FlowRule(raw["flow"], codes, bool(raw.get("procedures")),
                                  bool(raw.get("otherwise"))))
        return cls(tuple(rules))

    def choose(self, diagnoses: list[str], has_procedures: bool) -> str:
        normal = [code.upper().replace(".", "") for code in diagnoses]
        for rule in self.rules:
            if rule.codes and any(code.startswith(rule.codes) for code in normal):
                return rule.flow
            if rule.procedures and has_procedures:
                return rule.flow
            if rule.otherwise:
                return rule.flow
        return "general"
