"""Weekly volumes over up to a year or so, as inline SVG for the reports page (why our own
renderer: dashboard/report_charts.py, which offers this chart with the others).

The first series (discharges, say) is drawn as columns and up to two more (reached, alerts) as
lines over them: 52 weeks of three side-by-side columns would be a few pixels each on a phone,
while a column with two lines stays readable. The legend is drawn in the SVG, so it needs no
stylesheet."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date

from markupsafe import Markup, escape

from dashboard.chart_parts import (
    ACCENT,
    INK,
    LINE,
    LINE_HEIGHT,
    MUTED,
    REFERENCE,
    SIZE,
    WIDTH,
    amount,
    check_values,
    nice_ticks,
    no_data,
    svg_open,
    text_width,
)

# A week's start (the Monday, say) and its values, one per series, in series_labels' order.
Week = tuple[date, tuple[float, ...]]
# How each series is drawn: the first as columns, the next two as lines (the third dashed, so
# the two lines differ without colour too).
SERIES_COLOURS = (ACCENT, INK, REFERENCE)
SERIES_DASHES = ("", "", "5 3")


def weekly_columns(weeks: Sequence[Week], *, title: str, chart_id: str,
                   series_labels: Sequence[str]) -> Markup:
    """Up to three weekly series over up to a year or so: the first as columns, the others as
    lines over them, a legend above, month names under the axis (as many as have room). Each
    week's band carries all its values in one tooltip."""
    if not 1 <= len(series_labels) <= len(SERIES_COLOURS):
        raise ValueError(f"weekly_columns draws 1 to {len(SERIES_COLOURS)} series, "
                         f"not {len(series_labels)}")
    if not weeks:
        return no_data()
    weeks = sorted(weeks, key=lambda week: week[0])
    for start, values in weeks:
        if len(values) != len(series_labels):
            raise ValueError(f"the week of {_day(start)} has {len(values)} values for "
                             f"{len(series_labels)} series")
        check_values(values)
    legend, top = _legend(series_labels)
    every = [value for _, values in weeks for value in values]
    whole = all(float(value).is_integer() for value in every)
    ticks = nice_ticks(0, max(max(every), 1), whole=whole)
    left, right, plot_h = max(text_width(amount(t), SIZE) for t in ticks) + 10, 14, 170
    base, high = top + plot_h, ticks[-1]
    slot = (WIDTH - left - right) / len(weeks)
    height = base + 2 * LINE_HEIGHT + 10

    def x(index: int) -> float:
        return left + slot * (index + 0.5)

    def y(value: float) -> float:
        return base - plot_h * value / high

    parts = [svg_open(chart_id, WIDTH, height, title, _weekly_summary(weeks, series_labels)),
             legend]
    for tick in ticks:
        parts.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{y(tick):.1f}" '
                     f'y2="{y(tick):.1f}" stroke="{LINE}"/><text x="{left - 6}" '
                     f'y="{y(tick) + 4:.1f}" text-anchor="end" fill="{MUTED}">'
                     f'{escape(amount(tick))}</text>')
    column_w = min(max(slot * 0.72, 1), 40)  # a few weeks are columns, not slabs
    for index, (start, values) in enumerate(weeks):
        parts.append(f'<rect class="bar" x="{x(index) - column_w / 2:.2f}" '
                     f'y="{y(values[0]):.2f}" width="{column_w:.2f}" '
                     f'height="{base - y(values[0]):.2f}" fill="{ACCENT}" fill-opacity="0.45">'
                     f'<title>{escape(_week_values(start, series_labels[:1], values[:1]))}'
                     f'</title></rect>')
    for series in range(1, len(series_labels)):
        colour, dash = SERIES_COLOURS[series], SERIES_DASHES[series]
        path = " ".join(f"{x(i):.1f},{y(values[series]):.1f}"
                        for i, (_, values) in enumerate(weeks))
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                     f'stroke-width="2" stroke-linejoin="round"'
                     + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
        for index, (start, values) in enumerate(weeks):
            label = series_labels[series:series + 1]
            parts.append(f'<circle cx="{x(index):.1f}" cy="{y(values[series]):.1f}" r="2.2" '
                         f'fill="{colour}"><title>'
                         f'{escape(_week_values(start, label, values[series:series + 1]))}'
                         f'</title></circle>')
    parts.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{base}" y2="{base}" '
                 f'stroke="{MUTED}"/>')
    for index, month, year in _week_labels([start for start, _ in weeks], slot):
        middle = min(max(x(index), left + 12), WIDTH - 14)
        parts.append(f'<line x1="{x(index):.1f}" x2="{x(index):.1f}" y1="{base}" '
                     f'y2="{base + 4}" stroke="{MUTED}"/><text class="week-label" '
                     f'x="{middle:.1f}" y="{base + 17}" text-anchor="middle">'
                     f'{escape(month)}</text>')
        if year:
            parts.append(f'<text x="{middle:.1f}" y="{base + 17 + LINE_HEIGHT}" '
                         f'text-anchor="middle" fill="{MUTED}">{escape(year)}</text>')
    for index, (start, values) in enumerate(weeks):  # on top: a tooltip anywhere in the week
        parts.append(f'<rect class="week" x="{left + slot * index:.2f}" y="{top}" '
                     f'width="{slot:.2f}" height="{plot_h}" fill="#fff" fill-opacity="0">'
                     f'<title>{escape(_week_values(start, series_labels, values))}</title></rect>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _legend(series_labels: Sequence[str]) -> tuple[str, int]:
    """Swatches and names in rows across the top (drawn, so no stylesheet is needed), and
    where the plot may start below them."""
    parts, x, row = ['<g class="legend">'], 2.0, 0
    for series, label in enumerate(series_labels):
        width = 22 + text_width(label, SIZE)
        if x > 2 and x + width > WIDTH:
            x, row = 2.0, row + 1
        middle = 10 + row * 20
        colour, dash = SERIES_COLOURS[series], SERIES_DASHES[series]
        if series == 0:
            parts.append(f'<rect x="{x:.1f}" y="{middle - 6}" width="14" height="12" '
                         f'fill="{colour}" fill-opacity="0.45"/>')
        else:
            parts.append(f'<line x1="{x:.1f}" x2="{x + 16:.1f}" y1="{middle}" y2="{middle}" '
                         f'stroke="{colour}" stroke-width="2.5"'
                         + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
        parts.append(f'<text x="{x + 20:.1f}" y="{middle + 4.5}">{escape(label)}</text>')
        x += width + 16
    parts.append("</g>")
    return "".join(parts), 20 * (row + 1) + 16


def _week_labels(starts: Sequence[date], slot: float) -> list[tuple[int, str, str]]:
    """Where to name the time axis: each week's date when there are few weeks, else the
    weeks in which a month begins; every second, third... of them when they would crowd.
    The year goes under the first label and under each January."""
    if len(starts) <= 12:
        marks = [(i, f"{start:%b} {start.day}") for i, start in enumerate(starts)]
    else:
        marks = [(i, f"{start:%b}") for i, start in enumerate(starts)
                 if (i == 0 and start.day <= 7) or (i > 0 and start.month != starts[i - 1].month)]
    if not marks:
        return []
    widest = max(text_width(text, SIZE) for _, text in marks) + 8
    gaps = [b - a for (a, _), (b, _) in itertools.pairwise(marks)] or [len(starts)]
    step = next(k for k in (1, 2, 3, 4, 6, 12, len(marks)) if min(gaps) * k * slot >= widest
                or k == len(marks))
    picked = marks[::step]
    labels, last_year = [], None
    for index, text in picked:
        year = starts[index].year
        labels.append((index, text, str(year) if year != last_year else ""))
        last_year = year
    return labels


def _weekly_summary(weeks: Sequence[Week], series_labels: Sequence[str]) -> str:
    first, last = weeks[0][0], weeks[-1][0]
    text = f"{len(weeks)} weeks, from the week of {_day(first)} to the week of {_day(last)}."
    for series, label in enumerate(series_labels):
        values = [values[series] for _, values in weeks]
        busiest = max(range(len(weeks)), key=lambda i: values[i])
        text += (f" {label}: {amount(sum(values))} in all, {amount(min(values))} to "
                 f"{amount(max(values))} a week, the most in the week of "
                 f"{_day(weeks[busiest][0])}.")
    return text


def _week_values(start: date, labels: Sequence[str], values: Sequence[float]) -> str:
    return f"Week of {_day(start)}: " + "; ".join(
        f"{label} {amount(value)}" for label, value in zip(labels, values, strict=True))


def _day(day: date) -> str:
    return f"{day:%b} {day.day}, {day.year}"
