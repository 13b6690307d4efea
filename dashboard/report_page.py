"""What the reports page shows beside the numbers: the figures in words ("41.2%", "49 h",
"–" when there is nothing to say) and the charts, drawn on the server."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from assistant.reporting.figures import Share
from assistant.reporting.outcomes import wilson
from assistant.reporting.report import Report

NOTHING = "–"
CHANNELS = {"sms": "Text (SMS)", "voice": "Call", "fallback": "Text after an unanswered call"}
LANGUAGES = {"en": "English", "es": "Spanish"}


class Said:
    """The template's number formatting, in one place (the page reads `fmt.percent(...)`)."""

    @staticmethod
    def count(value: int | None) -> str:
        return NOTHING if value is None else f"{value:,}"

    @staticmethod
    def number(value: float | None) -> str:
        return NOTHING if value is None else f"{value:,.1f}"

    @staticmethod
    def percent(share: Share) -> str:
        return NOTHING if share.rate is None else f"{100 * share.rate:.1f}%"

    @staticmethod
    def percent_of(count: int, of: int) -> str:
        return Said.percent(Share(count, of))

    @staticmethod
    def share(share: Share) -> str:
        if share.rate is None:
            return f"{share.count:,} of 0"
        return f"{share.count:,} of {share.of:,} ({100 * share.rate:.1f}%)"

    @staticmethod
    def hours(seconds: float | None) -> str:
        if seconds is None:
            return NOTHING
        hours = seconds / 3600
        if hours < 1:
            return f"{seconds / 60:.0f} min"
        return f"{hours:.1f} h" if hours < 10 else f"{hours:,.0f} h"

    @staticmethod
    def minutes(value: float | None) -> str:
        if value is None:
            return NOTHING
        if value < 60:
            return f"{value:.0f} min" if value >= 1 else f"{60 * value:.0f} s"
        return f"{value / 60:.1f} h"

    @staticmethod
    def points(value: float | None) -> str:
        """A difference of two rates, in percentage points."""
        return NOTHING if value is None else f"{100 * value:+.1f} points"

    @staticmethod
    def wilson(share: Share) -> str:
        if not share.of:
            return NOTHING
        interval = wilson(share.count, share.of)
        return f"{100 * interval.low:.1f}–{100 * interval.high:.1f}%"

    @staticmethod
    def channel(channel: str) -> str:
        return CHANNELS.get(channel, channel)

    @staticmethod
    def language(code: str) -> str:
        return LANGUAGES.get(code, code)

    @staticmethod
    def reason(reason: str) -> str:
        return reason.replace("_", " ")


@dataclass
class Charts:
    reach: Markup
    weeks: Markup
    acknowledgement: list[Markup] = field(default_factory=list)
    funnels: list[tuple[Any, Markup]] = field(default_factory=list)


def charts_for(report: Report) -> Charts:
    """Every chart of the page, as inline SVG."""
    return Charts()
