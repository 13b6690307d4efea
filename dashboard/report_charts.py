"""The reports page's charts, drawn on the server as inline SVG: reach by attempt (bars), weekly
volumes (columns and lines), time to acknowledge (a histogram with the deadline marked) and the
drop-out funnel of a flow's questions.

Our own renderer, as for the patient trends (dashboard/charts.py), and for the same reasons,
which weigh more here: pygal brings its own stylesheet and a script from its website (to be
switched off to keep the Content-Security-Policy and "nothing from outside"); matplotlib's SVG
has a fixed size in points, its text as glyph paths or fonts by name, and ids that collide when
four charts sit on one page, and needs numpy. Neither gives a chart a proper text alternative.
Each function here writes only what the reader needs: a viewBox drawn at the size its text is
set for, shrinking with a phone's screen (the stylesheet's `.chart svg` rule, so wrap a chart in
an element of class "chart"); the stylesheet's colours as presentation attributes (no <style>,
no script); a <title> and a <desc> that says the numbers in words; a <title> on every mark with
the exact value. Labels come from flow wording, so every text is escaped. No data is a short
sentence, never an exception."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from dashboard.chart_parts import (
    ACCENT,
    CHARACTER_WIDTH,
    LINE,
    LINE_HEIGHT,
    MUTED,
    REFERENCE,
    SIZE,
    WIDTH,
    amount,
    check_values,
    fit,
    nice_ticks,
    no_data,
    svg_open,
    text_width,
    wrap,
)
from dashboard.weekly_chart import Week, weekly_columns

__all__ = ["Bar", "Bucket", "FunnelStep", "Week", "bar_chart", "funnel", "histogram",
           "weekly_columns"]

BAR_MAX = 72  # a lone category is a bar, not a slab


@dataclass(frozen=True)
class Bar:
    """One category: its label under the bar, its value, and words for the tooltip
    ("412 of 1,020 discharges")."""
    label: str
    value: float
    detail: str = ""


@dataclass(frozen=True)
class Bucket:
    """One range of a distribution ("5–15 min") and how many fell in it."""
    label: str
    count: int


@dataclass(frozen=True)
class FunnelStep:
    """One question of a flow: how many of `total` conversations reached (or answered) it."""
    label: str
    count: int
    total: int

    @property
    def share(self) -> float:
        return 100 * self.count / self.total if self.total else 0.0


@dataclass(frozen=True)
class _Column:
    label: str
    value: float
    shown: str  # the value as written above the bar
    tooltip: str
    colour: str


def bar_chart(bars: Sequence[Bar], *, title: str, chart_id: str, unit: str = "",
              percent: bool = False, description: str = "") -> Markup:
    """Vertical bars, one per category, with the value above each; the axis runs 0–100 when
    the values are percentages."""
    if not bars:
        return no_data()
    check_values([bar.value for bar in bars])
    if percent and max(bar.value for bar in bars) > 100:
        raise ValueError("a percentage above 100 is a miscount")

    def shown(value: float) -> str:
        if percent:
            return _percent(value)
        return f"{amount(value)} {unit}".strip()

    def said(bar: Bar, between: str = " ") -> str:
        return f"{bar.label}{between}{shown(bar.value)}" + (
            f" ({bar.detail})" if bar.detail else "")

    columns = [_Column(bar.label, bar.value, shown(bar.value), said(bar, ": "), ACCENT)
               for bar in bars]
    words = "; ".join(said(bar) for bar in bars)
    summary = f"{description.rstrip('.')}. {words}." if description else f"{words}."
    if percent:
        ticks = nice_ticks(0, 100)
    else:
        whole = all(float(bar.value).is_integer() for bar in bars)
        ticks = nice_ticks(0, max(max(bar.value for bar in bars), 1), whole=whole)
    return _columns(columns, ticks, chart_id=chart_id, title=title, summary=summary,
                    tick_text=_percent if percent else amount)


def histogram(buckets: Sequence[Bucket], *, title: str, chart_id: str,
              deadline_label: str | None = None, deadline_index: int | None = None) -> Markup:
    """How many fell in each range, in order. With `deadline_index` a dashed marker stands
    before bucket number `deadline_index` (0-based; len(buckets) puts it after the last) and
    the buckets from there on, the late ones, are drawn in the reference red."""
    if deadline_index is not None and not 0 <= deadline_index <= len(buckets):
        raise ValueError(f"deadline_index {deadline_index} is outside 0..{len(buckets)}")
    check_values([bucket.count for bucket in buckets])
    total = sum(bucket.count for bucket in buckets)
    if total == 0:
        return no_data()
    late_from = len(buckets) if deadline_index is None else deadline_index

    def tooltip(index: int, bucket: Bucket) -> str:
        text = f"{bucket.label}: {amount(bucket.count)} of {amount(total)} " \
               f"({_percent(100 * bucket.count / total)})"
        return text + (", after the deadline" if index >= late_from else "")

    columns = [_Column(bucket.label, bucket.count, amount(bucket.count), tooltip(i, bucket),
                       REFERENCE if i >= late_from else ACCENT)
               for i, bucket in enumerate(buckets)]
    summary = f"{amount(total)} in all: " + "; ".join(
        f"{bucket.label} {amount(bucket.count)}" for bucket in buckets) + "."
    marker = None
    if deadline_index is not None:
        label = deadline_label or "deadline"
        late = sum(bucket.count for bucket in buckets[deadline_index:])
        summary += f" {amount(late)} ({_percent(100 * late / total)}) after the {label}."
        marker = (deadline_index, label)
    # Headroom over the tallest bar, so its count never meets the deadline's label.
    ticks = nice_ticks(0, max(bucket.count for bucket in buckets) * 1.12, whole=True)
    return _columns(columns, ticks, chart_id=chart_id, title=title, summary=summary,
                    tick_text=amount, marker=marker)


def funnel(steps: Sequence[FunnelStep], *, title: str, chart_id: str) -> Markup:
    """One row per question in flow order: its text (cut short with an ellipsis when long;
    the tooltip has all of it) over a bar as long as the share of conversations that got
    there, with the count and share at the bar's end."""
    if not steps or all(step.total == 0 for step in steps):
        return no_data()
    check_values([step.count for step in steps] + [step.total for step in steps])
    label_size, row, bar_h, side = 15, 48, 16, 2
    ends = [f"{amount(step.count)} ({_percent(step.share)})" for step in steps]
    gutter = max(text_width(end, SIZE) for end in ends) + 8
    track = WIDTH - 2 * side - gutter
    height = len(steps) * row + 4
    summary = f"{len(steps)} questions in the order asked: " + "; ".join(
        f"{step.label} {_percent(step.share)} ({amount(step.count)} of {amount(step.total)})"
        for step in steps) + "."
    parts = [svg_open(chart_id, WIDTH, height, title, summary)]
    for index, (step, end) in enumerate(zip(steps, ends, strict=True)):
        top = 4 + index * row
        bar_y = top + LINE_HEIGHT + 6
        length = track * min(step.share, 100) / 100
        tooltip = (f"{step.label}: {amount(step.count)} of {amount(step.total)} "
                   f"({_percent(step.share)})")
        parts.append(
            f'<g class="step"><title>{escape(tooltip)}</title>'
            f'<text x="{side}" y="{top + 14}" font-size="{label_size}">'
            f'{escape(fit(step.label, WIDTH - 2 * side, label_size))}</text>'
            f'<rect x="{side}" y="{bar_y}" width="{track:.1f}" height="{bar_h}" fill="{LINE}"/>'
            f'<rect class="bar" x="{side}" y="{bar_y}" width="{length:.1f}" height="{bar_h}" '
            f'fill="{ACCENT}"/>'
            f'<text x="{side + length + 6:.1f}" y="{bar_y + 12.5}">{escape(end)}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _columns(columns: Sequence[_Column], ticks: Sequence[float], *, chart_id: str, title: str,
             summary: str, tick_text: Callable[[float], str],
             marker: tuple[int, str] | None = None) -> Markup:
    """Vertical bars on a value axis from 0, for bar_chart and histogram."""
    top = 22 + (20 if marker else 0)
    left = max(text_width(tick_text(tick), SIZE) for tick in ticks) + 10
    right = 10
    plot_w, plot_h = WIDTH - left - right, 170
    base = top + plot_h
    high = ticks[-1] or 1
    slot = plot_w / len(columns)
    bar_w = min(slot * 0.7, BAR_MAX)
    # Narrow slots get smaller category labels (to a floor) rather than labels that touch.
    word = max(len(word) for column in columns for word in column.label.split() or [""])
    label_size = min(SIZE, max(11, (slot - 6) / (max(word, 1) * CHARACTER_WIDTH)))
    labels = [wrap(column.label, slot - 6, label_size) for column in columns]
    height = base + max(len(lines) for lines in labels) * LINE_HEIGHT + 10

    def y(value: float) -> float:
        return base - plot_h * value / high

    parts = [svg_open(chart_id, WIDTH, height, title, summary)]
    for tick in ticks:
        parts.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{y(tick):.1f}" '
                     f'y2="{y(tick):.1f}" stroke="{LINE}"/>'
                     f'<text x="{left - 6:.1f}" y="{y(tick) + 4:.1f}" text-anchor="end" '
                     f'fill="{MUTED}">{escape(tick_text(tick))}</text>')
    longest = max(len(column.shown) for column in columns)
    value_size = min(SIZE, (slot - 2) / (longest * CHARACTER_WIDTH))
    for index, column in enumerate(columns):
        middle = left + slot * (index + 0.5)
        x, top_y = middle - bar_w / 2, y(column.value)
        parts.append(f'<g class="category"><title>{escape(column.tooltip)}</title>'
                     f'<rect x="{left + slot * index:.1f}" y="{top}" width="{slot:.1f}" '
                     f'height="{plot_h}" fill="#fff" fill-opacity="0"/>'
                     f'<rect class="bar" x="{x:.1f}" y="{top_y:.2f}" width="{bar_w:.1f}" '
                     f'height="{base - top_y:.2f}" fill="{column.colour}"/>')
        if value_size >= 11:  # smaller would be unreadable on a phone: the tooltip has it
            parts.append(f'<text x="{middle:.1f}" y="{top_y - 5:.1f}" text-anchor="middle" '
                         f'font-size="{value_size:.1f}">{escape(column.shown)}</text>')
        for line, text in enumerate(labels[index]):
            parts.append(f'<text x="{middle:.1f}" y="{base + 17 + line * LINE_HEIGHT}" '
                         f'text-anchor="middle" font-size="{label_size:.1f}">'
                         f'{escape(text)}</text>')
        parts.append("</g>")
    parts.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{base}" y2="{base}" '
                 f'stroke="{MUTED}"/>')
    if marker:
        parts.append(_marker(left + slot * marker[0], marker[1], top, base))
    parts.append("</svg>")
    return Markup("".join(parts))


def _marker(x: float, label: str, top: float, base: float) -> str:
    """A dashed upright line between two buckets, labelled above the plot on the side with
    room (after the line, or before it near the right edge)."""
    room_after = WIDTH - x - 4
    anchor, text_x = ("start", x + 5) if text_width(label, SIZE) <= room_after else ("end", x - 5)
    return (f'<g class="deadline"><line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 20}" y2="{base}" '
            f'stroke="{REFERENCE}" stroke-width="2" stroke-dasharray="5 3"/>'
            f'<text x="{text_x:.1f}" y="{top - 9}" text-anchor="{anchor}" fill="{REFERENCE}" '
            f'font-weight="600">{escape(label)}</text></g>')


def _percent(value: float) -> str:
    """A share already in percent, as precise as a reader needs: '41%', '6.3%', and never a
    rounded '100%' or '0%' that is not quite so."""
    if 0 < value < 0.1:
        return "<0.1%"
    if 99.9 < value < 100:
        return ">99.9%"
    return f"{amount(value if value < 10 or 99 < value < 100 else round(value))}%"
