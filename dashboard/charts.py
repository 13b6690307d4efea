"""Trend charts drawn on the server as inline SVG.

Our own small renderer rather than pygal: a chart here is one line of a handful of points, a
reference line and a few labels. pygal would bring its own stylesheet and a script from its
website (both to be switched off or stripped to keep our Content-Security-Policy and "nothing
from outside"), fixed pixel sizes to fight at 390 px, and markup we could not give a proper
text alternative. This module writes exactly what the page needs: a viewBox that scales to the
width it is given, colours from our stylesheet's palette, a <title> and <desc> for screen
readers, and a <title> on every point for the exact value."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from dashboard.chart_parts import ACCENT, INK, LINE, MUTED, REFERENCE, nice_ticks

WIDTH, HEIGHT = 360, 190
LEFT, RIGHT, TOP, BOTTOM = 48, 14, 14, 30


@dataclass(frozen=True)
class Point:
    at: datetime  # UTC, naive
    value: float


def _local(moment: datetime, zone: str) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))


def _number(value: float) -> str:
    return f"{round(value, 1):g}"


def line_chart(points: Sequence[Point], *, title: str, unit: str, zone: str, chart_id: str,
               reference: float | None = None, reference_label: str = "",
               floor: float | None = None, ceiling: float | None = None) -> Markup:
    """An accessible SVG line chart of at least two points, oldest first."""
    if len(points) < 2:
        raise ValueError("a trend needs at least two readings")
    values = [p.value for p in points] + ([reference] if reference is not None else [])
    low, high = min(values), max(values)
    pad = max((high - low) * 0.15, 1.0)
    low = floor if floor is not None else low - pad
    high = ceiling if ceiling is not None else high + pad
    ticks = nice_ticks(low, high)
    low, high = min(ticks[0], low), max(ticks[-1], high)
    first, last = points[0].at, points[-1].at
    seconds = max((last - first).total_seconds(), 1.0)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(moment: datetime) -> float:
        return LEFT + plot_w * (moment - first).total_seconds() / seconds

    def y(value: float) -> float:
        return TOP + plot_h * (1 - (value - low) / (high - low))

    def when(moment: datetime) -> str:
        return _local(moment, zone).strftime("%b %d %H:%M %Z")

    described = _description(points, unit, when, reference, reference_label)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}" '
        f'font-size="12" font-family="system-ui, sans-serif">',
        f'<title id="{chart_id}-title">{escape(title)} ({escape(unit)})</title>',
        f'<desc id="{chart_id}-desc">{escape(described)}</desc>',
    ]
    for tick in ticks:
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" '
                     f'y2="{y(tick):.1f}" stroke="{LINE}" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" '
                     f'fill="{MUTED}">{_number(tick)}</text>')
    if reference is not None:
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(reference):.1f}" '
                     f'y2="{y(reference):.1f}" stroke="{REFERENCE}" stroke-width="1.5" '
                     f'stroke-dasharray="5 4"/>')
        parts.append(f'<text x="{WIDTH - RIGHT}" y="{y(reference) - 4:.1f}" text-anchor="end" '
                     f'fill="{REFERENCE}">{escape(reference_label)} {_number(reference)}</text>')
    path = " ".join(f"{x(p.at):.1f},{y(p.value):.1f}" for p in points)
    parts.append(f'<polyline points="{path}" fill="none" stroke="{ACCENT}" stroke-width="2.5" '
                 f'stroke-linejoin="round"/>')
    for point in points:
        parts.append(f'<circle cx="{x(point.at):.1f}" cy="{y(point.value):.1f}" r="4" '
                     f'fill="{ACCENT}"><title>{escape(when(point.at))}: '
                     f'{_number(point.value)} {escape(unit)}</title></circle>')
    for index, label in _date_labels([_local(p.at, zone) for p in points]):
        anchor = "start" if index == 0 else "end" if index == len(points) - 1 else "middle"
        parts.append(f'<text x="{x(points[index].at):.1f}" y="{HEIGHT - 10}" '
                     f'text-anchor="{anchor}" fill="{INK}">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _date_labels(moments: Sequence[datetime]) -> list[tuple[int, str]]:
    """The first and last dates always, at most five in all and each day once, so labels
    never overlap."""
    last = len(moments) - 1
    picks = sorted({round(i * last / 4) for i in range(5)}) if last > 4 else list(range(last + 1))
    labels: list[tuple[int, str]] = []
    for index in picks:
        label = f"{moments[index]:%b} {moments[index].day}"
        if labels and labels[-1][1] == label:
            if index == last:
                labels[-1] = (index, label)  # the latest reading's day sits at the right end
            continue
        labels.append((index, label))
    return labels


def _description(points: Sequence[Point], unit: str, when, reference: float | None,  # type: ignore[no-untyped-def]
                 reference_label: str) -> str:
    low = min(points, key=lambda p: p.value)
    high = max(points, key=lambda p: p.value)
    text = (f"{len(points)} readings, from {_number(points[0].value)} {unit} on "
            f"{when(points[0].at)} to {_number(points[-1].value)} {unit} on "
            f"{when(points[-1].at)}; lowest {_number(low.value)}, highest {_number(high.value)}.")
    if reference is not None:
        text += f" {reference_label.capitalize()}: {_number(reference)} {unit}."
    return text
