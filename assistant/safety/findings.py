"""What the safety net reports: each sign found (`Finding`) with its tier and severity, and a
message's findings together (`Assessment`), ranked so the gravest reading of a sign wins."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Finding:
    flag: str
    tier: str  # "certain" or "possible"
    severity: str  # "emergency" or "urgent"
    words: str  # the words that showed it, for the coordinator
    by_reader: bool = False  # found by the second reader alone, not by a rule

    @property
    def emergency(self) -> bool:
        """Tell the patient to call 911 (988) now, before anything else."""
        return self.tier == "certain" and self.severity == "emergency"


@dataclass(frozen=True)
class Assessment:
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def flags(self) -> list[str]:
        return [f.flag for f in self.findings]

    @property
    def emergencies(self) -> list[str]:
        return [f.flag for f in self.findings if f.emergency]

    @property
    def to_check(self) -> list[str]:
        """Signs a nurse should check today: possible, or urgent by nature."""
        return [f.flag for f in self.findings if not f.emergency]


RANK = {("certain", "emergency"): 0, ("certain", "urgent"): 1, ("possible", "emergency"): 2,
        ("possible", "urgent"): 3}
