"""The measurements a patient reported across check-ins (weight, temperature, blood glucose,
pain), as series a nurse can read as a trend.

A weight given as a change ("up 2") is kept apart and not plotted: the patient measured it
against their own last weighing at home, which we never saw, so adding it to our previous
reading (often days older) would draw a weight nobody measured."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from assistant.records.models import Answer, CheckIn


@dataclass(frozen=True)
class Measure:
    question_id: str
    title: str
    unit: str  # as the nurse reads it
    floor: float | None = None  # a fixed scale, where the measure has one
    ceiling: float | None = None


MEASURES = (
    Measure("weight", "Weight", "lb"),
    Measure("temperature", "Temperature", "°F"),
    Measure("glucose", "Blood glucose", "mg/dL"),
    Measure("pain", "Pain", "of 10", 0, 10),
)


@dataclass(frozen=True)
class Reading:
    at: datetime  # when the patient answered (UTC)
    value: float
    checkin: str  # the check-in's label
    raw: str  # the patient's own words


@dataclass
class Series:
    measure: Measure
    readings: list[Reading] = field(default_factory=list)
    changes: list[Reading] = field(default_factory=list)  # "up 2": not plotted (see above)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def series(checkins: Iterable[CheckIn]) -> list[Series]:
    """One series per measure the check-ins asked about, in the order of MEASURES; readings
    oldest first."""
    found = {measure.question_id: Series(measure) for measure in MEASURES}
    answers: list[tuple[Answer, str]] = [
        (answer, checkin.label) for checkin in checkins if checkin.conversation is not None
        for answer in checkin.conversation.answers
        if answer.question_id in found and answer.understood
    ]
    for answer, label in sorted(answers, key=lambda pair: (pair[0].created_at, pair[0].id)):
        value = _number(answer.value)
        if value is None:
            continue
        reading = Reading(answer.created_at, value, label, answer.raw)
        target = found[answer.question_id]
        (target.changes if answer.is_change else target.readings).append(reading)
    return [s for s in found.values() if s.readings or s.changes]
