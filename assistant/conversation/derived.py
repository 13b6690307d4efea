"""Values computed from answers and episode data for escalation rules: weight change against
discharge and earlier readings, the PHQ-2 total. Rules name them; they are never code."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# name → the questions it is computed from
DERIVED_VALUES: dict[str, tuple[str, ...]] = {
    "weight_change_discharge": ("weight",),
    "weight_change_day": ("weight",),
    "weight_change_2days": ("weight",),
    "weight_change_week": ("weight",),
    "phq2_total": ("mood", "mood_down"),
    # Episode data, not answers: new or changed high-risk medicines on the discharge list.
    "high_risk_medicines": (),
}


@dataclass(frozen=True)
class WeightReading:
    at: datetime
    pounds: float


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else None


def compute(
    answers: Mapping[str, Any], *, now: datetime, discharge_weight: float | None,
    discharged_at: datetime, earlier_weights: list[WeightReading],
    weight_is_change: bool, high_risk_medicines: int,
) -> dict[str, float]:
    """The derived values that can be computed now. `answers` maps question id to value;
    weights are in pounds; `earlier_weights` are readings from earlier check-ins."""
    values: dict[str, float] = {"high_risk_medicines": high_risk_medicines}
    weight = _number(answers.get("weight"))
    if weight is not None:
        values.update(_weight_changes(weight, now, discharge_weight, discharged_at,
                                      earlier_weights, weight_is_change))
    interest, down = _number(answers.get("mood")), _number(answers.get("mood_down"))
    if interest is not None and down is not None:
        values["phq2_total"] = interest + down
    return values


def _weight_changes(
    weight: float, now: datetime, discharge_weight: float | None, discharged_at: datetime,
    earlier: list[WeightReading], said_as_change: bool,
) -> dict[str, float]:
    if said_as_change:
        # "Up 3 pounds since yesterday": the patient gave the day's change themselves.
        return {"weight_change_day": weight, "weight_change_2days": weight}
    readings = list(earlier)
    if discharge_weight is not None:
        readings.append(WeightReading(discharged_at, discharge_weight))
    values: dict[str, float] = {}
    if discharge_weight is not None:
        values["weight_change_discharge"] = round(weight - discharge_weight, 1)
    # A "day" and "two days" allow for check-ins a few hours apart from one day to the next.
    for name, window in (("weight_change_day", timedelta(hours=36)),
                         ("weight_change_2days", timedelta(hours=60))):
        recent = [r for r in readings if now - r.at <= window]
        if recent:
            values[name] = round(weight - max(recent, key=lambda r: r.at).pounds, 1)
    week = [r for r in readings if now - r.at <= timedelta(days=7)]
    if week:
        values["weight_change_week"] = round(weight - min(r.pounds for r in week), 1)
    return values
