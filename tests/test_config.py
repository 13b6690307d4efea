"""Settings from CARECALL_* variables: defaults, and clear errors for bad values."""

from __future__ import annotations

import pytest

from assistant.foundation.config import ConfigError, load_settings


def test_defaults_give_an_embedded_database_and_tcpa_hours() -> None:
    settings = load_settings({})
    assert settings.database_url.endswith("data/carecall.db")
    assert settings.contact_window == (8, 21)
    assert (settings.max_contacts_per_day, settings.max_contacts_per_week) == (1, 3)


def test_values_are_read_and_converted() -> None:
    settings = load_settings({"CARECALL_DATABASE_URL": "postgresql+psycopg://db/carecall",
                              "CARECALL_TICK_SECONDS": "5", "CARECALL_CONTACT_HOURS": "9-20",
                              "CARECALL_SEND_RATE_PER_SECOND": "2.5"})
    assert settings.database_url == "postgresql+psycopg://db/carecall"
    assert (settings.tick_seconds, settings.contact_window) == (5, (9, 20))
    assert settings.send_rate_per_second == 2.5


@pytest.mark.parametrize(("name", "value", "message"), [
    ("CARECALL_TICK_SECONDS", "soon", "CARECALL_TICK_SECONDS='soon' is not a valid int"),
    ("CARECALL_DEFAULT_TIMEZONE", "Mars/Olympus", "is not an IANA time zone"),
    ("CARECALL_CONTACT_HOURS", "6-23", "inside 8-21"),
    ("CARECALL_HOLIDAY_CALENDAR", "XX", "holiday calendar 'XX' is unknown"),
    ("CARECALL_SEND_RATE_PER_SECOND", "0", "must be more than 0"),
])
def test_a_bad_value_names_the_variable_and_the_fix(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_settings({name: value})
