"""The audit log: who saw or changed what, when. Rows are only ever added (the database
refuses updates and deletes) and can be exported for a compliance review."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.records.models import AuditEvent


def record(session: Session, *, actor: str, action: str, subject: str, subject_id: object,
           now: datetime, detail: str | None = None) -> None:
    session.add(AuditEvent(at=now, actor=actor, action=action, subject=subject,
                           subject_id=str(subject_id), detail=detail))


def events(session: Session, since: datetime | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    return list(session.scalars(query))


def export(rows: Iterable[AuditEvent], form: str = "jsonl") -> str:
    fields = ("id", "at", "actor", "action", "subject", "subject_id", "detail")
    records = [{field: getattr(row, field) for field in fields} for row in rows]
    for item in records:
        item["at"] = item["at"].isoformat(timespec="seconds") + "Z"
    if form == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        writer.writerows(records)
        return out.getvalue()
    return "".join(json.dumps(item) + "\n" for item in records)
