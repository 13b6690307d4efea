"""What arrives from the hospital's systems, kept as received with what became of it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assistant.records.models import Base


class Hl7Message(Base):
    """One HL7 v2 message. Its control id (MSH-10) is unique per sender, so a message sent
    again is acknowledged again without being applied twice."""

    __tablename__ = "hl7_message"
    __table_args__ = (UniqueConstraint("sending_application", "sending_facility", "control_id",
                                       name="uq_hl7_message_control_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    sending_application: Mapped[str | None] = mapped_column(String(120))
    sending_facility: Mapped[str | None] = mapped_column(String(120))
    control_id: Mapped[str | None] = mapped_column(String(64))
    message_type: Mapped[str | None] = mapped_column(String(32))  # ADT^A03
    version: Mapped[str | None] = mapped_column(String(16))
    raw: Mapped[str] = mapped_column(Text)
    # applied | unchanged | ignored | refused | failed
    outcome: Mapped[str] = mapped_column(String(16), index=True)
    ack_code: Mapped[str] = mapped_column(String(2))  # AA | AE | AR
    detail: Mapped[str | None] = mapped_column(Text)
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("episode.id"))
