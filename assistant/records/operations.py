"""Tables of the running system rather than of patients: the senders every worker shares,
and each worker's last sign of life (for the health check)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, String
from sqlalchemy.orm import Mapped, mapped_column

from assistant.records.models import Base


class Sender(Base):
    """A Twilio number or messaging service with the rate the carrier allows it. Every
    worker reserves its sending slots here, so together they never exceed that rate."""

    __tablename__ = "sender"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(64), unique=True)
    per_second: Mapped[float] = mapped_column(Float)
    next_slot: Mapped[float] = mapped_column(Float, default=0.0)  # epoch seconds, wall clock
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class WorkerBeat(Base):
    """Written by each worker at every tick: `/health` says which are alive."""

    __tablename__ = "worker_beat"

    worker_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    last_tick_at: Mapped[datetime] = mapped_column(DateTime)
    settings: Mapped[str] = mapped_column(String(400))  # the start-up line, no secrets
