"""Text as people and systems send it."""

from __future__ import annotations

import re

# C0 control characters and DEL, except tab, line feed and carriage return: no form needs
# them, and PostgreSQL cannot store a NUL.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
