"""What every chart drawn on the server shares: the stylesheet's colours, round axis steps,
numbers as a person reads them, and text fitted to the room a label has.

The palette repeats carecall.css's :root colours because an inline <svg> is painted with
presentation attributes (fill, stroke), which cannot read CSS variables without a <style>
element; keep the two in step."""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

# carecall.css: --ink, --muted, --line, --accent, --emergency (named for its use in a chart).
INK, MUTED, LINE, ACCENT, REFERENCE = "#1d2430", "#4a5568", "#dde2ea", "#1f5fbf", "#b3261e"
FONT = "system-ui, sans-serif"
# A sans-serif character is about this share of the font size wide on average; used only to
# decide whether a label fits, with a little room to spare.
CHARACTER_WIDTH = 0.6
ELLIPSIS = "…"
# The reports' charts: natural width and font size in px (a phone shrinks both alike), and the
# distance between two lines of a label.
WIDTH, SIZE, LINE_HEIGHT = 440, 14, 17


def nice_ticks(low: float, high: float, count: int = 5, *, whole: bool = False) -> list[float]:
    """Round steps (1, 2, 2.5 or 5 times a power of ten) covering low..high. With `whole`
    every step is a whole number (an axis of counts never reads 2.5 alerts)."""
    span = high - low if high > low else 1.0
    rough = span / max(1, count - 1)
    if whole:
        rough = max(rough, 1.0)
    power = 10 ** math.floor(math.log10(rough))
    steps = (m * power for m in (1, 2, 2.5, 5, 10))
    step = next(s for s in steps if s >= rough and (not whole or s == int(s)))
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value <= high + step * 1e-9:
        ticks.append(round(value, 6))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 6))
    return ticks


def amount(value: float) -> str:
    """1,020 or 12.5: thousands separated, at most one decimal, no trailing '.0'."""
    text = f"{value:,.1f}"
    return text[:-2] if text.endswith(".0") else text


def text_width(text: str, size: float) -> float:
    return len(text) * size * CHARACTER_WIDTH


def fit(text: str, room: float, size: float) -> str:
    """The text, or as much of it as fits in `room` followed by an ellipsis."""
    if text_width(text, size) <= room:
        return text
    keep = max(1, int(room / (size * CHARACTER_WIDTH)) - 1)
    cut = text[:keep]
    if " " in cut[keep * 2 // 3:]:  # end on a whole word when that loses little
        cut = cut[:cut.rindex(" ")]
    return cut.rstrip(" ,;:-&") + ELLIPSIS


def wrap(text: str, room: float, size: float, lines: int = 2) -> list[str]:
    """Words on up to `lines` lines of `room` width; the last line ends in an ellipsis if the
    words run over."""
    words = text.split()
    if not words:
        return [""]
    rows: list[str] = []
    while words and len(rows) < lines:
        row = words.pop(0)
        while words and text_width(f"{row} {words[0]}", size) <= room:
            row = f"{row} {words.pop(0)}"
        rows.append(row)
    if words:
        rows[-1] = f"{rows[-1]} {' '.join(words)}"
    return [fit(row, room, size) for row in rows]  # a single long word is cut short too


def svg_open(chart_id: str, width: float, height: float, title: str, description: str) -> str:
    """The opening of an accessible chart: scales down with its container (the stylesheet's
    `.chart svg` rule) from its natural size, named by its <title> and described by its
    <desc> for screen readers."""
    ident = escape(chart_id)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}" '
            f'width="{width:g}" height="{height:g}" role="img" id="{ident}" '
            f'aria-labelledby="{ident}-title {ident}-desc" font-size="{SIZE}" '
            f'font-family="{FONT}" fill="{INK}">'
            f'<title id="{ident}-title">{escape(title)}</title>'
            f'<desc id="{ident}-desc">{escape(description)}</desc>')


def no_data(message: str = "No data for this period.") -> Markup:
    return Markup('<p class="muted no-data">{}</p>').format(message)


def check_values(values: Sequence[float]) -> None:
    """Counts and shares are finite and not negative; anything else is the caller's bug."""
    for value in values:
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"a chart's value must be a finite number from 0, not {value!r}")
