"""What arrives from the hospital's systems, kept as received with what became of it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
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


class Readmission(Base):
    """A patient admitted to hospital again (ADT A01/A04, the API, or a new discharge), tied
    to the stay it follows: the reports' 30-day readmissions are counted from these. One row
    per admission: the visit number keeps an A01 sent twice (or its A04) from counting twice."""

    __tablename__ = "readmission"
    __table_args__ = (UniqueConstraint("patient_id", "visit_number",
                                       name="uq_readmission_visit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    # The latest discharge before this admission (None: no stay of ours before it).
    index_episode_id: Mapped[int | None] = mapped_column(ForeignKey("episode.id"), index=True)
    admitted_at: Mapped[datetime] = mapped_column(DateTime)
    # Calendar days on the patient's clock from the index discharge (day 0) to this admission,
    # as hospitals count a 30-day readmission; kept so reports need no date arithmetic in SQL
    # (which SQLite and PostgreSQL spell differently).
    days_after_discharge: Mapped[int | None] = mapped_column(Integer)
    visit_number: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))  # hl7 | api | discharge
    event: Mapped[str | None] = mapped_column(String(16))  # A01 | A04 for HL7
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class WebhookSubscription(Base):
    """A hospital system told of alert events at `url`, each request signed with `secret`
    (HMAC-SHA256). Without `with_health_information` a payload carries ids only."""

    __tablename__ = "webhook_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(128))
    events: Mapped[list[Any]] = mapped_column(JSON)  # raised | acknowledged | resolved
    with_health_information: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class WebhookDelivery(Base):
    """One event for one subscription: recorded with the alert's change, sent by a worker,
    retried with back-off until the receiver says 2xx."""

    __tablename__ = "webhook_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscription.id"))
    event: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)  # the exact JSON body that is signed
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending|sending|delivered|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)


class ApiToken(Base):
    """A hospital system's key to /api/v1/. Only a hash is kept; the token is shown once."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
