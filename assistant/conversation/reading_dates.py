"""Dates in replies: numeric (month first in English, day first in Spanish), worded, and
years said aloud."""

from __future__ import annotations

import re
from datetime import date

from assistant.conversation.interpretation import NOT_UNDERSTOOD, Interpretation, normalise
from assistant.conversation.reading_numbers import numbers_as_digits

MONTHS = {
    name: index + 1
    for index, names in enumerate([
        ("january", "jan", "enero"), ("february", "feb", "febrero"), ("march", "mar", "marzo"),
        ("april", "apr", "abril"), ("may", "mayo"), ("june", "jun", "junio"),
        ("july", "jul", "julio"), ("august", "aug", "agosto"),
        ("september", "sep", "sept", "septiembre"), ("october", "oct", "octubre"),
        ("november", "nov", "noviembre"), ("december", "dec", "diciembre"),
    ])
    for name in names
}


def interpret_date(text: str, today: date | None = None, day_first: bool = False) -> Interpretation:
    """Written dates; month first (US) unless `day_first` (Spanish) or impossible otherwise."""
    cleaned = normalise(text).replace(",", " ")
    today = today or date.today()
    parsed = _numeric_date(cleaned, today, day_first) or _worded_date(
        _spoken_years(numbers_as_digits(cleaned)), today)
    if parsed is None or parsed > today:
        return NOT_UNDERSTOOD
    return Interpretation(True, parsed.isoformat())


def _spoken_years(text: str) -> str:
    """"19 50" (from "nineteen fifty") → "1950"; "19 oh 5" → "1905"."""
    text = re.sub(r"\b(1[89]|20) (?:oh|o) (\d)\b", r"\g<1>0\2", text)
    return re.sub(r"\b(1[89]|20) (\d{2})\b", r"\1\2", text)


def _full_year(year: int, today: date) -> int:
    if year >= 100:
        return year
    return 2000 + year if 2000 + year <= today.year else 1900 + year


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _numeric_date(text: str, today: date, day_first: bool) -> date | None:
    iso = re.search(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b", text)
    if iso:
        return _safe_date(int(iso[1]), int(iso[2]), int(iso[3]))
    us = re.search(r"\b(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{2}|\d{4})\b", text)
    if us:
        first, second, year = int(us[1]), int(us[2]), _full_year(int(us[3]), today)
        month, day = (second, first) if day_first else (first, second)
        if month > 12 >= day:
            month, day = day, month
        return _safe_date(year, month, day)
    compact = re.fullmatch(r"(\d{2})(\d{2})(\d{4})", text)
    if compact:
        return _safe_date(int(compact[3]), int(compact[1]), int(compact[2]))
    return None


def _worded_date(text: str, today: date) -> date | None:
    words = text.replace("/", " ").replace("-", " ").split()
    month = next((MONTHS[w] for w in words if w in MONTHS), None)
    numbers = [int(re.sub(r"(st|nd|rd|th)$", "", w)) for w in words
               if re.fullmatch(r"\d+(st|nd|rd|th)?", w)]
    if month is None or len(numbers) != 2:
        return None
    day, year = (numbers[0], numbers[1]) if numbers[0] <= 31 else (numbers[1], numbers[0])
    return _safe_date(_full_year(year, today), month, day)
