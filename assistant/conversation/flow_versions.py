"""Published flow versions: immutable, so a conversation always runs the flow it started on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.conversation.flow_loader import parse_flow
from assistant.conversation.flows import Flow
from assistant.conversation.prompts import PromptCatalogue
from assistant.records.audit import record
from assistant.records.models import CheckIn, FlowVersion


class FlowVersions:
    def __init__(self, prompts: PromptCatalogue) -> None:
        self.prompts = prompts
        self._parsed: dict[int, Flow] = {}

    @staticmethod
    def latest(session: Session, flow_id: str) -> FlowVersion | None:
        return session.scalar(select(FlowVersion).where(FlowVersion.flow_id == flow_id)
                              .order_by(FlowVersion.version.desc()).limit(1))

    def current(self, session: Session, file_flow: Flow, now: datetime) -> FlowVersion:
        """The version new check-ins run: an admin's published version while it is the
        latest, else the flow file's (published anew when the file changed)."""
        latest = self.latest(session, file_flow.id)
        if latest is not None and (latest.origin == "editor"
                                   or latest.checksum == file_flow.checksum):
            return latest
        return self.publish(session, file_flow, now)

    def publish(self, session: Session, flow: Flow, now: datetime, *, origin: str = "file",
                source_text: str | None = None, actor: str = "carecall") -> FlowVersion:
        """The stored version equal to `flow`, publishing it as a new version if it differs
        from the latest."""
        latest = self.latest(session, flow.id)
        if latest is not None and latest.checksum == flow.checksum:
            return latest
        number = (session.scalar(
            select(func.max(FlowVersion.version)).where(FlowVersion.flow_id == flow.id)
        ) or 0) + 1
        version = FlowVersion(
            flow_id=flow.id, version=number, checksum=flow.checksum,
            definition=flow.source, published_at=now, origin=origin, source_text=source_text,
            published_by=actor,
        )
        session.add(version)
        session.flush()
        record(session, actor=actor, action="published", subject="flow",
               subject_id=f"{flow.id} v{number}", now=now,
               detail=f"{origin} {flow.checksum[:12]}")
        return version

    def flow_of(self, checkin: CheckIn) -> Flow:
        """The flow a check-in runs, parsed once per version: a version already parsed is
        not even loaded (its JSON definition would be decoded for nothing)."""
        parsed = self._parsed.get(checkin.flow_version_id)
        return parsed if parsed is not None else self.flow(checkin.flow_version)

    def flow_by_id(self, session: Session, version_id: int) -> Flow:
        """The flow of a version known by its id, loaded (and parsed) only the first time."""
        parsed = self._parsed.get(version_id)
        return parsed if parsed is not None else self.flow(
            session.get_one(FlowVersion, version_id))

    def flow(self, version: FlowVersion) -> Flow:
        if version.id not in self._parsed:
            self._parsed[version.id] = parse_flow(
                version.definition, f"{version.flow_id} v{version.version}", self.prompts
            )
        return self._parsed[version.id]
