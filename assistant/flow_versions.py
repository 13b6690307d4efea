"""Published flow versions: immutable, so a conversation always runs the flow it started on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .audit import record
from .flow_loader import parse_flow
from .flows import Flow
from .models import FlowVersion
from .prompts import PromptCatalogue


class FlowVersions:
    def __init__(self, prompts: PromptCatalogue) -> None:
        self.prompts = prompts
        self._parsed: dict[int, Flow] = {}

    def publish(self, session: Session, flow: Flow, now: datetime) -> FlowVersion:
        """The stored version equal to `flow`, publishing it as a new version if it changed."""
        latest = session.scalar(
            select(FlowVersion)
            .where(FlowVersion.flow_id == flow.id)
            .order_by(FlowVersion.version.desc())
            .limit(1)
        )
        if latest is not None and latest.checksum == flow.checksum:
            return latest
        number = (session.scalar(
            select(func.max(FlowVersion.version)).where(FlowVersion.flow_id == flow.id)
        ) or 0) + 1
        version = FlowVersion(
            flow_id=flow.id, version=number, checksum=flow.checksum,
            definition=flow.source, published_at=now,
        )
        session.add(version)
        session.flush()
        record(session, actor="carecall", action="published", subject="flow",
               subject_id=f"{flow.id} v{number}", now=now, detail=flow.checksum[:12])
        return version

    def flow(self, version: FlowVersion) -> Flow:
        if version.id not in self._parsed:
            self._parsed[version.id] = parse_flow(
                version.definition, f"{version.flow_id} v{version.version}", self.prompts
            )
        return self._parsed[version.id]
