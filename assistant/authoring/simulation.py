"""The simulator page's engine: chat with a flow as a made-up patient, on a database of its
own, so nothing reaches the real alert queue. One SQLite file per simulator session keeps the
conversation between requests."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from assistant.conversation.chart import END_STATES
from assistant.conversation.flows import Flow
from assistant.foundation.config import Settings
from assistant.intake.enrollment import enroll, validate_discharge
from assistant.records.db import make_engine, transaction
from assistant.records.models import Alert, Base, CheckIn, Conversation, Message
from assistant.services import Services, build_services

SIMULATED_PATIENT = {"name": "Sam Sample", "dob": "1950-03-14", "phone": "+12015550190"}


@dataclass
class Exchange:
    transcript: list[dict[str, str]]
    alerts: list[dict[str, Any]]
    ended: bool


STALE_SECONDS = 24 * 3600


def remove_stale(folder: Path, now: float | None = None) -> int:
    """Simulator databases untouched for a day are thrown away; returns how many."""
    now = time.time() if now is None else now
    removed = 0
    for path in folder.glob("*.db*"):
        if now - path.stat().st_mtime > STALE_SECONDS:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


class Simulation:
    def __init__(self, settings: Settings, folder: Path, simulation_id: str) -> None:
        if not simulation_id.isalnum():
            raise ValueError("bad simulation id")
        folder.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{(folder / f'{simulation_id}.db').as_posix()}"
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        self.services: Services = build_services(settings.with_overrides(database_url=url),
                                                 engine=engine)

    @staticmethod
    def new_id() -> str:
        return secrets.token_hex(12)

    def close(self) -> None:
        self.services.close()

    def start(self, flow_id: str, language: str, channel: str,
              draft: Flow | None = None) -> Exchange:
        services = self.services
        if draft is not None:
            services.flows.flows[draft.id] = draft
        now = services.clock()
        discharge = validate_discharge(
            services.settings, services.flows, now=now, name=SIMULATED_PATIENT["name"],
            dob=SIMULATED_PATIENT["dob"], phone=SIMULATED_PATIENT["phone"], flow=flow_id,
            lang=language, discharged=(now - timedelta(days=2)).isoformat() + "+00:00")
        with transaction(services.sessions) as session:
            episode = enroll(session, services, discharge, now)
            checkin = episode.checkins[0]
            checkin.channel = channel
            turn = services.dialogue.start(session, checkin, channel, now)
            checkin.status = "sent"
            self._record(session, checkin, None, turn.replies)
        return self.exchange()

    def say(self, text: str) -> Exchange:
        services = self.services
        with transaction(services.sessions) as session:
            conversation = session.scalars(select(Conversation)
                                           .order_by(Conversation.id.desc())).first()
            if conversation is None:
                return self.exchange()
            checkin = conversation.checkin
            inbound = Message(direction="in", channel=checkin.channel, body=text,
                              status="received", created_at=services.clock(),
                              patient_id=checkin.episode.patient_id,
                              conversation_id=conversation.id)
            session.add(inbound)
            session.flush()
            turn = services.dialogue.reply(session, conversation, text, inbound,
                                           checkin.channel, services.clock())
            self._record(session, checkin, inbound, turn.replies)
        return self.exchange()

    def _record(self, session, checkin: CheckIn, inbound: Message | None,  # type: ignore[no-untyped-def]
                replies: list[str]) -> None:
        for text in replies:
            session.add(Message(direction="out", channel=checkin.channel, body=text,
                                status="sent", created_at=self.services.clock(),
                                reply_to_id=inbound.id if inbound else None,
                                patient_id=checkin.episode.patient_id,
                                conversation_id=checkin.conversation.id
                                if checkin.conversation else None))

    def exchange(self) -> Exchange:
        with self.services.sessions() as session:
            messages = session.scalars(select(Message).order_by(Message.id)).all()
            alerts = session.scalars(select(Alert).where(Alert.kind == "alert")
                                     .order_by(Alert.id)).all()
            conversation = session.scalars(select(Conversation)
                                           .order_by(Conversation.id.desc())).first()
            return Exchange(
                [{"from": "patient" if m.direction == "in" else "assistant", "text": m.body}
                 for m in messages],
                [{"severity": a.severity, "summary": a.summary, "reason": a.reason}
                 for a in alerts],
                conversation is not None and conversation.state in END_STATES,
            )
