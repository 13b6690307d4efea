"""Phone numbers: parsed and validated with `phonenumbers`, stored as E.164."""

from __future__ import annotations

import phonenumbers
from phonenumbers import timezone as phone_timezones


class InvalidPhone(ValueError):
    pass


def to_e164(text: str, default_region: str) -> str:
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(
            f"phone {text!r} is not a phone number ({exc._msg}); write it like +1 201 555 0123"
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(
            f"phone {text!r} is not a valid number in region {default_region}; check the digits "
            "or add the country code, like +1 201 555 0123"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def time_zone_for(e164: str) -> str | None:
    """The number's time zone when the number pins down exactly one."""
    zones = phone_timezones.time_zones_for_number(phonenumbers.parse(e164))
    return zones[0] if len(zones) == 1 and zones[0] != "Etc/Unknown" else None
