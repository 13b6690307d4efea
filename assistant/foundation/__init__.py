"""Settings, calendars and small helpers every other package leans on.

May import: nothing of the core."""
