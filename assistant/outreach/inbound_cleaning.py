"""Inbound texts are stored whatever bytes they carry. PostgreSQL cannot store a NUL, and the
phone columns hold 40 characters: such a text is stored cleaned (NUL and other control
characters removed, oversized fields cut to their column) with the fields as received kept
beside it, escaped as JSON, rather than failing and losing what the patient wrote."""

from __future__ import annotations

import json
from dataclasses import replace

from assistant.foundation.text import CONTROL_CHARACTERS
from assistant.outreach.outage import InboundSms

LIMITS = {"sid": 64, "from_number": 40, "to_number": 40}


def cleaned(sms: InboundSms) -> InboundSms:
    fields = {"sid": sms.sid, "from_number": sms.from_number, "to_number": sms.to_number,
              "body": sms.body}
    # In words a control character becomes a space ("chest\x00pain" reads "chest pain").
    tidy = {name: CONTROL_CHARACTERS.sub(" " if name == "body" else "", value)
            for name, value in fields.items()}
    for name, limit in LIMITS.items():
        tidy[name] = tidy[name].strip()[:limit]
    if tidy == fields:
        return sms
    return replace(sms, **tidy, raw=json.dumps(fields, ensure_ascii=True))
