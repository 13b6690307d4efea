"""Text as people and systems send it."""

from __future__ import annotations

import re

# C0 control characters and DEL, except tab, line feed and carriage return: no form needs
# them, and PostgreSQL cannot store a NUL.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# A cell a spreadsheet would run as a formula (CSV injection): written as text instead.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: str | None) -> str:
    """Text for a CSV cell that no spreadsheet will run as a formula."""
    if not value:
        return ""
    return "'" + value if value.startswith(FORMULA_START) else value
