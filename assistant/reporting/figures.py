"""The small value types every part of a report is made of."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Share:
    """`count` of `of`, e.g. 412 of 1,020 discharges reached."""

    count: int
    of: int

    @property
    def rate(self) -> float | None:
        return self.count / self.of if self.of else None

    def __str__(self) -> str:
        if not self.of:
            return f"{self.count:,} of 0"
        return f"{self.count:,} of {self.of:,} ({100 * self.count / self.of:.1f}%)"


@dataclass(frozen=True)
class Spread:
    """The middle and the long tail of a duration, by nearest rank, over `n` values."""

    n: int
    median: float | None
    p90: float | None

