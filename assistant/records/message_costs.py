"""Every outbound SMS row carries the segments it is billed as, whichever module wrote it
(the outbox, a reply stored with its webhook, the flow rehearsal): the reports sum a column
instead of measuring every text again."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from assistant.foundation.sms_length import segments
from assistant.records.models import Message


@event.listens_for(Message, "before_insert")
def _count_segments(_mapper: Any, _connection: Any, message: Message) -> None:
    if message.direction == "out" and message.channel == "sms" and message.segments is None:
        message.segments = segments(message.body or "")
