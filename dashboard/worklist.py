"""The coordinator's worklist: open alerts and tasks, filtered by severity, status, assignee
and flow; resolved ones only when asked. The page polls a fragment of itself (htmx), and the
fragment carries a version so an unchanged list is not redrawn under a nurse's cursor."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import Select, case, select
from sqlalchemy.orm import Session, joinedload

from assistant.records.models import Alert, Episode, Message

SEVERITIES = ("emergency", "urgent", "routine")
STATUSES = ("active", "open", "acknowledged", "resolved", "all")
SEVERITY_RANK = case({"emergency": 0, "urgent": 1, "routine": 2}, value=Alert.severity)
LIMIT = 300


@dataclass(frozen=True)
class Filters:
    """What the nurse asked to see; anything unknown falls back to the default, so a stale
    bookmark never errors."""

    severity: str = ""
    status: str = "active"
    assignee: str = ""  # "" anyone, "me", "none" (unassigned) or a user name
    flow: str = ""

    @classmethod
    def from_args(cls, args: dict[str, str], flows: set[str]) -> Filters:
        severity = args.get("severity", "")
        status = args.get("status", "active")
        flow = args.get("flow", "")
        return cls(severity=severity if severity in SEVERITIES else "",
                   status=status if status in STATUSES else "active",
                   assignee=args.get("assignee", "").strip()[:64],
                   flow=flow if flow in flows else "")

    def as_args(self) -> dict[str, str]:
        return {key: value for key, value in vars(self).items()
                if value and not (key == "status" and value == "active")}


@dataclass
class Worklist:
    alerts: list[Alert]
    tasks: list[Alert]
    unprocessed: list[Message]
    version: str


def load(session: Session, filters: Filters, me: str) -> Worklist:
    alerts = list(session.scalars(_filtered(filters, me, "alert").order_by(
        Alert.status == "resolved", SEVERITY_RANK, Alert.created_at.desc()).limit(LIMIT)))
    tasks = list(session.scalars(_filtered(filters, me, "task").order_by(
        Alert.status == "resolved", Alert.due_at, Alert.id).limit(LIMIT)))
    unprocessed = list(session.scalars(
        select(Message).where(Message.direction == "in", Message.status == "error")
        .order_by(Message.created_at.desc()).limit(100)))
    return Worklist(alerts, tasks, unprocessed, _version(alerts, tasks, unprocessed))


def _filtered(filters: Filters, me: str, kind: str) -> Select[tuple[Alert]]:
    query = (select(Alert).options(joinedload(Alert.patient))
             .join(Episode, Alert.episode_id == Episode.id).where(Alert.kind == kind))
    if filters.severity:
        query = query.where(Alert.severity == filters.severity)
    if filters.status == "active":
        query = query.where(Alert.status != "resolved")
    elif filters.status != "all":
        query = query.where(Alert.status == filters.status)
    if filters.assignee == "me":
        query = query.where(Alert.assignee == me)
    elif filters.assignee == "none":
        query = query.where(Alert.assignee.is_(None))
    elif filters.assignee:
        query = query.where(Alert.assignee == filters.assignee)
    if filters.flow:
        query = query.where(Episode.flow_id == filters.flow)
    return query


def _version(alerts: list[Alert], tasks: list[Alert], unprocessed: list[Message]) -> str:
    """Changes whenever anything shown changes (a new alert, a status, an assignee, new
    evidence), so the page redraws only then."""
    digest = hashlib.sha256()
    for alert in [*alerts, *tasks]:
        digest.update(f"{alert.id}:{alert.status}:{alert.assignee}:{alert.severity}:"
                      f"{alert.updated_at.isoformat()};".encode())
    for message in unprocessed:
        digest.update(f"m{message.id};".encode())
    return digest.hexdigest()[:16]
